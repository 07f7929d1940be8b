"""Governance commands: database, organizations, users, contract registration, demo seed, audit.

The workflow groups (staff, removal, training, incident, aht-plan, document, notice, dispute)
live in :mod:`callpact.cli.governance_workflows`; both share the helpers here. Every command is
one unit of work: the services flush, the command commits once at the end, or rolls back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from callpact.cli.contract import load_contract_or_exit
from callpact.cli.values import DATABASE_URL, instant_option, one_of_option, read_database_url
from callpact.clock import clock
from callpact.governance.errors import GovernanceError, PermissionDenied

if TYPE_CHECKING:
    from callpact.contracts import Contract, ContractVersion
    from callpact.governance.organization.permissions import Actor


ORG_KIND = "callpact.governance.organization.models:OrganizationKind"


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL; default $CALLPACT_DATABASE_URL or sqlite:///callpact.db",
        show_default=False,
        parser=read_database_url,
        metavar=DATABASE_URL,
    ),
]
ContractId = Annotated[
    str, typer.Option("--contract", envvar="CALLPACT_CONTRACT", help="contract id")
]
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
AsOf = Annotated[
    datetime | None,
    instant_option(
        "--as-of", help="judge deadlines as of this ISO time (default: now)", show_default=False
    ),
]
At = Annotated[
    datetime | None,
    instant_option(
        "--at",
        help="when it happened, if earlier than now (ISO time with offset): recorded now, with "
        "this moment as a time claim the other party may accept (callpact claim)",
        show_default=False,
    ),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def unit_of_work(database_url: str | None) -> Iterator[Session]:
    """A session for one command: committed when the command succeeds, rolled back otherwise;
    governance errors become a one-line message and exit status 1 (3 for a permission)."""
    from callpact.governance.database import make_engine, session_factory

    engine = make_engine(database_url)
    session = session_factory(engine)()
    session.info["database_url"] = database_url
    try:
        yield session
        session.commit()
    except PermissionDenied as error:
        session.rollback()
        raise fail(str(error), 3) from None
    except GovernanceError as error:
        session.rollback()
        raise fail(str(error)) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        engine.dispose()


def acting(session: Session) -> Actor:
    """The signed-in user (``callpact login``, or ``$CALLPACT_TOKEN``) for this database."""
    from callpact.cli.identity import stored_token
    from callpact.governance.database import database_url as resolve
    from callpact.governance.identity.service import actor_for_token

    token = stored_token(resolve(session.info.get("database_url")))
    if not token:
        raise fail("no signed-in user: sign in first with `callpact login`", 3)
    return actor_for_token(session, token, now=clock())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (date, Decimal)):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, float):
        return round(value, 6)
    return value


def emit(rows: Sequence[dict[str, Any]], fmt: OutputFormat, title: str = "") -> None:
    """Print rows as a table, or as a JSON list with the same fields."""
    plain = [{key: _plain(value) for key, value in row.items()} for row in rows]
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(plain, indent=2, default=str))
        return
    console = Console()
    if not plain:
        console.print(f"{title}: none" if title else "none")
        return
    table = Table(title=title or None)
    for key in plain[0]:
        table.add_column(key)
    for row in plain:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)


def emit_one(row: dict[str, Any], fmt: OutputFormat, title: str = "") -> None:
    emit([row], fmt, title)


# -- db ----------------------------------------------------------------------------------------

db_app = typer.Typer(
    help="The governance database (SQLite file or PostgreSQL).", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or migrate the governance tables to the newest schema (from empty, too)."""
    from callpact.governance.database import current_revision, make_engine, upgrade
    from callpact.governance.database import database_url as resolve

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        typer.echo(f"{resolve(database_url)}: at revision {current_revision(engine)}")
    finally:
        engine.dispose()


# -- organizations and users ----------------------------------------------------------------------

org_app = typer.Typer(help="Organizations: the client and the vendor.", no_args_is_help=True)
user_app = typer.Typer(help="Users, each in one organization with one role.", no_args_is_help=True)


@org_app.command("add")
def org_add(
    name: str,
    kind: Annotated[str, one_of_option(ORG_KIND, "--kind", help="client or vendor")],
    database_url: DatabaseUrl = None,
) -> None:
    """Add an organization (database administration: logged as `system:operator`)."""
    from callpact.governance.organization.service import add_organization

    with unit_of_work(database_url) as session:
        org = add_organization(session, name, kind, now=clock())
        typer.echo(f"organization {org.name} ({org.kind}) added")


@org_app.command("list")
def org_list(database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE) -> None:
    from callpact.governance.organization.service import list_organizations

    with unit_of_work(database_url) as session:
        emit(
            [{"name": o.name, "kind": o.kind} for o in list_organizations(session)],
            fmt,
            "organizations",
        )


@user_app.command("add")
def user_add(  # noqa: PLR0917 - typer maps each option to a parameter
    email: str,
    org: Annotated[str, typer.Option("--org", help="organization name")],
    role: Annotated[
        str,
        one_of_option(
            "callpact.governance.organization.models:Role",
            "--role",
            help="client_admin, client_viewer, vendor_admin, vendor_manager or auditor",
        ),
    ],
    name: Annotated[str | None, typer.Option("--name")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            "--password",
            envvar="CALLPACT_NEW_PASSWORD",
            help="asked for when not given",
            show_default=False,
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Add a user; the password is stored as an argon2id hash."""
    from callpact.governance.organization.service import add_user

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with unit_of_work(database_url) as session:
        user = add_user(
            session,
            email=email,
            name=name or email.split("@", maxsplit=1)[0],
            organization=org,
            role=role,
            password=password,
            now=clock(),
        )
        typer.echo(f"user {user.email} ({user.role} at {org}) added")


@user_app.command("disable")
def user_disable(email: str, database_url: DatabaseUrl = None) -> None:
    """Disable a user: they can no longer sign in, and every token and session of theirs is
    revoked at once (database administration: logged as `system:operator`)."""
    from callpact.governance.identity.service import disable_user

    with unit_of_work(database_url) as session:
        user = disable_user(session, email, now=clock())
        typer.echo(f"user {user.email} disabled; their tokens and sessions are revoked")


@user_app.command("list")
def user_list(database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE) -> None:
    from callpact.governance.organization.service import list_users

    with unit_of_work(database_url) as session:
        emit(
            [
                {
                    "email": u.email,
                    "name": u.name,
                    "organization": u.organization.name,
                    "role": u.role,
                    "active": u.active,
                }
                for u in list_users(session)
            ],
            fmt,
            "users",
        )


# -- contract registration and the demo seed ------------------------------------------------------

governance_app = typer.Typer(
    help="Register contracts for governance; seed a demo history.", no_args_is_help=True
)


def governance_terms(version: ContractVersion) -> Any:
    """The governance terms of a contract version (its staff, training, incident, AHT-plan and
    document clauses)."""
    from callpact.governance.annex import terms_from_annex

    return terms_from_annex(version.model_dump(mode="python", exclude_none=True))


def governance_versions(contract: Contract) -> list[Any]:
    """The governance terms of every version of a contract (base annex and each amendment),
    each with the date it takes effect."""
    from callpact.governance.terms import TermsVersion

    return [TermsVersion(v.effective_from, governance_terms(v)) for v in contract.versions]


@governance_app.command("register")
def governance_register(
    contract_file: Annotated[
        Path, typer.Option("--contract-file", exists=True, dir_okay=False, help="annex YAML")
    ],
    client: Annotated[str, typer.Option("--client", help="client organization name")],
    vendor: Annotated[str, typer.Option("--vendor", help="vendor organization name")],
    database_url: DatabaseUrl = None,
) -> None:
    """Register (or amend) a contract: its parties, the terms of every version of the annex
    (base and amendments), its required documents and planned AHT measures. The deployment's
    operator does this on the client's behalf (audited as `system:operator`); registering an
    amended annex again adds its new versions."""
    from callpact.governance.aht_plan.service import sync_planned_measures
    from callpact.governance.contract.service import register_contract
    from callpact.governance.document.service import sync_required_documents
    from callpact.governance.organization.service import operator_for

    versions = governance_versions(load_contract_or_exit(contract_file))
    now = clock()
    with unit_of_work(database_url) as session:
        actor = operator_for(session, client)
        contract = register_contract(
            session, actor, versions, client=client, vendor=vendor, now=now
        )
        documents = sync_required_documents(session, actor, contract.contract_id, now=now)
        plan = sync_planned_measures(session, actor, contract.contract_id, now=now)
        withdrawn = "".join(
            f"; AHT measure {m.measure_ref} withdrawn from {m.withdrawn_on} (no longer listed)"
            for m in plan.withdrawn
        )
        reinstated = "".join(
            f"; AHT measure {m.measure_ref} listed again, back in the plan" for m in plan.reinstated
        )
        scheduled = "".join(
            f"; AHT measure {m.measure_ref} in the plan from {m.effective_from} (added by the "
            "amendment)"
            for m in plan.added
            if m.effective_from is not None
        ) + "".join(
            f"; AHT measure {m.measure_ref} now in the plan from "
            f"{m.effective_from or 'the start of the contract'}"
            for m in plan.rescheduled
        )
        typer.echo(
            f"contract {contract.contract_id} registered with {len(versions)} version(s) of "
            f"its terms: {len(documents)} required document(s), {len(plan.added)} AHT "
            f"measure(s) added{scheduled}{withdrawn}{reinstated}"
        )


def agent_ids_from(path: Path) -> list[str]:
    """Agents who handled contacts: from a workspace or interchange folder (through the data
    layer, so rejected rows are left out), or straight from a contacts CSV/Parquet file."""
    import pyarrow.compute as pc

    if path.is_file():
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            column = pq.read_table(path, columns=["agent_id"]).column("agent_id")
        else:
            import pyarrow.csv as pacsv

            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    include_columns=["agent_id"], strings_can_be_null=True
                ),
            )
            column = table.column("agent_id")
    else:
        from callpact.data.sources import open_source

        with open_source(path) as source:
            if not source.has_table("contacts"):
                raise fail(f"{path}: no contacts table")
            column = source.read_table("contacts", ["agent_id"]).column("agent_id")
    values = pc.unique(column.drop_null()).to_pylist()
    return sorted(str(v) for v in values if v)


def outage_ids_from(path: Path) -> list[str]:
    """The outages a delivery (workspace or interchange folder) declares; none for a file."""
    if path.is_file():
        return []
    from callpact.data.sources import open_source

    with open_source(path) as source:
        if not source.has_table("outages"):
            return []
        column = source.read_table("outages", ["outage_id"]).column("outage_id")
    return sorted(str(v) for v in column.to_pylist() if v)


@governance_app.command("seed")
def governance_seed(
    contract_file: Annotated[
        Path, typer.Option("--contract", exists=True, dir_okay=False, help="annex YAML")
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            exists=True,
            help="workspace, interchange folder or contacts file: its agents form the roster",
        ),
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            "--password", envvar="CALLPACT_DEMO_PASSWORD", help="password of every demo user"
        ),
    ] = "demo-password",
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Seed a demo governance history for a contract (migrates the database first)."""
    from callpact.governance.database import make_engine, upgrade
    from callpact.governance.seed import seed_demo_history

    annex = load_contract_or_exit(contract_file)
    version = annex.first
    versions = governance_versions(annex)
    agents = agent_ids_from(data) if data is not None else []
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    with unit_of_work(database_url) as session:
        result = seed_demo_history(
            session,
            versions,
            client=version.contract.client,
            vendor=version.contract.vendor,
            agent_ids=agents,
            outage_ids=outage_ids_from(data) if data is not None else [],
            password=password,
        )
    emit(
        [{"role": role, "user": email} for role, email in result.users.items()],
        fmt,
        f"{result.contract_id}: seeded with {result.operators} operators; "
        f"look at it --as-of {result.as_of.date().isoformat()}",
    )


@governance_app.command("contracts")
def governance_contracts(
    database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE
) -> None:
    """The contracts the acting user's organization is a party to."""
    from callpact.governance.contract.service import list_contracts

    with unit_of_work(database_url) as session:
        actor = acting(session)
        emit(
            [
                {
                    "contract": c.contract_id,
                    "client": c.client.name,
                    "vendor": c.vendor.name,
                    "registered_at": c.registered_at,
                }
                for c in list_contracts(session, actor)
            ],
            fmt,
            "contracts",
        )


# -- audit ------------------------------------------------------------------------------------

audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify(
    contains: Annotated[
        str | None,
        typer.Option(
            "--contains",
            help="a head hash you were given earlier (on a statement): prove the trail holds it",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Check every entry's hash and link, and every record against the state the trail gives.
    Exit status 1 when anything was edited, deleted or changed behind the trail's back, or when
    the head hash given with --contains is no longer in it (the history was rewritten)."""
    from callpact.governance.audit.service import AuditProblem, position_of, verify
    from callpact.governance.organization.permissions import Action, require_role

    with unit_of_work(database_url) as session:
        require_role(acting(session), Action.VERIFY_AUDIT)
        report = verify(session)
        if contains is not None and position_of(session, contains) is None:
            report.problems.append(
                AuditProblem(
                    "head-missing",
                    f"the trail no longer holds the entry {contains}: the history before it "
                    "was rewritten after that hash was given out",
                )
            )
    if fmt is OutputFormat.JSON:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "entries": report.entries,
                    "head_hash": report.head_hash,
                    "records_checked": report.entities_checked,
                    "problems": [
                        {
                            "kind": p.kind,
                            "message": p.message,
                            "seq": p.seq,
                            "entity_type": p.entity_type,
                            "entity_id": p.entity_id,
                        }
                        for p in report.problems
                    ],
                },
                indent=2,
            )
        )
    else:
        for problem in report.problems:
            typer.echo(f"audit: {problem.kind}: {problem.message}")
        verdict = "intact" if report.ok else f"{len(report.problems)} problem(s)"
        typer.echo(
            f"audit trail {verdict}: {report.entries} entries, "
            f"{report.entities_checked} records checked, head {report.head_hash}"
        )
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("log")
def audit_log(
    entity_type: Annotated[str | None, typer.Option("--entity-type")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="how many entries")] = 50,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """The newest audit entries (auditors and admins)."""
    from sqlalchemy import select

    from callpact.governance.audit.models import AuditEntry
    from callpact.governance.organization.permissions import Action, require_role

    with unit_of_work(database_url) as session:
        require_role(acting(session), Action.VERIFY_AUDIT)
        query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
        if entity_type:
            query = query.where(AuditEntry.entity_type == entity_type)
        emit(
            [
                {
                    "seq": e.seq,
                    "at": e.at,
                    "actor": e.actor,
                    "action": e.action,
                    "entity": f"{e.entity_type} {e.entity_id}",
                    "hash": e.entry_hash[:12],
                }
                for e in session.scalars(query)
            ],
            fmt,
            "audit log",
        )


def register(app: typer.Typer) -> None:
    """Attach the governance command groups to the main app."""
    from callpact.cli import governance_workflows

    app.add_typer(db_app, name="db")
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(governance_app, name="governance")
    app.add_typer(audit_app, name="audit")
    governance_workflows.register(app)
