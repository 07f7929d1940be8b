"""What settlement needs from a contract version, as small frozen values.

The settlement rules read only these types, never the annex model itself: the adapter in
:mod:`callpact.settlement.from_contract` fills them from the contract version in force for a
month. That keeps the rules pure and lets tests state a contract term in one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from callpact.settlement.money import Rounding


class Comparison(StrEnum):
    """How a tier's threshold is compared with the KPI value."""

    BELOW = "below"  # value < threshold
    AT_MOST = "at_most"  # value ≤ threshold
    ABOVE = "above"  # value > threshold
    AT_LEAST = "at_least"  # value ≥ threshold

    @property
    def downward(self) -> bool:
        """True when the condition holds for small values (deeper = lower threshold)."""
        return self in (Comparison.BELOW, Comparison.AT_MOST)

    def holds(self, value: Decimal, threshold: Decimal) -> bool:
        if self is Comparison.BELOW:
            return value < threshold
        if self is Comparison.AT_MOST:
            return value <= threshold
        if self is Comparison.ABOVE:
            return value > threshold
        return value >= threshold

    @property
    def words(self) -> str:
        return {"below": "below", "at_most": "at most", "above": "above", "at_least": "at least"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class Tier:
    """One step of a penalty (service credit) or reward (bonus) schedule.

    The tier applies when ``value <comparison> threshold``. It pays ``share`` of the pool (times
    the KPI's weight) or a fixed ``amount``. A **linear** tier also names ``end`` and
    ``share_end``: from ``share`` at the threshold the share moves in a straight line to
    ``share_end`` at ``end`` and stays there beyond it.
    """

    comparison: Comparison
    threshold: Decimal
    share: Decimal | None = None
    amount: Decimal | None = None
    end: Decimal | None = None
    share_end: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.share is None) == (self.amount is None):
            raise ValueError("a tier pays either a share of the pool or a fixed amount")
        if (self.end is None) != (self.share_end is None):
            raise ValueError("a linear tier needs both end and share_end")
        if self.end is not None and self.share is None:
            raise ValueError("a linear tier pays a share of the pool")
        if self.end is not None and self.end == self.threshold:
            raise ValueError("a linear tier's end must differ from its threshold")

    @property
    def linear(self) -> bool:
        return self.end is not None

    def holds(self, value: Decimal) -> bool:
        return self.comparison.holds(value, self.threshold)

    def share_at(self, value: Decimal) -> Decimal | None:
        """The share of the pool this tier pays at ``value`` (None for a fixed amount)."""
        if self.share is None:
            return None
        if self.end is None or self.share_end is None:
            return self.share
        span = abs(self.end - self.threshold)
        distance = min(abs(value - self.threshold), span)
        return self.share + (self.share_end - self.share) * distance / span


@dataclass(frozen=True, slots=True)
class Cap:
    """A ceiling on one KPI's credit or bonus: a share of the pool or an amount."""

    share: Decimal | None = None
    amount: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.share is None) == (self.amount is None):
            raise ValueError("a cap is either a share of the pool or an amount")

    def limit(self, pool: Decimal) -> Decimal:
        return self.amount if self.amount is not None else pool * (self.share or Decimal(0))


@dataclass(frozen=True, slots=True)
class KpiTerms:
    """One KPI's place in the incentive schedule."""

    kpi_id: str
    label: str
    target_comparison: Comparison  # how "met" reads: at_least 0.80, at_most 0.05
    target: Decimal
    penalties: tuple[Tier, ...] = ()
    rewards: tuple[Tier, ...] = ()
    weight: Decimal = Decimal(1)
    credit_cap: Cap | None = None
    bonus_cap: Cap | None = None
    earn_back_months: int | None = None
    unit: str = "ratio"  # ratio (shown as a fraction) or seconds
    min_sample: int = 0

    def __post_init__(self) -> None:
        for name, tiers in (("penalty", self.penalties), ("reward", self.rewards)):
            if len({t.comparison.downward for t in tiers}) > 1:
                raise ValueError(f"{self.kpi_id}: {name} tiers mix upward and downward thresholds")
        if self.weight < 0:
            raise ValueError(f"{self.kpi_id}: a KPI weight must not be negative")
        if self.earn_back_months is not None and self.earn_back_months < 1:
            raise ValueError(f"{self.kpi_id}: earn-back needs at least one month")

    def status_of(self, value: Decimal | None, sample: int) -> str:
        """met, missed or not_measurable for a value (used when resampling history)."""
        if value is None or sample < self.min_sample:
            return "not_measurable"
        return "met" if self.target_comparison.holds(value, self.target) else "missed"

    @property
    def under_schedule(self) -> bool:
        """A KPI with service-credit tiers: its misses open breach episodes and count as chronic."""
        return bool(self.penalties)


class FeeModelKind(StrEnum):
    FIXED_MONTHLY = "fixed_monthly"
    PER_CONTACT = "per_contact"
    PER_MINUTE = "per_minute"
    PER_PRODUCTIVE_HOUR = "per_productive_hour"


@dataclass(frozen=True, slots=True)
class FeeModel:
    """How the vendor is paid: a fixed monthly ``amount``, or ``amount`` per unit of volume."""

    kind: FeeModelKind
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Volumes:
    """What the vendor delivered in the month, measured from the data (for per-unit fees)."""

    handled_contacts: int = 0
    handle_seconds: Decimal = Decimal(0)
    productive_seconds: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Pool:
    """The at-risk or bonus pool: a share of the month's fee, or a fixed amount."""

    share_of_fee: Decimal | None = None
    amount: Decimal | None = None

    def of(self, fee: Decimal) -> Decimal:
        if self.amount is not None:
            return self.amount
        return fee * (self.share_of_fee or Decimal(0))


class CreditsDuringCure(StrEnum):
    SUSPENDED = "suspended"
    APPLIED = "applied"


@dataclass(frozen=True, slots=True)
class CureTerms:
    """The cure clause: a breach first gets ``period_days`` to be remedied."""

    period_days: int
    credits_during_cure: CreditsDuringCure = CreditsDuringCure.SUSPENDED
    notice_required: bool = False


@dataclass(frozen=True, slots=True)
class ChronicRule:
    """Chronic breach: ``consecutive_months`` missed in a row, or ``in_window[0]`` missed months
    within any ``in_window[1]`` consecutive months, gives a termination right with notice."""

    consecutive_months: int | None = None
    in_window: tuple[int, int] | None = None
    notice_days: int = 30


@dataclass(frozen=True, slots=True)
class IncidentTerms:
    """The incident protocol: notification deadline per severity (``1h``, ``2 business_days``)
    and the liability per late report and per case never reported."""

    deadlines: Mapping[str, str]
    liability_per_late_report: Decimal = Decimal(0)
    liability_per_unreported_case: Decimal = Decimal(0)
    #: the contract version these come from (its effective date), named on a statement line
    #: when an incident is judged on a version other than the month's
    version: str = ""


@dataclass(frozen=True, slots=True)
class SettlementTerms:
    """Everything one month's settlement reads from the contract version in force."""

    contract_id: str
    version: str  # the version's effective date or label
    currency: str
    time_zone: str
    fee: FeeModel
    at_risk: Pool
    bonus_pool: Pool
    kpis: tuple[KpiTerms, ...]
    rounding: Rounding = field(default_factory=Rounding)
    cure: CureTerms | None = None
    chronic: ChronicRule | None = None
    incidents: IncidentTerms | None = None
    holidays: frozenset[date] = frozenset()
    # what the statement's page 1 cites from the annex
    client: str = ""
    vendor: str = ""
    payment_term_days: int | None = None
    dispute_window_days: int | None = None

    def kpi(self, kpi_id: str) -> KpiTerms | None:
        return next((k for k in self.kpis if k.kpi_id == kpi_id), None)
