"""Statements as shared records (``statement issue|accept|approve|finalize|list|show|correct``)
and disputes on their lines (``dispute open|resolve|list``). Every rule is the services'."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from callpact.cli.governance import (
    ContractId,
    DatabaseUrl,
    Format,
    OutputFormat,
    acting,
    emit,
    emit_one,
    fail,
    unit_of_work,
)
from callpact.cli.settlement import statement_app
from callpact.cli.values import amount_option, month_option, one_of_option
from callpact.clock import clock

StatementRef = Annotated[
    str, typer.Argument(help="statement number or month YYYY-MM (newest version); NUMBER vN")
]
Note = Annotated[str, typer.Option("--note", help="a note on the transition")]


def _row(view: Any) -> dict[str, Any]:
    last = view.transitions[-1] if view.transitions else None
    return {
        "statement": view.number,
        "version": view.version,
        "kind": view.kind,
        "period": view.period,
        "state": view.state,
        "invoice_total": f"{view.invoice_total} {view.currency}",
        "net_adjustment": str(view.net_adjustment),
        "supersedes": view.supersedes or "",
        "last_step": f"{last.to_state} by {last.actor} at {last.at:%Y-%m-%d %H:%M} UTC"
        if last
        else f"stored by {view.created_by}",
    }


STEP_HELP = {
    "issue": "Send a draft statement to the vendor for review (the client's admin).",
    "accept": "The vendor's review without a dispute (the vendor's admin).",
    "approve": "Approve an issued statement with no dispute open, once the vendor accepted it "
    "or the annex's dispute window has closed (the client's admin).",
    "finalize": "Make an approved statement final: it is never edited again (the client's admin).",
}


def _step_command(step_name: str) -> None:
    """``callpact statement <step>``: the same command for each lifecycle step; who may take
    it, and from which state, is the statement service's rule."""
    from callpact.governance.statement.rules import Step

    step = Step(step_name)

    def command(
        ref: StatementRef,
        contract: ContractId,
        note: Note = "",
        database_url: DatabaseUrl = None,
        fmt: Format = OutputFormat.TABLE,
    ) -> None:
        from callpact.governance.statement.service import take_step

        with unit_of_work(database_url) as session:
            view = take_step(session, acting(session), contract, ref, step, now=clock(), note=note)
        if fmt is OutputFormat.JSON:
            typer.echo(view.model_dump_json(indent=2))
            return
        accepted = f" (accepted by {view.vendor_reviewed_by})" if step is Step.ACCEPT else ""
        typer.echo(f"statement {view.number} v{view.version}: {view.state}{accepted}")

    command.__doc__ = STEP_HELP[step_name]
    statement_app.command(step_name)(command)


for _name in STEP_HELP:
    _step_command(_name)


@statement_app.command("list")
def statement_list(
    contract: ContractId, database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE
) -> None:
    """Every stored statement of the contract, each version with its state."""
    from callpact.governance.statement.service import list_statements

    with unit_of_work(database_url) as session:
        views = list_statements(session, acting(session), contract)
        if fmt is OutputFormat.JSON:
            typer.echo(json.dumps([v.model_dump(mode="json") for v in views], indent=2))
        else:
            emit([_row(v) for v in views], fmt, f"statements of {contract}")


@statement_app.command("show")
def statement_show(
    ref: StatementRef,
    contract: ContractId,
    document: Annotated[
        bool, typer.Option("--document", help="print the statement document (JSON)")
    ] = False,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """One stored statement: its state, lifecycle (who did what when) and fingerprints."""
    from callpact.governance.statement.service import document_of, get_statement

    with unit_of_work(database_url) as session:
        actor = acting(session)
        if document:
            typer.echo(json.dumps(document_of(session, actor, contract, ref), indent=2))
            return
        view = get_statement(session, actor, contract, ref)
    if fmt is OutputFormat.JSON:
        typer.echo(view.model_dump_json(indent=2))
        return
    emit_one(_row(view), fmt, f"statement {view.number} v{view.version}")
    emit([t.model_dump() for t in view.transitions], fmt, "lifecycle")
    typer.echo(f"document sha256 {view.document_sha256}; audit head at storing {view.audit_head}")
    if view.dispute_window_closes:
        typer.echo(f"dispute window closes {view.dispute_window_closes}")


@statement_app.command("correct")
def statement_correct(
    ref: StatementRef,
    contract: ContractId,
    statement_file: Annotated[
        Path,
        typer.Option(
            "--statement-file",
            exists=True,
            dir_okay=False,
            help="the corrected statement (JSON from settle)",
        ),
    ],
    reason: Annotated[str, typer.Option("--reason", help="why the statement is corrected")],
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a correction superseding a statement (a credit or debit note with its reason)."""
    from callpact.governance.statement.service import correct

    try:
        corrected = json.loads(statement_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise fail(f"{statement_file}: not a statement JSON file ({error})", 2) from None
    with unit_of_work(database_url) as session:
        stored = correct(
            session, acting(session), contract, ref, corrected, reason=reason, now=clock()
        )
        typer.echo(
            f"{stored.kind.replace('_', ' ')} {stored.number} v{stored.version} "
            f"issued: invoice {stored.invoice_total}"
        )


# -- disputes ----------------------------------------------------------------------------------

dispute_app = typer.Typer(help="Disputes on a stored statement's lines.", no_args_is_help=True)


@dispute_app.command("open")
def dispute_open(
    contract: ContractId,
    statement: Annotated[
        str, typer.Option("--statement", help="statement number or month YYYY-MM")
    ],
    line: Annotated[str, typer.Option("--line", help="line id, e.g. credit:sl-voice")],
    reason: Annotated[str, typer.Option("--reason")],
    database_url: DatabaseUrl = None,
) -> None:
    """Dispute one line of an issued statement (`statement show --document` lists line ids)."""
    from callpact.governance.dispute.service import open_dispute

    with unit_of_work(database_url) as session:
        dispute = open_dispute(
            session,
            acting(session),
            contract,
            statement=statement,
            line_id=line,
            reason=reason,
            now=clock(),
        )
        typer.echo(f"dispute {dispute.id} opened on {line} of {dispute.month}")


@dispute_app.command("resolve")
def dispute_resolve(  # noqa: PLR0917 - typer maps each option to a parameter
    dispute_id: int,
    contract: ContractId,
    resolution: Annotated[
        str,
        one_of_option(
            "callpact.governance.dispute.service:RESOLUTIONS",
            "--resolution",
            help="upheld, rejected, adjusted",
        ),
    ],
    note: Annotated[str, typer.Option("--note")] = "",
    amount: Annotated[
        Decimal | None,
        amount_option(
            "--amount", help="adjusted: signed change of the invoice (+ vendor gets more)"
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Resolve a dispute (the party that did not open it); upheld or adjusted issues a
    corrected statement."""
    from callpact.governance.dispute.service import resolve_dispute
    from callpact.governance.statement.service import get_statement

    with unit_of_work(database_url) as session:
        actor = acting(session)
        dispute = resolve_dispute(
            session,
            actor,
            contract,
            dispute_id,
            resolution=resolution,
            note=note,
            amount_adjustment=amount,
            now=clock(),
        )
        message = f"dispute {dispute_id}: {resolution}"
        if resolution != "rejected":
            view = get_statement(session, actor, contract, dispute.month)
            message += (
                f"; {view.kind.replace('_', ' ')} {view.number} v{view.version} issued "
                f"(invoice {view.invoice_total} {view.currency})"
            )
        typer.echo(message)


@dispute_app.command("list")
def dispute_list(
    contract: ContractId,
    month: Annotated[str | None, month_option("--month", help="only this month")] = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Disputes of the contract (of one month with --month)."""
    from callpact.governance.dispute.service import list_disputes

    with unit_of_work(database_url) as session:
        emit(
            [
                {
                    "id": d.id,
                    "month": d.month,
                    "line": d.line_ref,
                    "opened_by": d.opened_by,
                    "reason": d.reason,
                    "status": d.status,
                    "resolution": d.resolution,
                    "amount": d.amount_adjustment,
                }
                for d in list_disputes(session, acting(session), contract, month)
            ],
            fmt,
            f"disputes of {contract}",
        )


def register(app: typer.Typer) -> None:
    app.add_typer(dispute_app, name="dispute")
