"""Breach notices and the client's cure decisions, exportable for settlement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.governance.aht_plan.rules import month_index
from callpact.governance.audit import service as audit
from callpact.governance.contract.service import get_contract, record_or_missing
from callpact.governance.deadlines import local_date
from callpact.governance.errors import GovernanceError
from callpact.governance.notice.models import BreachNotice, CureDecision
from callpact.governance.notice.rules import CureClock, DecisionFact, check_decision, cure_clock
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.terms import GovernanceTerms

DECISIONS_FORMAT = "callpact.cure-decisions/1"


@dataclass(frozen=True, slots=True)
class NoticeView:
    notice: BreachNotice
    clock: CureClock


def _facts(terms: GovernanceTerms, notice: BreachNotice) -> list[DecisionFact]:
    """The notice's decisions, dated in the zone of ``terms`` (those in force at its issue)."""
    return [
        DecisionFact(d.decision, d.days, local_date(d.decided_at, terms.time_zone))
        for d in notice.decisions
    ]


def issue_notice(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    kpi_id: str,
    month: str,
    note: str = "",
    now: datetime,
) -> BreachNotice:
    """The client notifies the vendor of a breach of ``kpi_id`` in ``month`` (YYYY-MM)."""
    contract = get_contract(session, actor, contract_id, Action.ISSUE_NOTICE)
    month_index(month)  # validates the month
    kpi_ids = contract.schedule.for_month(month).kpi_ids
    if kpi_ids and kpi_id not in kpi_ids:
        raise GovernanceError(
            f"no KPI {kpi_id!r} in the annex of {contract_id} for {month}; "
            f"a breach notice names one of: {', '.join(kpi_ids)}"
        )
    notice = BreachNotice(
        contract_pk=contract.id,
        kpi_id=kpi_id,
        month=month,
        issued_at=now,
        issued_by=actor.email,
        note=note,
    )
    session.add(notice)
    audit.record(session, actor=actor.email, at=now, entity=notice, action="issue", before=None)
    return notice


def decide_cure(
    session: Session,
    actor: Actor,
    contract_id: str,
    notice_id: int,
    *,
    decision: str,
    days: int | None = None,
    note: str = "",
    now: datetime,
) -> CureDecision:
    """Grant a cure period, waive it, or extend a granted one (client admins only)."""
    contract = get_contract(session, actor, contract_id, Action.DECIDE_CURE)
    missing = f"no breach notice {notice_id} on {contract_id}"
    notice = record_or_missing(session.get(BreachNotice, notice_id), contract, missing)
    # the terms in force when the breach was notified: its cure period and time zone
    terms = contract.terms_at(notice.issued_at)
    why = check_decision(_facts(terms, notice), decision, days)
    if why is not None:
        raise GovernanceError(f"notice {notice_id}: {why}")
    if decision == "grant" and days is None:
        days = terms.cure_period_days
    record = CureDecision(
        notice_id=notice.id,
        decision=decision,
        days=days,
        decided_at=now,
        decided_by=actor.email,
        note=note,
    )
    session.add(record)
    notice.decisions.append(record)
    audit.record(session, actor=actor.email, at=now, entity=record, action="decide", before=None)
    return record


def list_notices(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> list[NoticeView]:
    contract = get_contract(session, actor, contract_id)
    schedule = contract.schedule
    today = local_date(now, schedule.at(now).time_zone)
    notices = session.scalars(
        select(BreachNotice)
        .where(BreachNotice.contract_pk == contract.id)
        .order_by(BreachNotice.issued_at, BreachNotice.id)
    )
    views = []
    for n in notices:
        terms = schedule.at(n.issued_at)
        clock = cure_clock(_facts(terms, n), default_days=terms.cure_period_days, today=today)
        views.append(NoticeView(n, clock))
    return views


def export_decisions(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> dict[str, Any]:
    """Every breach notice with its cure decisions and the resulting cure clock, as JSON-ready
    data for settlement (format ``callpact.cure-decisions/1``, see docs/governance.md)."""
    views = list_notices(session, actor, contract_id, now=now)
    return {
        "format": DECISIONS_FORMAT,
        "contract_id": contract_id,
        "as_of": now.isoformat(),
        "notices": [
            {
                "notice_id": v.notice.id,
                "kpi_id": v.notice.kpi_id,
                "month": v.notice.month,
                "issued_at": v.notice.issued_at.isoformat(),
                "issued_by": v.notice.issued_by,
                "state": v.clock.state.value,
                "cure_ends_on": v.clock.cure_ends_on.isoformat() if v.clock.cure_ends_on else None,
                "decisions": [
                    {
                        "decision": d.decision,
                        "days": d.days,
                        "decided_at": d.decided_at.isoformat(),
                        "decided_by": d.decided_by,
                        "note": d.note,
                    }
                    for d in v.notice.decisions
                ],
            }
            for v in views
        ],
    }
