"""One month's settlement, replayed over the months before it: the heart of a statement.

Cure episodes, earn-back and chronic counts depend on earlier months, so a statement is
computed by replaying every month from the first one known (each under the contract version in
force then) up to the month being settled. Everything here is pure: results, volumes, recorded
decisions and assessed incidents are passed in.

Caps (choice, see docs/settlement.md): each KPI's own cap applies first, to its assessed credit
or bonus. Then the credits **on the statement** (charged this month, including suspended
credits falling due) may not exceed the at-risk pool, and the bonuses may not exceed the bonus
pool; when a pool cap binds, the pool is shared out **in proportion** to the exact amounts
(largest-remainder, so the rounded lines sum to the pool exactly). Earn-back returns a credit
charged earlier and is not capped. Incident liabilities are outside the at-risk pool.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from callpact.settlement.chronic import (
    ChronicCount,
    TerminationRight,
    chronic_count,
    termination_right,
)
from callpact.settlement.cure import CureDecision, CureEvent, Episode, cure_step
from callpact.settlement.incidents import IncidentAssessment
from callpact.settlement.money import ZERO, round_lines_within
from callpact.settlement.months import add_months
from callpact.settlement.rules import (
    KpiAssessment,
    KpiOutcome,
    KpiStatus,
    assess_kpi,
    fee_basis_words,
    monthly_fee,
)
from callpact.settlement.terms import SettlementTerms, Volumes


@dataclass(frozen=True, slots=True)
class MonthInput:
    """One month to settle: the version in force, the KPI results and the measured volumes.
    A KPI without a result counts as not measurable."""

    month: str
    terms: SettlementTerms
    outcomes: Mapping[str, KpiOutcome]
    volumes: Volumes = field(default_factory=Volumes)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a statement. ``amount`` is rounded once; ``kind`` is fee, credit, bonus,
    earn_back or liability (money lines) or suspended, waived, kpi (information lines, amount
    shown but not added)."""

    kind: str
    amount: Decimal
    reason: str
    kpi_id: str | None = None
    incident_id: str | None = None
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class MonthSettlement:
    month: str
    terms: SettlementTerms
    volumes: Volumes
    fee: Decimal
    at_risk_pool: Decimal
    bonus_pool: Decimal
    assessments: tuple[KpiAssessment, ...]
    lines: tuple[Line, ...]
    credits: Decimal
    bonuses: Decimal
    earn_back: Decimal
    liabilities: Decimal
    credit_pool_cap_bound: bool
    bonus_pool_cap_bound: bool
    episodes: tuple[Episode, ...]
    chronic: tuple[ChronicCount, ...]
    termination: tuple[TerminationRight, ...]
    incidents: tuple[IncidentAssessment, ...] = ()

    @property
    def net_adjustment(self) -> Decimal:
        return self.bonuses + self.earn_back - self.credits - self.liabilities

    @property
    def invoice_total(self) -> Decimal:
        return self.fee + self.net_adjustment


@dataclass(slots=True)
class _EarnBackClaim:
    kpi_id: str
    origin: str
    amount: Decimal
    needed: int
    met: int = 0


def settle_months(
    months: Sequence[MonthInput],
    *,
    decisions: Sequence[CureDecision] = (),
    incidents: Sequence[IncidentAssessment] = (),
    incidents_by_month: Mapping[str, Sequence[IncidentAssessment]] | None = None,
) -> list[MonthSettlement]:
    """Settle ``months`` (consecutive, oldest first); ``incidents`` belong to the last one,
    ``incidents_by_month`` (a backtest's) to the month named."""
    for before, after in itertools.pairwise(months):
        if add_months(before.month, 1) != after.month:
            raise ValueError(f"months must be consecutive: {before.month} then {after.month}")
    by_episode: dict[tuple[str, str], list[CureDecision]] = {}
    for decision in decisions:
        by_episode.setdefault((decision.kpi_id, decision.month), []).append(decision)

    episodes: dict[str, Episode] = {}
    claims: list[_EarnBackClaim] = []
    history: dict[str, list[KpiStatus]] = {}
    done: list[MonthSettlement] = []
    for index, month_input in enumerate(months):
        last = index == len(months) - 1
        month, terms = month_input.month, month_input.terms
        rounding = terms.rounding
        fee = rounding.apply(monthly_fee(terms.fee, month_input.volumes))
        at_risk_pool = terms.at_risk.of(fee)
        bonus_pool = terms.bonus_pool.of(fee)
        assessments: list[KpiAssessment] = []
        events: list[CureEvent] = []
        for kpi in terms.kpis:
            outcome = month_input.outcomes.get(kpi.kpi_id) or KpiOutcome(
                kpi.kpi_id, KpiStatus.NOT_MEASURABLE, None
            )
            assessment = assess_kpi(
                kpi,
                outcome,
                at_risk_pool=at_risk_pool,
                bonus_pool=bonus_pool,
                currency=terms.currency,
            )
            assessments.append(assessment)
            step = cure_step(
                episodes.get(kpi.kpi_id),
                kpi_id=kpi.kpi_id,
                month=month,
                status=assessment.status,
                credit=assessment.credit,
                under_schedule=kpi.under_schedule,
                terms=terms.cure,
                decisions=by_episode,
            )
            if step.episode is None:
                episodes.pop(kpi.kpi_id, None)
            else:
                episodes[kpi.kpi_id] = step.episode
            events.extend(step.events)
            history.setdefault(kpi.kpi_id, [])
        for kpi_id, statuses in history.items():
            found = next((a for a in assessments if a.kpi_id == kpi_id), None)
            statuses.append(found.status if found else KpiStatus.NOT_MEASURABLE)

        lines: list[Line] = [
            Line("fee", fee, fee_basis_words(terms.fee, month_input.volumes, terms.currency))
        ]
        reasons = {a.kpi_id: a.reason for a in assessments}
        charged = [e for e in events if e.kind in ("charge", "release")]
        credit_amounts, credit_bound = round_lines_within(
            [e.amount for e in charged], at_risk_pool, rounding
        )
        charged_by_kpi: dict[str, Decimal] = {}
        for event, amount in zip(charged, credit_amounts, strict=True):
            reason = event.reason
            if event.origin == month:
                reason = f"{reasons[event.kpi_id]}; {event.reason}"
            if credit_bound:
                reason += "; scaled down: the credits reached the at-risk pool cap"
            lines.append(Line("credit", amount, reason, event.kpi_id, origin=event.origin))
            charged_by_kpi[event.kpi_id] = charged_by_kpi.get(event.kpi_id, ZERO) + amount
        for event in events:
            if event.kind in ("suspend", "waive_by_cure"):
                kind = "suspended" if event.kind == "suspend" else "waived"
                amount = rounding.apply(event.amount)
                reason = event.reason
                if event.kind == "suspend":
                    reason = f"{reasons[event.kpi_id]}; {event.reason}"
                lines.append(Line(kind, amount, reason, event.kpi_id, origin=event.origin))

        earning = [a for a in assessments if a.bonus > 0]
        bonus_amounts, bonus_bound = round_lines_within(
            [a.bonus for a in earning], bonus_pool, rounding
        )
        for assessment, amount in zip(earning, bonus_amounts, strict=True):
            reason = assessment.reason
            if bonus_bound:
                reason += "; scaled down: the bonuses reached the bonus pool cap"
            lines.append(Line("bonus", amount, reason, assessment.kpi_id, origin=month))

        status_now = {a.kpi_id: a.status for a in assessments}
        still: list[_EarnBackClaim] = []
        for claim in claims:
            if status_now.get(claim.kpi_id) is KpiStatus.MET:
                claim.met += 1
                if claim.met >= claim.needed:
                    lines.append(
                        Line(
                            "earn_back",
                            claim.amount,
                            f"credit of {claim.origin} earned back: target met "
                            f"{claim.needed} months in a row since",
                            claim.kpi_id,
                            origin=claim.origin,
                        )
                    )
                    continue
                still.append(claim)
            # A miss or a month without a measurable result forfeits the earn-back.
        claims = still
        for kpi_id, amount in charged_by_kpi.items():
            kpi_terms = terms.kpi(kpi_id)
            if kpi_terms and kpi_terms.earn_back_months and amount > 0:
                claims.append(_EarnBackClaim(kpi_id, month, amount, kpi_terms.earn_back_months))

        month_incidents = tuple(incidents) if last else ()
        if incidents_by_month is not None:
            month_incidents += tuple(incidents_by_month.get(month, ()))
        for incident in month_incidents:
            lines.append(
                Line(
                    "liability" if incident.liability > 0 else "incident",
                    rounding.apply(incident.liability),
                    incident.reason,
                    incident_id=incident.incident.incident_id,
                    origin=month,
                )
            )
        for assessment in assessments:
            if assessment.credit == 0 and assessment.bonus == 0:
                lines.append(
                    Line(
                        "kpi",
                        rounding.apply(ZERO),
                        assessment.reason,
                        assessment.kpi_id,
                        origin=month,
                    )
                )

        chronic: list[ChronicCount] = []
        rights: list[TerminationRight] = []
        if terms.chronic is not None:
            start = months[0].month
            span = [add_months(start, i) for i in range(index + 1)]
            for kpi in terms.kpis:
                if not kpi.under_schedule:
                    continue
                count = chronic_count(kpi.kpi_id, span, history[kpi.kpi_id], terms.chronic)
                chronic.append(count)
                right = termination_right(count, terms.chronic)
                if right is not None:
                    rights.append(right)

        done.append(
            MonthSettlement(
                month=month,
                terms=terms,
                volumes=month_input.volumes,
                fee=fee,
                at_risk_pool=at_risk_pool,
                bonus_pool=bonus_pool,
                assessments=tuple(assessments),
                lines=tuple(lines),
                credits=rounding.apply(_total(lines, "credit")),
                bonuses=rounding.apply(_total(lines, "bonus")),
                earn_back=rounding.apply(_total(lines, "earn_back")),
                liabilities=rounding.apply(_total(lines, "liability")),
                credit_pool_cap_bound=credit_bound,
                bonus_pool_cap_bound=bonus_bound,
                episodes=tuple(sorted(episodes.values(), key=lambda e: e.kpi_id)),
                chronic=tuple(chronic),
                termination=tuple(rights),
                incidents=month_incidents,
            )
        )
    return done


def _total(lines: Sequence[Line], kind: str) -> Decimal:
    return sum((line.amount for line in lines if line.kind == kind), ZERO)


def unmatched_decisions(
    settled: Sequence[MonthSettlement], decisions: Sequence[CureDecision]
) -> list[tuple[CureDecision, str]]:
    """The notices and cure decisions, within the settled months, that match no breach, each
    with why: a decision is never dropped without a word."""
    by_month = {m.month: m for m in settled}
    opened = {(e.kpi_id, e.opened) for m in settled for e in m.episodes}
    out: list[tuple[CureDecision, str]] = []
    for decision in decisions:
        month = by_month.get(decision.month)
        if month is None or (decision.kpi_id, decision.month) in opened:
            continue  # outside the months settled, or matched
        what = f"{decision.decision} for {decision.kpi_id} {decision.month} matches no breach"
        assessment = next((a for a in month.assessments if a.kpi_id == decision.kpi_id), None)
        episode = next((e for e in month.episodes if e.kpi_id == decision.kpi_id), None)
        if assessment is None:
            why = f"the annex in force for {decision.month} has no KPI {decision.kpi_id!r}"
        elif assessment.status is not KpiStatus.MISSED:
            why = f"{decision.kpi_id} was {assessment.status.value.replace('_', ' ')}"
        elif episode is not None:
            why = (
                f"the miss of {decision.month} belongs to the breach of {episode.opened}; "
                f"record it for {decision.kpi_id} {episode.opened}"
            )
        else:
            why = f"{decision.kpi_id} is not under the cure clause"
        out.append((decision, f"{what}: {why}"))
    return out
