"""``callpact serve``: the shared portal and its JSON API over the governance database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from callpact.cli.values import DATABASE_URL, read_database_url


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="governance database URL (default $CALLPACT_DATABASE_URL)",
            show_default=False,
            parser=read_database_url,
            metavar=DATABASE_URL,
        ),
    ] = None,
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            exists=True,
            file_okay=False,
            help="folder whose statements/ holds the settled statements",
        ),
    ] = Path(),
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8000,
) -> None:
    """Serve the portal and the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    from callpact.governance.database import database_url
    from callpact.web import Settings, create_app

    if not data.is_dir():
        raise typer.BadParameter(f"{data} is not a folder", param_hint="--data")
    app = create_app(Settings(database_url=database_url(db), data_dir=data))
    typer.echo(f"callpact portal on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
