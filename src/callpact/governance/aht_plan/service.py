"""The AHT plan: measures with owners and due dates, and the trajectory against actual AHT."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.aht_plan.models import AhtMeasure
from callpact.governance.aht_plan.rules import (
    TrajectoryPoint,
    measure_overdue,
    month_index,
    month_of,
    target_for_month,
)
from callpact.governance.audit import service as audit
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
    measure: AhtMeasure
    overdue: bool


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
) -> AhtMeasure:
    """Add a dated measure with an owner and its expected effect on AHT (seconds, negative =
    faster)."""
    contract = get_contract(session, actor, contract_id, Action.PLAN_AHT_MEASURE)
    if owner not in OWNERS:
        raise GovernanceError(f"a measure's owner is {', '.join(OWNERS)}, not {owner!r}")
    if find_record(session, AhtMeasure, contract, "measure_ref", measure_id) is not None:
        raise GovernanceError(f"measure {measure_id} is already in the plan")
    measure = AhtMeasure(
        contract_pk=contract.id,
        measure_ref=measure_id,
        what=what,
        owner=owner,
        due_on=due_on,
        expected_s=expected_s,
        status="planned",
    )
    session.add(measure)
    audit.record(session, actor=actor.email, at=now, entity=measure, action="plan", before=None)
    return measure


def sync_planned_measures(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[AhtMeasure]:
    """Add the measures the annex lists that are not in the plan yet: those of every version
    (an amendment that adds a measure adds it to the plan; a later version's wording of a
    measure wins)."""
    contract = get_contract(session, actor, contract_id, Action.PLAN_AHT_MEASURE)
    listed: dict[str, PlannedMeasure] = {}
    for version in contract.schedule.versions:
        listed.update((m.measure_id, m) for m in version.terms.aht_measures)
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
                )
            )
    return added


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
    may; a measure owned by both sides may be updated by either."""
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
    before = audit.entity_state(measure)
    measure.status = status
    if status == "done":
        measure.completed_on = completed_on or local_date(now, contract.terms_at(now).time_zone)
    audit.record(session, actor=actor.email, at=now, entity=measure, action="status", before=before)
    return measure


def list_measures(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[MeasureView]:
    contract = get_contract(session, actor, contract_id)
    today = local_date(now, contract.terms_at(now).time_zone)
    measures = session.scalars(
        select(AhtMeasure)
        .where(AhtMeasure.contract_pk == contract.id)
        .order_by(AhtMeasure.due_on, AhtMeasure.measure_ref)
    )
    return [
        MeasureView(m, measure_overdue(status=m.status, due_on=m.due_on, today=today))
        for m in measures
    ]


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
