"""Breach episodes and the cure clause, as a pure state machine over months.

A month in which a KPI under the incentive schedule is **missed** opens a breach episode (when
none is open). With a cure clause:

* ``credits_during_cure: suspended`` — the episode's first credit is suspended while the cure
  period runs. ``applied`` — it is charged at once; the cure outcome is still recorded.
* The cure period starts the day after the breached month (or on the day the client grants it,
  when a ``grant`` decision is recorded) and lasts ``period_days``; ``extend`` adds days.
  A month *within the period* is one that begins on or before the period's last day.
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
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from callpact.settlement.months import add_months, first_day, month_of
from callpact.settlement.rules import KpiStatus
from callpact.settlement.terms import CreditsDuringCure, CureTerms

ZERO = Decimal(0)


class EpisodeState(StrEnum):
    IN_CURE = "in_cure"
    CURED = "cured"
    UNCURED = "uncured"
    WAIVED = "waived"  # the client waived the cure period: the breach stands
    NO_CURE = "no_cure"  # the contract has no cure clause
    CLOSED = "closed"  # met again after an uncured or waived episode


@dataclass(frozen=True, slots=True)
class CureDecision:
    """A client's recorded decision on the breach episode of ``kpi_id`` opened in ``month``."""

    kpi_id: str
    month: str
    decision: str  # grant, extend, waive
    days: int | None = None
    decided_on: date | None = None

    def __post_init__(self) -> None:
        if self.decision not in ("grant", "extend", "waive"):
            raise ValueError(f"a cure decision is grant, extend or waive, not {self.decision!r}")
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


def cure_ends_on(
    opened: str, terms: CureTerms, decisions: Sequence[CureDecision]
) -> tuple[date, date | None]:
    """The last day of the cure period for an episode opened in ``opened``, and the waiver's
    date (None when not waived)."""
    ends = first_day(add_months(opened, 1)) + timedelta(days=terms.period_days - 1)
    waived: date | None = None
    for decision in sorted(decisions, key=lambda d: d.decided_on or date.min):
        if decision.decision == "grant":
            days = decision.days if decision.days is not None else terms.period_days
            start = decision.decided_on or first_day(add_months(opened, 1))
            ends = start + timedelta(days=days - 1)
        elif decision.decision == "extend":
            ends += timedelta(days=decision.days or 0)
        else:
            waived = decision.decided_on or first_day(opened)
    return ends, waived


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

    if episode is not None:  # uncured, waived or without a cure clause
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
    own = tuple(decisions.get((kpi_id, month), ()))
    if terms is None:
        charge(credit, month, "no cure clause")
        return CureStep(
            Episode(kpi_id, month, EpisodeState.NO_CURE, credit, decisions=own), tuple(events)
        )
    ends, waived_on = cure_ends_on(month, terms, own)
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
