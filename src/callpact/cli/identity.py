"""Signing in from the command line: ``login``, ``logout``, ``whoami``, ``token list|revoke``.

The token is kept in ``$CALLPACT_CONFIG_DIR/credentials.json`` (default ``~/.config/callpact``),
one per database URL, readable by its owner only (mode 0600); ``$CALLPACT_TOKEN`` overrides it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from callpact.cli.governance import (
    DatabaseUrl,
    Format,
    OutputFormat,
    emit,
    fail,
    unit_of_work,
)
from callpact.clock import clock

TOKEN_ENV = "CALLPACT_TOKEN"
CONFIG_DIR_ENV = "CALLPACT_CONFIG_DIR"


def credentials_path() -> Path:
    base = os.environ.get(CONFIG_DIR_ENV)
    return (Path(base) if base else Path.home() / ".config" / "callpact") / "credentials.json"


def _read_credentials() -> dict[str, Any]:
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise fail(
            f"{path}: cannot read the stored sign-in ({error}); run `callpact login`"
        ) from None
    return data if isinstance(data, dict) else {}


def _write_credentials(data: dict[str, Any]) -> None:
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Created 0600 before anything is written, so the token is never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    path.chmod(0o600)


def stored_token(url: str) -> str | None:
    """The token to act with on the database ``url``: ``$CALLPACT_TOKEN``, else the stored one."""
    explicit = os.environ.get(TOKEN_ENV)
    if explicit:
        return explicit
    entry = _read_credentials().get(url)
    return entry.get("token") if isinstance(entry, dict) else None


def login(
    email: Annotated[str | None, typer.Option("--email", help="asked for when not given")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Sign in and keep an API token for this database (mode 0600)."""
    from callpact.governance.database import database_url as resolve
    from callpact.governance.identity.service import authenticate, issue_token

    email = email or typer.prompt("e-mail")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True)
    url = resolve(database_url)
    now = clock()
    with unit_of_work(database_url) as session:
        actor = authenticate(session, email, password, now=now, address="cli")
        issued = issue_token(session, actor, purpose="api", now=now, name="callpact login")
    data = _read_credentials()
    data[url] = {"token": issued.plaintext, "email": actor.email, "token_id": issued.token_id}
    _write_credentials(data)
    typer.echo(
        f"signed in as {actor.describe()}; token {issued.token_id} valid until "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC"
    )


def logout(database_url: DatabaseUrl = None) -> None:
    """Revoke the stored token on the server and forget it."""
    from callpact.governance.database import database_url as resolve
    from callpact.governance.identity.service import revoke_token

    url = resolve(database_url)
    data = _read_credentials()
    entry = data.pop(url, None)
    if not isinstance(entry, dict):
        typer.echo("not signed in")
        return
    with unit_of_work(database_url) as session:
        revoke_token(session, entry["token"], now=clock())
    _write_credentials(data)
    typer.echo(f"signed out {entry.get('email', '')}; token {entry.get('token_id', '')} revoked")


def whoami(database_url: DatabaseUrl = None) -> None:
    """The signed-in user, their organization and role."""
    from callpact.cli.governance import acting

    with unit_of_work(database_url) as session:
        typer.echo(acting(session).describe())


token_app = typer.Typer(help="Your API tokens: list and revoke them.", no_args_is_help=True)


@token_app.command("list")
def token_list(database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE) -> None:
    """Your tokens (never their secrets): purpose, expiry, last use, revocation."""
    from callpact.cli.governance import acting
    from callpact.governance.identity.service import list_tokens

    with unit_of_work(database_url) as session:
        tokens = list_tokens(session, acting(session))
        emit([t.model_dump() for t in tokens], fmt, "tokens")


@token_app.command("revoke")
def token_revoke(token_id: str, database_url: DatabaseUrl = None) -> None:
    """Revoke one of your tokens by its id (from `callpact token list`)."""
    from callpact.cli.governance import acting
    from callpact.governance.identity.service import revoke_token_id

    with unit_of_work(database_url) as session:
        revoke_token_id(session, acting(session), token_id, now=clock())
    typer.echo(f"token {token_id} revoked")


def register(app: typer.Typer) -> None:
    app.command("login")(login)
    app.command("logout")(logout)
    app.command("whoami")(whoami)
    app.add_typer(token_app, name="token")
