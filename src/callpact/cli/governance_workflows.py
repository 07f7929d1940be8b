"""Governance workflow commands: staff, removal, training, incident, aht-plan, document, notice,
dispute. Thin: parse options, call one service inside one unit of work, print."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from callpact.cli.governance import (
    ORG_KIND,
    AsOf,
    At,
    ContractId,
    DatabaseUrl,
    Format,
    OutputFormat,
    acting,
    agent_ids_from,
    emit,
    fail,
    unit_of_work,
)
from callpact.cli.values import (
    amount_option,
    day_option,
    instant_option,
    instant_or_now,
    month_option,
    one_of_option,
    read_month,
    read_number,
)
from callpact.clock import clock


def _list_command(
    app: typer.Typer,
    lister: str,
    title: str,
    doc: str,
    row: Callable[[Any], dict[str, Any]],
) -> None:
    """Register ``list`` on ``app``: the contract's items as of a moment, one row each.

    ``lister`` is ``module:function`` with the services' signature ``(session, actor, contract,
    now=…)``; it is imported when the command runs, so the CLI starts without the services.
    """

    def command(
        contract: ContractId,
        as_of: AsOf = None,
        database_url: DatabaseUrl = None,
        fmt: Format = OutputFormat.TABLE,
    ) -> None:
        module, name = lister.split(":")
        list_items = getattr(importlib.import_module(module), name)
        with unit_of_work(database_url) as session:
            actor = acting(session)
            items = list_items(session, actor, contract, now=instant_or_now(as_of))
            emit([row(item) for item in items], fmt, f"{title} of {contract}")

    command.__doc__ = doc
    app.command("list")(command)


# -- staff --------------------------------------------------------------------------------------

staff_app = typer.Typer(
    help="The program roster, qualifications and admission exams.", no_args_is_help=True
)


@staff_app.command("add")
def staff_add(
    person_id: str,
    contract: ContractId,
    name: Annotated[str, typer.Option("--name")],
    role: Annotated[
        str,
        one_of_option(
            "callpact.governance.staff.models:STAFF_ROLES",
            "--role",
            help="operator, supervisor, trainer or project_manager",
        ),
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Put a person on the roster (PERSON_ID: for operators, their agent_id in the data)."""
    from callpact.governance.staff.service import add_staff_member

    with unit_of_work(database_url) as session:
        member = add_staff_member(
            session,
            acting(session),
            contract,
            person_id=person_id,
            name=name,
            role=role,
            now=clock(),
        )
        typer.echo(f"{member.person_id} ({member.role}) added to {contract}")


@staff_app.command("qualify")
def staff_qualify(
    person_id: str,
    contract: ContractId,
    qualification: Annotated[str, typer.Option("--qualification")],
    obtained_on: Annotated[date, day_option("--on", help="the day it was obtained")],
    database_url: DatabaseUrl = None,
) -> None:
    """Record a qualification a person holds."""
    from callpact.governance.staff.service import add_qualification

    with unit_of_work(database_url) as session:
        add_qualification(
            session,
            acting(session),
            contract,
            person_id,
            qualification=qualification,
            obtained_on=obtained_on,
            now=clock(),
        )
        typer.echo(f"{person_id}: {qualification} recorded")


@staff_app.command("exam")
def staff_exam(
    person_id: str,
    contract: ContractId,
    score: Annotated[Decimal, amount_option("--score", help="fraction 0–1")],
    taken_at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Record an admission exam result (the latest attempt counts)."""
    from callpact.governance.staff.service import record_admission_exam

    with unit_of_work(database_url) as session:
        record_admission_exam(
            session,
            acting(session),
            contract,
            person_id,
            score=score,
            taken_at=instant_or_now(taken_at),
            now=clock(),
        )
        typer.echo(f"{person_id}: admission exam {score} recorded")


@staff_app.command("approve")
def staff_approve(person_id: str, contract: ContractId, database_url: DatabaseUrl = None) -> None:
    """The client approves a person (for roles the contract says the client approves)."""
    from callpact.governance.staff.service import approve_staff_member

    with unit_of_work(database_url) as session:
        approve_staff_member(session, acting(session), contract, person_id, now=clock())
        typer.echo(f"{person_id}: approved by the client")


@staff_app.command("deactivate")
def staff_deactivate(
    person_id: str, contract: ContractId, database_url: DatabaseUrl = None
) -> None:
    """Take a person off the program."""
    from callpact.governance.staff.service import set_active

    with unit_of_work(database_url) as session:
        set_active(
            session,
            acting(session),
            contract,
            person_id,
            active=False,
            now=clock(),
        )
        typer.echo(f"{person_id}: no longer active on {contract}")


@staff_app.command("import")
def staff_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="the roster (CSV or .xlsx)")
    ],
    contract: ContractId,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help=".xlsx: the sheet (default the first)")
    ] = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Create and update the roster from a CSV or XLSX file, all or nothing: any bad row stops
    the import and every bad row is listed (exit status 1)."""
    from callpact.diagnostics import to_json_text
    from callpact.governance.staff.service import import_roster

    with unit_of_work(database_url) as session:
        result = import_roster(session, acting(session), contract, file, sheet=sheet, now=clock())
        if not result.ok:
            session.rollback()
            if fmt is OutputFormat.JSON:
                typer.echo(to_json_text(result.diagnostics))
            else:
                for diagnostic in result.diagnostics:
                    typer.echo(diagnostic.format(), err=True)
                typer.echo(
                    f"{result.source}: {len(result.diagnostics)} problem(s); nothing imported",
                    err=True,
                )
            raise typer.Exit(1)
    summary = {
        "source": result.source,
        "created": len(result.created),
        "updated": len(result.updated),
        "unchanged": len(result.unchanged),
        "ignored_columns": ", ".join(result.ignored_columns),
    }
    if fmt is OutputFormat.JSON:
        typer.echo(json.dumps(summary | {"ignored_columns": list(result.ignored_columns)}))
    else:
        typer.echo(
            f"{result.source}: {summary['created']} added, {summary['updated']} updated, "
            f"{summary['unchanged']} unchanged on {contract}"
            + (
                f" (columns not read: {summary['ignored_columns']})"
                if result.ignored_columns
                else ""
            )
        )


@staff_app.command("list")
def staff_list(
    contract: ContractId,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """The roster with qualifications and latest admission exam."""
    from callpact.governance.staff.service import roster, snapshot

    with unit_of_work(database_url) as session:
        rows = []
        for member in roster(session, acting(session), contract):
            snap = snapshot(member)
            rows.append(
                {
                    "person_id": member.person_id,
                    "name": member.name,
                    "role": member.role,
                    "active": member.active,
                    "qualifications": ", ".join(sorted(snap.qualifications)),
                    "admission_exam": snap.latest_exam_score,
                    "client_approved": snap.client_approved,
                }
            )
        emit(rows, fmt, f"roster of {contract}")


@staff_app.command("check")
def staff_check(
    contract: ContractId,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            exists=True,
            help="workspace, interchange folder or contacts file: who actually handled contacts",
        ),
    ] = None,
    agent: Annotated[
        list[str] | None,
        typer.Option("--agent", help="an agent_id who handled contacts (repeatable)"),
    ] = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Everyone working on the program without their role's qualifications or admission exam.
    Exit status 1 when anyone is found."""
    from callpact.governance.staff.service import admission_check

    agents: list[str] | None = None
    if data is not None or agent:
        agents = list(agent or []) + (agent_ids_from(data) if data is not None else [])
    with unit_of_work(database_url) as session:
        findings = admission_check(session, acting(session), contract, agents, as_of=clock())
    emit(
        [
            {
                "person_id": f.person_id,
                "role": f.role,
                "handled_contacts": f.handled_contacts,
                "why": "; ".join(f.reasons),
            }
            for f in findings
        ],
        fmt,
        f"{contract}: working without admission",
    )
    if findings:
        raise typer.Exit(1)


# -- removal requests -------------------------------------------------------------------------

removal_app = typer.Typer(
    help="The client's requests that a person leave the program.", no_args_is_help=True
)


@removal_app.command("request")
def removal_request(
    person_id: str,
    contract: ContractId,
    reason: Annotated[str, typer.Option("--reason")],
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Ask that PERSON_ID leave the program (client admins)."""
    from callpact.governance.contract.service import get_contract
    from callpact.governance.removal.service import clock_of, request_removal

    with unit_of_work(database_url) as session:
        actor = acting(session)
        request = request_removal(
            session,
            actor,
            contract,
            person_id,
            reason=reason,
            now=clock(),
            claimed_at=at,
        )
        due = clock_of(get_contract(session, actor, contract), request, request.requested_at)
        typer.echo(
            f"removal request {request.id}: answer due {due.response_due.isoformat()}, "
            f"replacement due {due.replacement_due.isoformat()}"
        )


@removal_app.command("answer")
def removal_answer(  # noqa: PLR0917 - typer maps each option to a parameter
    request_id: int,
    contract: ContractId,
    response: Annotated[
        str,
        one_of_option(
            "callpact.governance.removal.service:RESPONSES",
            "--response",
            help="accepted or contested",
        ),
    ],
    note: Annotated[str, typer.Option("--note")] = "",
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The vendor's answer to a removal request."""
    from callpact.governance.removal.service import answer_removal

    with unit_of_work(database_url) as session:
        answer_removal(
            session,
            acting(session),
            contract,
            request_id,
            response=response,
            note=note,
            now=clock(),
            claimed_at=at,
        )
        typer.echo(f"removal request {request_id}: {response}")


@removal_app.command("replace")
def removal_replace(
    request_id: int,
    contract: ContractId,
    by: Annotated[str | None, typer.Option("--by", help="person_id of the replacement")] = None,
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The person has left the program; optionally name who replaces them."""
    from callpact.governance.removal.service import record_replacement

    with unit_of_work(database_url) as session:
        record_replacement(
            session,
            acting(session),
            contract,
            request_id,
            replacement_person_id=by,
            now=clock(),
            claimed_at=at,
        )
        typer.echo(f"removal request {request_id}: closed")


_list_command(
    removal_app,
    "callpact.governance.removal.service:list_removals",
    "removal requests",
    "Removal requests with their answer and replacement deadlines; overdue ones flagged.",
    lambda v: {
        "id": v.request.id,
        "person_id": v.request.staff_member.person_id,
        "requested_at": v.request.requested_at,
        "reason": v.request.reason,
        "answer_due": v.clock.response_due,
        "answer": v.clock.response,
        "replacement_due": v.clock.replacement_due,
        "replacement": v.clock.replacement,
        "overdue": v.clock.overdue,
    },
)


# -- training ---------------------------------------------------------------------------------

training_app = typer.Typer(
    help="Curricula, approved trainers, sessions and group outcomes.", no_args_is_help=True
)


@training_app.command("publish")
def training_publish(  # noqa: PLR0917 - typer maps each option to a parameter
    curriculum_id: str,
    contract: ContractId,
    title: Annotated[str, typer.Option("--title")],
    effective_on: Annotated[date, day_option("--effective-on", help="the first day in force")],
    sha256: Annotated[str | None, typer.Option("--sha256", help="digest of the material")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Publish a new version of a client-owned curriculum."""
    from callpact.governance.training.service import publish_curriculum

    with unit_of_work(database_url) as session:
        version = publish_curriculum(
            session,
            acting(session),
            contract,
            curriculum_id=curriculum_id,
            title=title,
            effective_on=effective_on,
            content_sha256=sha256,
            now=clock(),
        )
        typer.echo(f"{curriculum_id} v{version.version} published")


@training_app.command("approve-trainer")
def training_approve_trainer(
    trainer_name: str,
    contract: ContractId,
    side: Annotated[str, one_of_option(ORG_KIND, "--side", help="client or vendor")] = "vendor",
    database_url: DatabaseUrl = None,
) -> None:
    """The client approves a trainer for the program."""
    from callpact.governance.training.service import approve_trainer

    with unit_of_work(database_url) as session:
        approve_trainer(
            session,
            acting(session),
            contract,
            trainer_name=trainer_name,
            side=side,
            now=clock(),
        )
        typer.echo(f"trainer {trainer_name} approved")


@training_app.command("schedule")
def training_schedule(  # noqa: PLR0917 - typer maps each option to a parameter
    session_ref: str,
    contract: ContractId,
    curriculum: Annotated[str, typer.Option("--curriculum")],
    trainer: Annotated[str, typer.Option("--trainer")],
    starts_at: Annotated[datetime, instant_option("--starts-at", help="ISO time with offset")],
    trainee: Annotated[list[str], typer.Option("--trainee", help="person_id (repeatable)")],
    site: Annotated[str, typer.Option("--site")] = "vendor",
    pass_score: Annotated[Decimal | None, amount_option("--pass-score")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Schedule a session of the curriculum version in force, with an approved trainer."""
    from callpact.governance.training.service import schedule_session

    with unit_of_work(database_url) as session:
        training = schedule_session(
            session,
            acting(session),
            contract,
            session_ref=session_ref,
            curriculum_id=curriculum,
            trainer_name=trainer,
            starts_at=starts_at,
            trainees=trainee,
            site=site,
            exam_pass_score=pass_score,
            now=clock(),
        )
        typer.echo(
            f"session {session_ref}: {curriculum} v{training.curriculum.version}, "
            f"{len(trainee)} trainee(s), pass score {training.exam_pass_score}"
        )


@training_app.command("observe")
def training_observe(
    session_ref: str,
    contract: ContractId,
    user: Annotated[str, typer.Option("--user", help="client user's e-mail")],
    attends: Annotated[
        str,
        one_of_option(
            "callpact.governance.training.service:OBSERVED_PARTS",
            "--attends",
            help="training, mentoring or exams",
        ),
    ] = "training",
    database_url: DatabaseUrl = None,
) -> None:
    """Add a client observer to a session."""
    from callpact.governance.training.service import add_observer

    with unit_of_work(database_url) as session:
        add_observer(
            session,
            acting(session),
            contract,
            session_ref,
            user_email=user,
            attends=attends,
            now=clock(),
        )
        typer.echo(f"{user} observes {session_ref} ({attends})")


@training_app.command("result")
def training_result(  # noqa: PLR0917 - typer maps each option to a parameter
    session_ref: str,
    person_id: str,
    contract: ContractId,
    score: Annotated[Decimal | None, amount_option("--score", help="exam score 0–1")] = None,
    absent: Annotated[bool, typer.Option("--absent", help="did not attend")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Record a trainee's attendance and exam score."""
    from callpact.governance.training.service import record_result

    with unit_of_work(database_url) as session:
        record_result(
            session,
            acting(session),
            contract,
            session_ref,
            person_id,
            attended=not absent,
            exam_score=score,
            now=clock(),
        )
        typer.echo(f"{session_ref}/{person_id}: recorded")


@training_app.command("outcome")
def training_outcome(
    session_ref: str,
    contract: ContractId,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """The group's outcome by the contract's rule: passed, failed or inconclusive."""
    from callpact.governance.training.service import session_outcome

    with unit_of_work(database_url) as session:
        training, outcome = session_outcome(session, acting(session), contract, session_ref)
        emit(
            [
                {
                    "session": session_ref,
                    "curriculum": f"{training.curriculum.curriculum_id} "
                    f"v{training.curriculum.version}",
                    "trainer": training.trainer.trainer_name,
                    "passed": outcome.passed,
                    "examined": outcome.examined,
                    "lower_bound": outcome.lower_bound,
                    "upper_bound": outcome.upper_bound,
                    "verdict": outcome.verdict,
                    "why": outcome.reason,
                }
            ],
            fmt,
            "training outcome",
        )


@training_app.command("list")
def training_list(
    contract: ContractId,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Sessions with their group outcome."""
    from callpact.governance.training.service import list_sessions, session_outcome

    with unit_of_work(database_url) as session:
        actor = acting(session)
        rows = []
        for training in list_sessions(session, actor, contract):
            version = training.curriculum
            _, outcome = session_outcome(session, actor, contract, training.session_ref)
            rows.append(
                {
                    "session": training.session_ref,
                    "starts_at": training.starts_at,
                    "curriculum": f"{version.curriculum_id} v{version.version}",
                    "trainer": training.trainer.trainer_name,
                    "observers": ", ".join(o.user_email for o in training.observers),
                    "passed": f"{outcome.passed} of {outcome.examined}",
                    "verdict": outcome.verdict,
                }
            )
        emit(rows, fmt, f"training sessions of {contract}")


# -- incidents ----------------------------------------------------------------------------------

incident_app = typer.Typer(
    help="Incidents: the reporting clock and liability per case.", no_args_is_help=True
)


@incident_app.command("record")
def incident_record(  # noqa: PLR0917 - typer maps each option to a parameter
    incident_id: str,
    contract: ContractId,
    category: Annotated[str, typer.Option("--category")],
    severity: Annotated[str, typer.Option("--severity")],
    occurred_at: Annotated[datetime, instant_option("--occurred-at")],
    detected_at: Annotated[
        datetime | None, instant_option("--detected-at", help="default: occurred")
    ] = None,
    reported_at: Annotated[
        datetime | None,
        instant_option(
            "--reported-at",
            help="reported: recorded as reported now, with this moment as a time claim; "
            "empty: not reported",
        ),
    ] = None,
    description: Annotated[str, typer.Option("--description")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Record an incident (the vendor's report, or one the client found unreported)."""
    from callpact.governance.incident.service import record_incident

    with unit_of_work(database_url) as session:
        record_incident(
            session,
            acting(session),
            contract,
            incident_id=incident_id,
            category=category,
            severity=severity,
            occurred_at=occurred_at,
            detected_at=detected_at or occurred_at,
            reported_at=reported_at,
            description=description,
            now=clock(),
        )
        typer.echo(f"incident {incident_id} recorded")


@incident_app.command("report")
def incident_report(
    incident_id: str,
    contract: ContractId,
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Mark an incident reported to the client (now; --at states an earlier report as a claim)."""
    from callpact.governance.incident.service import mark_reported

    with unit_of_work(database_url) as session:
        mark_reported(
            session,
            acting(session),
            contract,
            incident_id,
            reported_at=at,
            now=clock(),
        )
        typer.echo(f"incident {incident_id} reported")


@incident_app.command("list")
def incident_list(
    contract: ContractId,
    month: Annotated[str | None, month_option("--month", help="the month of detection")] = None,
    as_of: AsOf = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Incidents with deadline, status (on_time, late, unreported, pending) and liability."""
    from callpact.governance.incident.service import list_incidents

    with unit_of_work(database_url) as session:
        views = list_incidents(
            session, acting(session), contract, now=instant_or_now(as_of), month=month
        )
        emit(
            [
                {
                    "incident_id": v.incident.incident_ref,
                    "category": v.incident.category,
                    "severity": v.incident.severity,
                    "detected_at": v.incident.detected_at,
                    "due_at": v.assessment.due_at,
                    "reported_at": v.incident.reported_at,
                    "status": v.assessment.status,
                    "liability": v.assessment.liability,
                }
                for v in views
            ],
            fmt,
            f"incidents of {contract}",
        )


@incident_app.command("records")
def incident_records_command(
    contract: ContractId,
    month: Annotated[str, month_option("--month", help="the month of detection")],
    database_url: DatabaseUrl = None,
) -> None:
    """The month's incidents as JSON records for settlement (detection month)."""
    from callpact.governance.incident.service import incident_records

    with unit_of_work(database_url) as session:
        records = incident_records(session, acting(session), contract, month)
    typer.echo(json.dumps([r.to_json() for r in records], indent=2))


@incident_app.command("import")
def incident_import(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="the incidents table (CSV)")
    ],
    contract: ContractId,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Import the interchange `incidents` table (CSV); any bad row stops the whole import."""
    from callpact.diagnostics import to_json_text
    from callpact.governance.incident.service import import_incidents

    with unit_of_work(database_url) as session:
        count, diagnostics = import_incidents(session, acting(session), contract, file, now=clock())
        if diagnostics:
            if fmt is OutputFormat.JSON:
                typer.echo(to_json_text(diagnostics))
            else:
                for diagnostic in diagnostics:
                    typer.echo(diagnostic.format(), err=True)
            session.rollback()
            raise typer.Exit(1)
        typer.echo(f"{file}: {count} incident(s) imported")


# -- AHT plan ---------------------------------------------------------------------------------

aht_app = typer.Typer(
    help="The AHT-reduction plan: measures and the target trajectory.", no_args_is_help=True
)


@aht_app.command("add")
def aht_add(  # noqa: PLR0917 - typer maps each option to a parameter
    measure_id: str,
    contract: ContractId,
    what: Annotated[str, typer.Option("--what")],
    owner: Annotated[
        str,
        one_of_option(
            "callpact.governance.aht_plan.service:OWNERS", "--owner", help="client, vendor or both"
        ),
    ],
    due: Annotated[date, day_option("--due", help="the day it is due")],
    expected_s: Annotated[int, typer.Option("--expected-s", help="effect on AHT, seconds")],
    database_url: DatabaseUrl = None,
) -> None:
    """Add a dated measure with an owner."""
    from callpact.governance.aht_plan.service import add_measure

    with unit_of_work(database_url) as session:
        add_measure(
            session,
            acting(session),
            contract,
            measure_id=measure_id,
            what=what,
            owner=owner,
            due_on=due,
            expected_s=expected_s,
            now=clock(),
        )
        typer.echo(f"measure {measure_id} added")


@aht_app.command("status")
def aht_status(
    measure_id: str,
    contract: ContractId,
    status: Annotated[
        str,
        one_of_option(
            "callpact.governance.aht_plan.service:STATUSES",
            "--status",
            help="planned, in_progress, done, dropped",
        ),
    ],
    completed_on: Annotated[
        date | None,
        day_option(
            "--completed-on",
            help="done earlier than today: a time claim the other party may accept",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Move a measure along (its owner's side only; not before the amendment adding it takes
    effect, nor once one withdrew it). A measure is done on the day it is recorded done."""
    from callpact.governance.aht_plan.service import update_status

    with unit_of_work(database_url) as session:
        update_status(
            session,
            acting(session),
            contract,
            measure_id,
            status=status,
            completed_on=completed_on,
            now=clock(),
        )
        typer.echo(f"measure {measure_id}: {status}")


_list_command(
    aht_app,
    "callpact.governance.aht_plan.service:list_measures",
    "AHT plan",
    "Measures with owner, due date, status and expected effect, as of --as-of; overdue ones "
    "flagged; a measure an amendment adds to the annex is not_yet_in_force before its "
    "effective date, and one an amendment removed is withdrawn from its effective date.",
    lambda v: {
        "measure": v.measure.measure_ref,
        "what": v.measure.what,
        "owner": v.measure.owner,
        "due": v.measure.due_on,
        "status": v.status,
        "expected_s": v.measure.expected_s,
        "overdue": v.overdue,
        "effective_from": v.measure.effective_from,
        "withdrawn_on": v.measure.withdrawn_on,
    },
)


def _measured_aht(annex: Path, data: Path, months: list[str]) -> dict[str, float]:
    """Each month's AHT as the annex's AHT KPI measures it (the same engine as settlement)."""
    from callpact.cli.contract import load_contract_or_exit
    from callpact.data.sources import open_source
    from callpact.kpi.engine import compute_scorecard

    contract = load_contract_or_exit(annex)
    measured: dict[str, float] = {}
    with open_source(data) as source:
        for month in months:
            card = compute_scorecard(contract.version_for_month(month), source, month)
            values = [r.value for r in card.results if r.metric == "aht" and r.value is not None]
            if values:
                measured[month] = values[0]
    return measured


def _month_seconds(text: str) -> str:
    """``YYYY-MM=seconds`` (kept as its text once both halves read)."""
    key, equals, value = text.partition("=")
    if not equals:
        raise typer.BadParameter(f"{text!r}: write YYYY-MM=seconds, e.g. 2027-01=472")
    read_month(key)
    read_number(value)
    return text


@aht_app.command("trajectory")
def aht_trajectory(  # noqa: PLR0917 - typer maps each option to a parameter
    contract: ContractId,
    actual: Annotated[
        list[str] | None,
        typer.Option(
            "--actual",
            parser=_month_seconds,
            metavar="YYYY-MM=SECONDS",
            help="a month's actual AHT, e.g. 2027-01=472 (repeatable)",
        ),
    ] = None,
    month: Annotated[list[str] | None, month_option("--month", help="also show this month")] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", exists=True, help="measure each --month's AHT here with the KPI engine"
        ),
    ] = None,
    annex: Annotated[
        Path | None,
        typer.Option(
            "--annex", exists=True, dir_okay=False, help="the annex whose AHT KPI is measured"
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """Target AHT per month against the actual AHT, given or measured from the data."""
    from callpact.governance.aht_plan.service import trajectory

    actuals: dict[str, float] = {}
    if data is not None:
        if annex is None or not month:
            raise fail("--data needs --annex and at least one --month to measure", 2)
        actuals.update(_measured_aht(annex, data, month))
    for item in actual or []:
        key, _, value = item.partition("=")
        actuals[key] = float(value)
    with unit_of_work(database_url) as session:
        points = trajectory(session, acting(session), contract, actuals, month)
    emit(
        [
            {
                "month": p.month,
                "target_s": round(float(p.target_s), 1),
                "actual_s": None if p.actual_s is None else round(p.actual_s, 1),
                "gap_s": None if p.gap_s is None else round(p.gap_s, 1),
                "on_track": p.on_track,
            }
            for p in points
        ],
        fmt,
        f"AHT trajectory of {contract}",
    )


# -- documents ---------------------------------------------------------------------------------

document_app = typer.Typer(
    help="Documents the contract requires, with due dates.", no_args_is_help=True
)


@document_app.command("submit")
def document_submit(
    document_id: str,
    contract: ContractId,
    location: Annotated[str, typer.Option("--location", help="where the document can be read")],
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Hand in a required document (its owner's side)."""
    from callpact.governance.document.service import submit_document

    with unit_of_work(database_url) as session:
        submit_document(
            session,
            acting(session),
            contract,
            document_id,
            location=location,
            now=clock(),
            claimed_at=at,
        )
        typer.echo(f"document {document_id} submitted")


@document_app.command("accept")
def document_accept(
    document_id: str,
    contract: ContractId,
    database_url: DatabaseUrl = None,
) -> None:
    """The client accepts a submitted document."""
    from callpact.governance.document.service import accept_document

    with unit_of_work(database_url) as session:
        accept_document(session, acting(session), contract, document_id, now=clock())
        typer.echo(f"document {document_id} accepted")


_list_command(
    document_app,
    "callpact.governance.document.service:list_documents",
    "required documents",
    "Required documents: owner, due date, status (submitted, submitted_late, pending, overdue).",
    lambda v: {
        "document": v.document.document_ref,
        "owner": v.document.owner,
        "due": v.document.due_on,
        "submitted_at": v.document.submitted_at,
        "accepted_at": v.document.accepted_at,
        "status": v.status,
    },
)


# -- notices -----------------------------------------------------------------------------------

notice_app = typer.Typer(
    help="Breach notices and cure decisions (grant, waive, extend).", no_args_is_help=True
)


@notice_app.command("issue")
def notice_issue(  # noqa: PLR0917 - typer maps each option to a parameter
    contract: ContractId,
    kpi: Annotated[str, typer.Option("--kpi")],
    month: Annotated[str, month_option("--month", help="the month of the breach")],
    note: Annotated[str, typer.Option("--note")] = "",
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The client notifies the vendor of a breach, now (--at: an earlier written notice, as a
    time claim the vendor may accept); the terms in force then give its default cure period."""
    from callpact.governance.notice.service import issue_notice

    with unit_of_work(database_url) as session:
        notice = issue_notice(
            session,
            acting(session),
            contract,
            kpi_id=kpi,
            month=month,
            note=note,
            now=clock(),
            claimed_at=at,
        )
        typer.echo(f"breach notice {notice.id} issued ({kpi}, {month})")


@notice_app.command("decide")
def notice_decide(  # noqa: PLR0917 - typer maps each option to a parameter
    notice_id: int,
    contract: ContractId,
    decision: Annotated[
        str,
        one_of_option(
            "callpact.contracts.cure:DECISIONS", "--decision", help="grant, waive or extend"
        ),
    ],
    days: Annotated[int | None, typer.Option("--days", min=1, help="days granted or added")] = None,
    note: Annotated[str, typer.Option("--note")] = "",
    at: At = None,
    database_url: DatabaseUrl = None,
) -> None:
    """The client's cure decision on a notice, now (--at: an earlier decision, as a time claim
    the vendor may accept); a granted cure period starts on its local date."""
    from callpact.governance.notice.service import decide_cure

    with unit_of_work(database_url) as session:
        decide_cure(
            session,
            acting(session),
            contract,
            notice_id,
            decision=decision,
            days=days,
            note=note,
            now=clock(),
            claimed_at=at,
        )
        typer.echo(f"notice {notice_id}: {decision}")


_list_command(
    notice_app,
    "callpact.governance.notice.service:list_notices",
    "breach notices",
    "Notices with their cure state and the cure period's last day.",
    lambda v: {
        "notice": v.notice.id,
        "kpi": v.notice.kpi_id,
        "month": v.notice.month,
        "issued_at": v.notice.issued_at,
        "state": v.clock.state,
        "cure_ends_on": v.clock.cure_ends_on,
        "decisions": ", ".join(d.decision for d in v.notice.decisions),
    },
)


def _termination_row(t: Any) -> dict[str, Any]:
    return {
        "ground": t.ground,
        "issued_at": t.issued_at,
        "issued_by": t.issued_by,
        "notice_days": t.notice_days,
        "effective_on": t.effective_on,
        "statement_month": t.statement_month,
        "kpis": t.kpi_ids,
        "note": t.note,
    }


@notice_app.command("terminate")
def notice_terminate(  # noqa: PLR0917 - typer maps each option to a parameter
    contract: ContractId,
    ground: Annotated[
        str,
        one_of_option(
            "callpact.governance.notice.service:GROUNDS",
            "--ground",
            help="convenience or chronic_breach (a stored statement shows it)",
        ),
    ],
    note: Annotated[str, typer.Option("--note")] = "",
    at: At = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """The client uses a termination right of the annex; it takes effect the annex's notice
    days after today (client admins)."""
    from callpact.governance.notice.service import terminate

    with unit_of_work(database_url) as session:
        notice = terminate(
            session,
            acting(session),
            contract,
            ground=ground,
            note=note,
            now=clock(),
            claimed_at=at,
        )
        if fmt is OutputFormat.JSON:
            emit([_termination_row(notice)], fmt)
        else:
            typer.echo(
                f"notice of termination ({ground.replace('_', ' ')}) given: effective "
                f"{notice.effective_on.isoformat()}, {notice.notice_days} days' notice"
            )


@notice_app.command("termination")
def notice_termination(
    contract: ContractId, database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE
) -> None:
    """The contract's notice of termination, if the client gave one."""
    from callpact.governance.notice.service import termination_of

    with unit_of_work(database_url) as session:
        found = termination_of(session, acting(session), contract)
        emit([_termination_row(found)] if found else [], fmt, f"termination of {contract}")


@notice_app.command("export")
def notice_export(
    contract: ContractId,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file; default stdout")
    ] = None,
    as_of: AsOf = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write the cure decisions file (callpact.cure-decisions/1) for settlement."""
    from callpact.governance.notice.service import export_decisions

    with unit_of_work(database_url) as session:
        data = export_decisions(session, acting(session), contract, now=instant_or_now(as_of))
    _write_export(data, output, f"{len(data['notices'])} notice(s)")


def _write_export(data: dict[str, Any], output: Path | None, summary: str) -> None:
    """An export for settlement, as JSON: to ``output`` (then say what it holds) or stdout."""
    text = json.dumps(data, indent=2) + "\n"
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{output}: {summary}")


# -- time claims --------------------------------------------------------------------------------

claim_app = typer.Typer(
    help="Time claims: a moment a party states for an action recorded later (--at, "
    "--reported-at, --completed-on). Deadlines use the recording time until the other party "
    "accepts the claim.",
    no_args_is_help=True,
)


@claim_app.command("list")
def claim_list(
    contract: ContractId,
    status: Annotated[
        str | None,
        one_of_option(
            "callpact.governance.claim.service:STATUSES",
            "--status",
            help="pending, accepted or rejected",
        ),
    ] = None,
    database_url: DatabaseUrl = None,
    fmt: Format = OutputFormat.TABLE,
) -> None:
    """The contract's time claims, oldest first."""
    from callpact.governance.claim.service import list_claims

    with unit_of_work(database_url) as session:
        claims = list_claims(session, acting(session), contract, status=status)
        emit(
            [
                {
                    "id": c.id,
                    "record": c.record_ref,
                    "field": c.field,
                    "claimed_at": c.claimed_at,
                    "recorded_at": c.recorded_at,
                    "claimed_by": c.claimed_by,
                    "status": c.status,
                    "decided_by": c.decided_by,
                }
                for c in claims
            ],
            fmt,
            f"time claims of {contract}",
        )


def _decide_claims(
    contract: str, claim_ids: list[int], note: str, database_url: str | None, *, accept: bool
) -> None:
    from callpact.governance.claim.service import decide_claim

    with unit_of_work(database_url) as session:  # all the named claims, or none
        actor = acting(session)
        for claim_id in claim_ids:
            view = decide_claim(
                session,
                actor,
                contract,
                claim_id,
                accept=accept,
                note=note,
                now=clock(),
            )
            typer.echo(f"time claim {claim_id} ({view.record_ref}): {view.status}")


ClaimIds = Annotated[list[int], typer.Argument(help="the claims' ids (callpact claim list)")]
ClaimNote = Annotated[str, typer.Option("--note", help="why")]


@claim_app.command("accept")
def claim_accept(
    claim_ids: ClaimIds,
    contract: ContractId,
    note: ClaimNote = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Accept the other party's claims: each record takes its claimed moment (admins)."""
    _decide_claims(contract, claim_ids, note, database_url, accept=True)


@claim_app.command("reject")
def claim_reject(
    claim_ids: ClaimIds,
    contract: ContractId,
    note: ClaimNote = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Reject the other party's claims: each record keeps its recording time (admins)."""
    _decide_claims(contract, claim_ids, note, database_url, accept=False)


# -- declared outages ----------------------------------------------------------------------------

outage_app = typer.Typer(
    help="Declared outages: the vendor declares them in its delivery (the outages table); "
    "they exclude contacts only once the client accepts them.",
    no_args_is_help=True,
)
OutageIds = Annotated[list[str], typer.Argument(help="the delivery's outage_id values")]


def _decide_outages(
    contract: str, outage_ids: list[str], note: str, database_url: str | None, *, accept: bool
) -> None:
    from callpact.governance.outage.service import decide_outage

    with unit_of_work(database_url) as session:  # all the named outages, or none
        actor = acting(session)
        for outage_id in outage_ids:
            view = decide_outage(
                session, actor, contract, outage_id, accept=accept, note=note, now=clock()
            )
            typer.echo(f"outage {outage_id}: {view.decision}")


@outage_app.command("accept")
def outage_accept(
    outage_ids: OutageIds,
    contract: ContractId,
    note: ClaimNote = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Accept declared outages: their contacts are excluded where the annex says so (client
    admins)."""
    _decide_outages(contract, outage_ids, note, database_url, accept=True)


@outage_app.command("reject")
def outage_reject(
    outage_ids: OutageIds,
    contract: ContractId,
    note: Annotated[str, typer.Option("--note", help="why (required)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Reject declared outages: their contacts count (client admins)."""
    _decide_outages(contract, outage_ids, note, database_url, accept=False)


@outage_app.command("list")
def outage_list(
    contract: ContractId, database_url: DatabaseUrl = None, fmt: Format = OutputFormat.TABLE
) -> None:
    """The client's decisions on declared outages."""
    from callpact.governance.outage.service import list_outage_decisions

    with unit_of_work(database_url) as session:
        decisions = list_outage_decisions(session, acting(session), contract)
        emit([d.model_dump() for d in decisions], fmt, f"outage decisions of {contract}")


@outage_app.command("export")
def outage_export(
    contract: ContractId,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="file; default stdout")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write the outage decisions file (callpact.outage-decisions/1) for settle --outages."""
    from callpact.governance.outage.service import export_outage_decisions

    with unit_of_work(database_url) as session:
        data = export_outage_decisions(session, acting(session), contract)
    _write_export(data, output, f"{len(data['accepted'])} accepted outage(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(claim_app, name="claim")
    app.add_typer(outage_app, name="outage")
    app.add_typer(staff_app, name="staff")
    app.add_typer(removal_app, name="removal")
    app.add_typer(training_app, name="training")
    app.add_typer(incident_app, name="incident")
    app.add_typer(aht_app, name="aht-plan")
    app.add_typer(document_app, name="document")
    app.add_typer(notice_app, name="notice")
