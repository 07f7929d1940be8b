"""Breach notices and the client's cure decisions, exportable for settlement."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callpact.contracts.cure import CureDecisionFact, check_decision
from callpact.governance.aht_plan.rules import month_index
from callpact.governance.audit import service as audit
from callpact.governance.claim.service import record_claim
from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import get_contract, record_or_missing
from callpact.governance.deadlines import local_date
from callpact.governance.errors import GovernanceError
from callpact.governance.notice.models import BreachNotice, CureDecision, TerminationNotice
from callpact.governance.notice.rules import CureClock, cure_clock
from callpact.governance.organization.permissions import Action, Actor
from callpact.governance.statement.models import StoredStatement
from callpact.governance.terms import GovernanceTerms

DECISIONS_FORMAT = "callpact.cure-decisions/1"


@dataclass(frozen=True, slots=True)
class NoticeView:
    notice: BreachNotice
    clock: CureClock


def _facts(terms: GovernanceTerms, notice: BreachNotice) -> list[CureDecisionFact]:
    """The notice's decisions, dated in the zone of ``terms`` (those in force at its issue)."""
    return [
        CureDecisionFact(d.decision, d.days, local_date(d.decided_at, terms.time_zone))
        for d in notice.decisions
    ]


def clock_of(terms: GovernanceTerms, notice: BreachNotice, today: date) -> CureClock:
    """The notice's cure clock under ``terms`` (those in force when it was issued)."""
    return cure_clock(
        notice.month,
        _facts(terms, notice),
        default_days=terms.cure_period_days,
        notice_required=terms.cure_notice_required,
        noticed_on=local_date(notice.issued_at, terms.time_zone),
        today=today,
    )


def _settled_status(session: Session, contract: GovernedContract, kpi_id: str, month: str) -> str:
    """The KPI's status on the month's newest stored statement ("" when none is stored)."""
    document = (
        session.scalars(
            select(StoredStatement.document)
            .where(StoredStatement.contract_pk == contract.id, StoredStatement.period == month)
            .order_by(StoredStatement.version.desc())
            .limit(1)
        ).first()
        or "{}"
    )
    kpi = json.loads(document).get("results", {}).get("kpis", {}).get(kpi_id) or {}
    return str(kpi.get("status", ""))


def issue_notice(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    kpi_id: str,
    month: str,
    note: str = "",
    now: datetime,
    claimed_at: datetime | None = None,
) -> BreachNotice:
    """The client notifies the vendor of a breach of ``kpi_id`` in ``month`` (YYYY-MM), dated
    ``now``; ``claimed_at`` (notified earlier in writing elsewhere) is a time claim the vendor
    may accept, which moves the cure period."""
    contract = get_contract(session, actor, contract_id, Action.ISSUE_NOTICE)
    month_index(month)  # validates the month
    kpi_ids = contract.schedule.for_month(month).kpi_ids
    if kpi_ids and kpi_id not in kpi_ids:
        raise GovernanceError(
            f"no KPI {kpi_id!r} in the annex of {contract_id} for {month}; "
            f"a breach notice names one of: {', '.join(kpi_ids)}"
        )
    status = _settled_status(session, contract, kpi_id, month)
    if status and status != "missed":
        raise GovernanceError(
            f"{kpi_id} was {status.replace('_', ' ')} in {month} on the stored statement: "
            "a breach notice names a month the KPI missed",
            field="month",
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
    ref = f"breach notice {kpi_id} {month}"
    record_claim(
        session, actor, contract, notice, field="issued_at", claimed_at=claimed_at, ref=ref, now=now
    )
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
    claimed_at: datetime | None = None,
) -> CureDecision:
    """Grant a cure period, waive it, or extend a granted one (client admins only)."""
    contract = get_contract(session, actor, contract_id, Action.DECIDE_CURE)
    missing = f"no breach notice {notice_id} on {contract_id}"
    notice = record_or_missing(session.get(BreachNotice, notice_id), contract, missing)
    # the terms in force when the breach was notified: its cure period and time zone
    terms = contract.terms_at(notice.issued_at)
    running = terms.cure_notice_required  # the notice itself opened the cure period
    why = check_decision(_facts(terms, notice), decision, days, running=running)
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
    record_claim(
        session,
        actor,
        contract,
        record,
        field="decided_at",
        claimed_at=claimed_at,
        ref=f"{decision} on breach notice {notice_id}",
        now=now,
        not_before=notice.issued_at,
    )
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
        views.append(NoticeView(n, clock_of(schedule.at(n.issued_at), n, today)))
    return views


def export_decisions(
    session: Session, actor: Actor, contract_id: str, *, now: datetime
) -> dict[str, Any]:
    """Every breach notice with its cure decisions and the resulting cure clock, as JSON-ready
    data for settlement (format ``callpact.cure-decisions/1``, see docs/governance.md)."""
    views = list_notices(session, actor, contract_id, now=now)
    schedule = get_contract(session, actor, contract_id).schedule
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
                # the contract's local day of the notice: the day its cure period opens
                "issued_on": local_date(
                    v.notice.issued_at, schedule.at(v.notice.issued_at).time_zone
                ).isoformat(),
                "issued_by": v.notice.issued_by,
                "state": v.clock.state.value,
                "cure_ends_on": v.clock.cure_ends_on.isoformat() if v.clock.cure_ends_on else None,
                "decisions": [
                    {
                        "decision": d.decision,
                        "days": d.days,
                        "decided_at": d.decided_at.isoformat(),
                        "decided_on": local_date(
                            d.decided_at, schedule.at(v.notice.issued_at).time_zone
                        ).isoformat(),
                        "decided_by": d.decided_by,
                        "note": d.note,
                    }
                    for d in v.notice.decisions
                ],
            }
            for v in views
        ],
    }


GROUNDS = ("convenience", "chronic_breach")


def _chronic_breach_shown(session: Session, contract: GovernedContract) -> tuple[str, list[str]]:
    """The newest stored statement whose chronic-breach count gives the termination right, with
    the KPIs that triggered it; ("", []) when none does."""
    documents = session.scalars(
        select(StoredStatement.document)
        .where(StoredStatement.contract_pk == contract.id)
        .order_by(StoredStatement.period.desc(), StoredStatement.version.desc())
    )
    for text in documents:
        document = json.loads(text)
        rights = (document.get("termination") or {}).get("rights") or []
        if rights:
            return str(document.get("period", "")), sorted({r["kpi_id"] for r in rights})
    return "", []


def terminate(
    session: Session,
    actor: Actor,
    contract_id: str,
    *,
    ground: str,
    note: str = "",
    now: datetime,
    claimed_at: datetime | None = None,
) -> TerminationNotice:
    """The client uses a termination right of the annex in force: for convenience, or for a
    chronic breach a stored statement shows. It takes effect the annex's notice days after the
    notice's local day; one termination per contract."""
    contract = get_contract(session, actor, contract_id, Action.TERMINATE)
    if ground not in GROUNDS:
        raise GovernanceError(
            f"a termination's ground is {' or '.join(GROUNDS)}, not {ground!r}", field="ground"
        )
    terms = contract.terms_at(now)
    if ground not in terms.termination_notice_days:
        granted = ", ".join(terms.termination_notice_days) or "none"
        raise GovernanceError(
            f"the annex of {contract_id} gives no termination right for {ground.replace('_', ' ')}"
            f" (rights it gives: {granted})",
            field="ground",
        )
    existing = session.scalars(
        select(TerminationNotice).where(TerminationNotice.contract_pk == contract.id)
    ).first()
    if existing is not None:
        raise GovernanceError(
            f"{contract_id} was already terminated ({existing.ground}, effective "
            f"{existing.effective_on})"
        )
    month, kpis = "", list[str]()
    if ground == "chronic_breach":
        month, kpis = _chronic_breach_shown(session, contract)
        if not month:
            raise GovernanceError(
                "no stored statement of "
                f"{contract_id} shows a chronic breach: settle and store the months first "
                "(callpact settle --store)",
                field="ground",
            )
    days = terms.termination_notice_days[ground]
    record = TerminationNotice(
        contract_pk=contract.id,
        ground=ground,
        statement_month=month or None,
        kpi_ids=",".join(kpis),
        issued_at=now,
        issued_by=actor.email,
        notice_days=days,
        effective_on=local_date(now, terms.time_zone) + timedelta(days=days),
        note=note,
    )
    session.add(record)
    audit.record(session, actor=actor.email, at=now, entity=record, action="terminate", before=None)
    record_claim(
        session,
        actor,
        contract,
        record,
        field="issued_at",
        claimed_at=claimed_at,
        ref=f"termination notice ({ground})",
        now=now,
    )
    return record


def termination_of(session: Session, actor: Actor, contract_id: str) -> TerminationNotice | None:
    """The contract's termination notice, if the client gave one."""
    contract = get_contract(session, actor, contract_id)
    return session.scalars(
        select(TerminationNotice).where(TerminationNotice.contract_pk == contract.id)
    ).first()
