"""Breach episodes and the cure clause, as a pure state machine over months.

A month in which a KPI under the incentive schedule is **missed** opens a breach episode (when
none is open). With a cure clause:

* ``credits_during_cure: suspended`` — the episode's first credit is suspended while the cure
  period runs. ``applied`` — it is charged at once; the cure outcome is still recorded.
* When the cure period runs is :func:`callpact.contracts.cure.cure_period`: without
  ``notice_required`` it starts the day after the breached month; with it, on the day of the
  client's breach notice. ``grant`` starts it on the decision's day, ``extend`` adds days.
  A month *within the period* is one that begins on or before the period's last day.
* ``notice_required`` and no notice recorded for the breach: there is no cure period, the credit
  is settled by the tiers in its month and the breach stands (``unnoticed``) until a met month
  closes it; a notice of a later miss while it stands opens a cure period on that breach.
  Only a notice dated within the breached month can suspend that month's credit: one dated
  later comes after the credit fell due on the month's statement, so the credit stays charged
  and the notice's cure period decides whether the breach is cured or stands.
* Met in a month within the period → **cured**: the suspended credit is waived.
* Not met by the end of the period → **uncured**: the suspended credit falls due on the
  statement of the month in which the period ends (or of the first month after it).
  Later misses in the episode are credited directly, each in its own month.
* ``waive`` (the client waives the cure period): the breach stands; the suspended credit falls
  due on the statement of the month of the waiver (the breached month at the earliest).
* A met month ends an uncured or waived episode; the next miss opens a new one.

Without a cure clause every credit is charged in its own month; episodes are still tracked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from callpact.contracts.cure import CureDecisionFact, cure_period
from callpact.settlement.months import add_months, first_day, last_day, month_of
from callpact.settlement.rules import KpiStatus
from callpact.settlement.terms import CreditsDuringCure, CureTerms

ZERO = Decimal(0)


class EpisodeState(StrEnum):
    IN_CURE = "in_cure"
    CURED = "cured"
    UNCURED = "uncured"
    WAIVED = "waived"  # the client waived the cure period: the breach stands
    NO_CURE = "no_cure"  # the contract has no cure clause
    UNNOTICED = "unnoticed"  # the clause needs a notice and the client gave none
    CLOSED = "closed"  # met again after an uncured or waived episode


@dataclass(frozen=True, slots=True)
class CureDecision:
    """What the client recorded on the breach of ``kpi_id`` in ``month``: its written breach
    notice (``decision="notice"``, ``decided_on`` the notice's local day) or a decision on the
    cure period (grant, extend, waive)."""

    kpi_id: str
    month: str
    decision: str  # notice, grant, extend, waive
    days: int | None = None
    decided_on: date | None = None

    def __post_init__(self) -> None:
        if self.decision not in ("notice", "grant", "extend", "waive"):
            raise ValueError(
                f"a cure decision is notice, grant, extend or waive, not {self.decision!r}"
            )
        if self.decision == "notice" and self.decided_on is None:
            raise ValueError("a breach notice needs its day")
        if self.decision == "extend" and (self.days is None or self.days <= 0):
            raise ValueError("an extension needs a positive number of days")


@dataclass(frozen=True, slots=True)
class Episode:
    """One breach episode of one KPI, as it stands after a month."""

    kpi_id: str
    opened: str
    state: EpisodeState
    first_credit: Decimal
    suspended: Decimal = ZERO
    cure_ends_on: date | None = None
    resolved_in: str | None = None
    waived_in: str | None = None  # month in which a waived cure's credit falls due
    decisions: tuple[CureDecision, ...] = ()

    @property
    def open(self) -> bool:
        return self.state not in (EpisodeState.CURED, EpisodeState.CLOSED)


@dataclass(frozen=True, slots=True)
class CureEvent:
    """What the cure rules did with money this month, for one KPI."""

    kpi_id: str
    kind: str  # charge, suspend, release, waive_by_cure
    amount: Decimal
    origin: str  # the month whose credit this is
    reason: str


@dataclass(frozen=True, slots=True)
class CureStep:
    episode: Episode | None
    events: tuple[CureEvent, ...] = field(default_factory=tuple)


def noticed_on(decisions: Sequence[CureDecision]) -> date | None:
    """The day of the breach's first written notice, or None when it was never noticed."""
    return min(
        (d.decided_on for d in decisions if d.decision == "notice" and d.decided_on), default=None
    )


def cure_ends_on(
    opened: str, terms: CureTerms, decisions: Sequence[CureDecision]
) -> tuple[date | None, date | None]:
    """The last day of the cure period for the breach of ``opened`` (None: no period runs, the
    breach was never noticed), and the waiver's date (None when not waived)."""
    facts = [
        CureDecisionFact(d.decision, d.days, d.decided_on or _default_day(opened, d))
        for d in decisions
        if d.decision != "notice"
    ]
    period = cure_period(
        opened,
        period_days=terms.period_days,
        notice_required=terms.notice_required,
        noticed_on=noticed_on(decisions),
        decisions=facts,
    )
    return period.ends_on, period.waived_on


def _default_day(opened: str, decision: CureDecision) -> date:
    # A plain decisions list may leave the day out: a grant then starts the day after the
    # breached month, a waiver counts from the breached month.
    return first_day(add_months(opened, 1)) if decision.decision != "waive" else first_day(opened)


def _reason_release(episode: Episode, ends: date) -> str:
    return (
        f"credit of {episode.opened} suspended during the cure period falls due: "
        f"not cured by {ends.isoformat()}"
    )


def cure_step(
    episode: Episode | None,
    *,
    kpi_id: str,
    month: str,
    status: KpiStatus,
    credit: Decimal,
    under_schedule: bool,
    terms: CureTerms | None,
    decisions: Mapping[tuple[str, str], Sequence[CureDecision]],
) -> CureStep:
    """Advance one KPI's episode by one month; say which credits are charged or suspended."""
    events: list[CureEvent] = []

    def charge(amount: Decimal, origin: str, reason: str, kind: str = "charge") -> None:
        if amount > 0:
            events.append(CureEvent(kpi_id, kind, amount, origin, reason))

    if episode is not None and not episode.open:
        episode = None
    own = tuple(decisions.get((kpi_id, month), ()))
    if (
        episode is not None
        and episode.state is EpisodeState.UNNOTICED
        and status is KpiStatus.MISSED
        and any(d.decision in ("notice", "grant") for d in own)
    ):
        episode = None  # the client noticed this later miss: its breach gets the cure period

    if (
        episode is not None
        and episode.state is EpisodeState.WAIVED
        and episode.suspended > 0
        and episode.waived_in is not None
        and month >= episode.waived_in
    ):
        charge(
            episode.suspended,
            episode.opened,
            f"credit of {episode.opened}: the client waived the cure period",
            "release",
        )
        episode = replace(episode, suspended=ZERO)

    if episode is not None and episode.state is EpisodeState.IN_CURE and terms is not None:
        ends = episode.cure_ends_on or first_day(month)
        if first_day(month) > ends:
            # The period ran out before this month began: the breach stands.
            charge(episode.suspended, episode.opened, _reason_release(episode, ends), "release")
            episode = replace(
                episode, state=EpisodeState.UNCURED, suspended=ZERO, resolved_in=month
            )
        elif status is KpiStatus.MET:
            if episode.suspended > 0:
                events.append(
                    CureEvent(
                        kpi_id,
                        "waive_by_cure",
                        episode.suspended,
                        episode.opened,
                        f"credit of {episode.opened} waived: cured in {month}, within the cure "
                        f"period ending {ends.isoformat()}",
                    )
                )
            return CureStep(
                replace(episode, state=EpisodeState.CURED, suspended=ZERO, resolved_in=month),
                tuple(events),
            )
        else:
            if status is KpiStatus.MISSED:
                charge(credit, month, "missed again during the cure period: credited directly")
            if first_day(add_months(month, 1)) > ends:
                charge(episode.suspended, episode.opened, _reason_release(episode, ends), "release")
                episode = replace(
                    episode, state=EpisodeState.UNCURED, suspended=ZERO, resolved_in=month
                )
            return CureStep(episode, tuple(events))

    if episode is not None:  # uncured, waived, unnoticed or without a cure clause
        if status is KpiStatus.MET and episode.suspended == 0:
            return CureStep(
                replace(
                    episode, state=EpisodeState.CLOSED, resolved_in=episode.resolved_in or month
                ),
                tuple(events),
            )
        if status is KpiStatus.MISSED:
            charge(credit, month, "missed again while the breach stands")
        return CureStep(episode, tuple(events))

    if status is not KpiStatus.MISSED:
        return CureStep(None, tuple(events))
    if not under_schedule:
        charge(credit, month, "not under a cure clause")
        return CureStep(None, tuple(events))
    if terms is None:
        charge(credit, month, "no cure clause")
        return CureStep(
            Episode(kpi_id, month, EpisodeState.NO_CURE, credit, decisions=own), tuple(events)
        )
    period_ends, waived_on = cure_ends_on(month, terms, own)
    if period_ends is None and waived_on is None:
        charge(credit, month, "no breach notice recorded: settled by the tiers")
        return CureStep(
            Episode(kpi_id, month, EpisodeState.UNNOTICED, credit, decisions=own), tuple(events)
        )
    if waived_on is not None:
        due_in = max(month, month_of(waived_on))
        opened = Episode(
            kpi_id, month, EpisodeState.WAIVED, credit, suspended=credit,
            cure_ends_on=None, resolved_in=month, waived_in=due_in, decisions=own,
        )  # fmt: skip
        if due_in == month:
            charge(credit, month, "the client waived the cure period")
            opened = replace(opened, suspended=ZERO)
        else:
            events.append(CureEvent(kpi_id, "suspend", credit, month, "suspended until the waiver"))
        return CureStep(opened, tuple(events))
    assert period_ends is not None  # a period runs unless unnoticed or waived
    ends = period_ends
    notice = noticed_on(own)
    if terms.notice_required and notice is not None and notice > last_day(month):
        charge(
            credit,
            month,
            f"due before the breach notice of {notice.isoformat()}; its cure period runs "
            f"until {ends.isoformat()}",
        )
        return CureStep(
            Episode(kpi_id, month, EpisodeState.IN_CURE, credit, ZERO, ends, decisions=own),
            tuple(events),
        )
    if terms.credits_during_cure is CreditsDuringCure.APPLIED:
        charge(credit, month, f"cure period until {ends.isoformat()}, credit applied meanwhile")
        return CureStep(
            Episode(kpi_id, month, EpisodeState.IN_CURE, credit, ZERO, ends, decisions=own),
            tuple(events),
        )
    if credit > 0:
        events.append(
            CureEvent(
                kpi_id,
                "suspend",
                credit,
                month,
                f"suspended during the cure period until {ends.isoformat()}",
            )
        )
    return CureStep(
        Episode(kpi_id, month, EpisodeState.IN_CURE, credit, credit, ends, decisions=own),
        tuple(events),
    )
