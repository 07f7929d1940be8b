"""The AHT plan: measures with owners and due dates, and the trajectory against actual AHT."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.aht_plan.models import AhtMeasure
from callpact.governance.aht_plan.rules import (
    TrajectoryPoint,
    addition_date,
    measure_overdue,
    month_index,
    month_of,
    status_on,
    target_for_month,
    withdrawal_date,
)
from callpact.governance.audit import service as audit
from callpact.governance.claim.service import record_claim
from callpact.governance.contract.service import find_record, get_contract, record_or_missing
from callpact.governance.deadlines import local_date
from callpact.governance.errors import GovernanceError
from callpact.governance.organization.models import OrganizationKind
from callpact.governance.organization.permissions import Action, Actor, require_side
from callpact.governance.terms import PlannedMeasure

OWNERS = ("client", "vendor", "both")
STATUSES = ("planned", "in_progress", "done", "dropped")


@dataclass(frozen=True, slots=True)
class MeasureView:
    """A measure as it stood on the day the plan is read: its status then
    (``not_yet_in_force`` before the effective date of the amendment that added it,
    ``withdrawn`` from the effective date of the amendment that removed it) and whether it was
    overdue."""

    measure: AhtMeasure
    status: str
    overdue: bool


def _withdrawn_by(measure: AhtMeasure) -> str:
    return (
        "was withdrawn from the AHT plan by the amendment effective "
        f"{measure.withdrawn_on}, which no longer lists it"
    )


def _added_by(measure: AhtMeasure) -> str:
    return (
        f"takes effect on {measure.effective_from}, with the amendment effective "
        f"{measure.effective_from} that adds it to the annex"
    )


def add_measure(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    measure_id: str,
    what: str,
    owner: str,
    due_on: date,
    expected_s: int,
    now: datetime,
    effective_from: date | None = None,
) -> AhtMeasure:
    """Add a dated measure with an owner and its expected effect on AHT (seconds, negative =
    faster). ``effective_from`` is for a measure an amendment adds to the annex (see
    :func:`sync_planned_measures`); one added by hand is in the plan at once."""
    contract = get_contract(session, actor, contract_id, Action.PLAN_AHT_MEASURE)
    if owner not in OWNERS:
        raise GovernanceError(f"a measure's owner is {', '.join(OWNERS)}, not {owner!r}")
    existing = find_record(session, AhtMeasure, contract, "measure_ref", measure_id)
    if existing is not None:
        raise GovernanceError(
            f"measure {measure_id} {_withdrawn_by(existing)}"
            if existing.withdrawn_on is not None
            else f"measure {measure_id} is already in the plan"
        )
    measure = AhtMeasure(
        contract_pk=contract.id,
        measure_ref=measure_id,
        what=what,
        owner=owner,
        due_on=due_on,
        expected_s=expected_s,
        status="planned",
        effective_from=effective_from,
    )
    session.add(measure)
    audit.record(session, actor=actor.email, at=now, entity=measure, action="plan", before=None)
    return measure


@dataclass(frozen=True, slots=True)
class PlanSync:
    """What registering the annex changed in the plan."""

    added: list[AhtMeasure]
    withdrawn: list[AhtMeasure]
    reinstated: list[AhtMeasure]
    # Measures already in the plan whose first listing moved (a corrected file): their
    # ``effective_from`` changed.
    rescheduled: list[AhtMeasure] = field(default_factory=list)


def sync_planned_measures(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> PlanSync:
    """Bring the plan in line with every version of the annex.

    Adds the measures any version lists that are not in the plan yet (an amendment that adds a
    measure adds it, in force from the amendment's effective date: see
    :func:`~callpact.governance.aht_plan.rules.addition_date`; a later version's wording of a
    measure wins), and moves that date when a corrected file moves the first listing; an
    addition a corrected file drops altogether is withdrawn from the day it was to take
    effect, so it never does. Withdraws, from the
    amendment's effective date, a measure the newest versions no longer list (see
    :func:`~callpact.governance.aht_plan.rules.withdrawal_date`), and reinstates one a later
    version lists again. A measure no version lists was added by hand and is left alone. Each
    change is audited; running it again with the same versions changes nothing."""
    contract = get_contract(session, actor, contract_id, Action.PLAN_AHT_MEASURE)
    listed: dict[str, PlannedMeasure] = {}
    listings: list[tuple[date, frozenset[str]]] = []
    for version in contract.schedule.versions:
        listed.update((m.measure_id, m) for m in version.terms.aht_measures)
        listings.append(
            (version.effective_from, frozenset(m.measure_id for m in version.terms.aht_measures))
        )
    added = []
    for planned in listed.values():
        if find_record(session, AhtMeasure, contract, "measure_ref", planned.measure_id) is None:
            added.append(
                add_measure(
                    session,
                    actor,
                    contract_id,
                    measure_id=planned.measure_id,
                    what=planned.what,
                    owner=planned.owner,
                    due_on=planned.due,
                    expected_s=planned.expected_s,
                    now=now,
                    effective_from=addition_date(listings, planned.measure_id),
                )
            )
    withdrawn: list[AhtMeasure] = []
    reinstated: list[AhtMeasure] = []
    rescheduled: list[AhtMeasure] = []
    for measure in session.scalars(
        select(AhtMeasure)
        .where(AhtMeasure.contract_pk == contract.id)
        .order_by(AhtMeasure.measure_ref)
    ):
        if measure.measure_ref in listed:
            effective_from = addition_date(listings, measure.measure_ref)
            withdrawn_on = withdrawal_date(listings, measure.measure_ref)
        elif measure.effective_from is not None:
            # an addition the corrected file no longer makes: it never takes effect
            effective_from = withdrawn_on = measure.effective_from
        else:
            continue  # added by hand: the parties' own, whatever the annex says
        if effective_from != measure.effective_from:
            before = audit.entity_state(measure)
            measure.effective_from = effective_from
            rescheduled.append(measure)
            audit.record(
                session,
                actor=actor.email,
                at=now,
                entity=measure,
                action="reschedule",
                before=before,
            )
        if withdrawn_on == measure.withdrawn_on:
            continue
        before = audit.entity_state(measure)
        measure.withdrawn_on = withdrawn_on
        action = "reinstate" if withdrawn_on is None else "withdraw"
        (reinstated if withdrawn_on is None else withdrawn).append(measure)
        audit.record(
            session, actor=actor.email, at=now, entity=measure, action=action, before=before
        )
    return PlanSync(added, withdrawn, reinstated, rescheduled)


def update_status(
    session: Session,
    actor: Actor,
    contract_id: str,
    measure_id: str,
    *,
    status: str,
    completed_on: date | None = None,
    now: datetime,
) -> AhtMeasure:
    """Move a measure along (planned → in_progress → done, or dropped). Only the owner's side
    may; a measure owned by both sides may be updated by either. A measure an amendment adds
    cannot be moved before the amendment's effective date, and one an amendment has withdrawn
    can no longer be moved from the amendment's effective date."""
    contract = get_contract(session, actor, contract_id, Action.UPDATE_AHT_MEASURE)
    measure = record_or_missing(
        find_record(session, AhtMeasure, contract, "measure_ref", measure_id),
        contract,
        f"no measure {measure_id} in the AHT plan of {contract_id}",
    )
    owners = (
        {OrganizationKind.CLIENT, OrganizationKind.VENDOR}
        if measure.owner == "both"
        else {OrganizationKind(measure.owner)}
    )
    require_side(
        actor,
        contract,
        Action.UPDATE_AHT_MEASURE,
        owners,
        f"measure {measure_id} is owned by the {measure.owner}",
    )
    if status not in STATUSES:
        raise GovernanceError(f"a measure's status is {', '.join(STATUSES)}, not {status!r}")
    today = local_date(now, contract.terms_at(now).time_zone)
    if measure.effective_from is not None and today < measure.effective_from:
        raise GovernanceError(f"measure {measure_id} {_added_by(measure)}")
    if measure.withdrawn_on is not None and today >= measure.withdrawn_on:
        raise GovernanceError(f"measure {measure_id} {_withdrawn_by(measure)}")
    if status == "done" and completed_on is not None and completed_on > today:
        raise GovernanceError(
            f"completed_on {completed_on} is after today ({today})",
            code="claim.in_future",
            field="completed_on",
        )
    before = audit.entity_state(measure)
    measure.status = status
    if status == "done":
        # done today, as recorded; an earlier completed_on is a claim the other side may accept
        measure.completed_on = today
    audit.record(session, actor=actor.email, at=now, entity=measure, action="status", before=before)
    if status == "done" and completed_on is not None and completed_on != today:
        record_claim(
            session,
            actor,
            contract,
            measure,
            field="completed_on",
            claimed_at=datetime.combine(completed_on, time(), tzinfo=UTC),
            ref=f"completion of {measure_id}",
            now=now,
        )
    return measure


def list_measures(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[MeasureView]:
    """The plan's measures as they stood at ``now`` (a past instant gives the plan as it was
    then: a measure withdrawn later is still open, and overdue if it was; one an amendment adds
    later is ``not_yet_in_force``, never overdue)."""
    contract = get_contract(session, actor, contract_id)
    today = local_date(now, contract.terms_at(now).time_zone)
    measures = session.scalars(
        select(AhtMeasure)
        .where(AhtMeasure.contract_pk == contract.id)
        .order_by(AhtMeasure.due_on, AhtMeasure.measure_ref)
    )
    views = []
    for measure in measures:
        status = status_on(
            status=measure.status,
            withdrawn_on=measure.withdrawn_on,
            day=today,
            effective_from=measure.effective_from,
        )
        views.append(
            MeasureView(
                measure, status, measure_overdue(status=status, due_on=measure.due_on, today=today)
            )
        )
    return views


def trajectory(
    session: Session,
    actor: Actor,
    contract_id: str,
    actuals: Mapping[str, float],
    months: list[str] | None = None,
) -> list[TrajectoryPoint]:
    """Target AHT against the actual monthly AHT given (e.g. from the KPI engine); each month's
    target from the plan of the terms governing that month (in force on its first day)."""
    contract = get_contract(session, actor, contract_id)
    schedule = contract.schedule
    chosen = sorted(set(months or []) | set(actuals), key=month_index)
    points: list[TrajectoryPoint] = []
    start_month = month_of(schedule.first.start)
    for month in chosen:
        terms = schedule.for_month(month)
        if terms.aht_baseline_s is None:
            raise GovernanceError(f"contract {contract_id} has no AHT plan baseline in {month}")
        target = target_for_month(
            month,
            start_month=start_month,
            baseline_s=terms.aht_baseline_s,
            trajectory=terms.aht_trajectory,
        )
        points.append(TrajectoryPoint(month, target, actuals.get(month)))
    if not chosen and schedule.first.aht_baseline_s is None:
        raise GovernanceError(f"contract {contract_id} has no AHT plan baseline")
    return points
