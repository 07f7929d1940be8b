"""The incentive schedule of one month, as pure functions: tiers, credits, bonuses, the fee.

* **Tier reached**: among a schedule's tiers whose condition holds, the *deepest* one — the
  lowest threshold for ``below``/``at_most`` tiers, the highest for ``above``/``at_least``.
  Tiers do not add up: reaching tier 2 pays tier 2's share, not tier 1's plus tier 2's.
* **Service credit** = tier share × at-risk pool × KPI weight (or the tier's fixed amount),
  then the KPI's own cap. **Bonus** likewise from the bonus pool.
* A **not measurable** KPI (sample below the minimum) neither credits nor earns.
* A missed KPI's credit is only *assessed* here; whether it falls due this month is for the
  cure rules (:mod:`callpact.settlement.cure`), and the pool caps apply on the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from callpact.settlement.terms import FeeModel, FeeModelKind, KpiTerms, Tier, Volumes

ZERO = Decimal(0)


class KpiStatus(StrEnum):
    MET = "met"
    MISSED = "missed"
    NOT_MEASURABLE = "not_measurable"


@dataclass(frozen=True, slots=True)
class KpiOutcome:
    """One KPI's measured result for a month, as the KPI engine gives it."""

    kpi_id: str
    status: KpiStatus
    value: Decimal | None
    sample: int = 0
    ci: tuple[Decimal, Decimal] | None = None
    excluded: int = 0
    # why the data was not there ("no surveys delivered for 2027-04"); empty when it was
    undelivered: str = ""


@dataclass(frozen=True, slots=True)
class TierHit:
    """The tier a value reached: its 1-based position in the schedule (sorted shallow → deep)
    and the share of the pool (or fixed amount) it pays at that value."""

    position: int
    tier: Tier
    share: Decimal | None
    amount: Decimal | None


def ordered_tiers(tiers: Sequence[Tier]) -> list[Tier]:
    """Tiers from the shallowest to the deepest."""
    if not tiers:
        return []
    downward = tiers[0].comparison.downward
    return sorted(tiers, key=lambda t: t.threshold, reverse=downward)


def tier_reached(tiers: Sequence[Tier], value: Decimal) -> TierHit | None:
    """The deepest tier whose condition holds at ``value``, or None."""
    hit: TierHit | None = None
    for position, tier in enumerate(ordered_tiers(tiers), start=1):
        if tier.holds(value):
            hit = TierHit(position, tier, tier.share_at(value), tier.amount)
    return hit


def deepest_tier(tiers: Sequence[Tier]) -> TierHit | None:
    """The deepest tier at its full share (a linear tier's ``share_end``), or None."""
    ordered = ordered_tiers(tiers)
    if not ordered:
        return None
    tier = ordered[-1]
    return TierHit(len(ordered), tier, tier.share_end or tier.share, tier.amount)


def tier_payout(hit: TierHit, pool: Decimal, weight: Decimal) -> Decimal:
    """What a tier pays: share × pool × weight, or its fixed amount (exact, not rounded)."""
    if hit.amount is not None:
        return hit.amount
    return (hit.share or ZERO) * pool * weight


@dataclass(frozen=True, slots=True)
class KpiAssessment:
    """One KPI in one month: its result, the tiers reached and the exact (unrounded) credit and
    bonus the schedule assesses after the KPI's own cap."""

    kpi_id: str
    status: KpiStatus
    value: Decimal | None
    target: Decimal
    sample: int
    penalty: TierHit | None
    reward: TierHit | None
    credit: Decimal
    bonus: Decimal
    credit_capped: bool
    bonus_capped: bool
    reason: str


def reading(value: Decimal, unit: str) -> str:
    """A KPI value as people read it: 4 decimals for a ratio, seconds to 0.1, half up (the
    tiers are decided on every digit; this is only how the value is shown)."""
    places = Decimal("0.1") if unit == "seconds" else Decimal("0.0001")
    return str(value.quantize(places, rounding=ROUND_HALF_UP))


def format_value(value: Decimal, unit: str) -> str:
    shown = reading(value, unit)
    return f"{shown} s" if unit == "seconds" else shown


def format_share(share: Decimal) -> str:
    percent = (share * 100).normalize()
    return f"{format(percent, 'f')} %"


def _payout_words(hit: TierHit, pool_name: str, currency: str) -> str:
    if hit.amount is not None:
        return f"tier {hit.position}: {currency} {hit.amount} fixed"
    share = format_share(hit.share or ZERO)
    kind = "linear, " if hit.tier.linear else ""
    return f"tier {hit.position}: {kind}{share} of the {pool_name}"


def assess_kpi(
    terms: KpiTerms,
    outcome: KpiOutcome,
    *,
    at_risk_pool: Decimal,
    bonus_pool: Decimal,
    currency: str = "",
) -> KpiAssessment:
    """Apply one KPI's tiers and caps to its result for the month."""
    value = outcome.value
    target_words = f"{terms.target_comparison.words} {format_value(terms.target, terms.unit)}"
    if outcome.undelivered:
        return _undelivered(terms, outcome, at_risk_pool=at_risk_pool, currency=currency)
    if outcome.status is KpiStatus.NOT_MEASURABLE or value is None:
        reason = f"{terms.label} not measurable (sample {outcome.sample}): no credit and no bonus"
        return KpiAssessment(
            terms.kpi_id, KpiStatus.NOT_MEASURABLE, value, terms.target, outcome.sample,
            None, None, ZERO, ZERO, False, False, reason,
        )  # fmt: skip
    shown = format_value(value, terms.unit)
    penalty = tier_reached(terms.penalties, value)
    reward = tier_reached(terms.rewards, value)
    credit = tier_payout(penalty, at_risk_pool, terms.weight) if penalty else ZERO
    bonus = tier_payout(reward, bonus_pool, terms.weight) if reward else ZERO
    credit_capped = bonus_capped = False
    if terms.credit_cap is not None and credit > (cap := terms.credit_cap.limit(at_risk_pool)):
        credit, credit_capped = cap, True
    if terms.bonus_cap is not None and bonus > (cap := terms.bonus_cap.limit(bonus_pool)):
        bonus, bonus_capped = cap, True
    weight = "" if terms.weight == 1 else f", weight {terms.weight.normalize()}"
    if penalty is not None:
        words = _payout_words(penalty, "at-risk pool", currency)
        reason = f"{terms.label} {shown} {penalty.tier.comparison.words} "
        reason += f"{format_value(penalty.tier.threshold, terms.unit)} ({words}{weight})"
    elif reward is not None:
        words = _payout_words(reward, "bonus pool", currency)
        reason = f"{terms.label} {shown} {reward.tier.comparison.words} "
        reason += f"{format_value(reward.tier.threshold, terms.unit)} ({words}{weight})"
    elif outcome.status is KpiStatus.MISSED:
        reason = f"{terms.label} {shown} misses its target ({target_words}); no credit tier"
    else:
        reason = f"{terms.label} {shown} meets its target ({target_words})"
    if credit_capped:
        reason += "; capped at the KPI's credit cap"
    if bonus_capped:
        reason += "; capped at the KPI's bonus cap"
    return KpiAssessment(
        terms.kpi_id, outcome.status, value, terms.target, outcome.sample,
        penalty, reward, credit, bonus, credit_capped, bonus_capped, reason,
    )  # fmt: skip


def _undelivered(
    terms: KpiTerms, outcome: KpiOutcome, *, at_risk_pool: Decimal, currency: str
) -> KpiAssessment:
    """A KPI whose data was not delivered: missed at the deepest credit tier when the annex's
    ``missing_data`` is ``missed``, otherwise not measurable (no credit, no bonus)."""
    if outcome.status is not KpiStatus.MISSED:
        reason = f"{terms.label}: {outcome.undelivered}: not measurable, no credit and no bonus"
        return KpiAssessment(
            terms.kpi_id, KpiStatus.NOT_MEASURABLE, None, terms.target, 0,
            None, None, ZERO, ZERO, False, False, reason,
        )  # fmt: skip
    deepest = deepest_tier(terms.penalties)
    credit = tier_payout(deepest, at_risk_pool, terms.weight) if deepest else ZERO
    capped = False
    if terms.credit_cap is not None and credit > (cap := terms.credit_cap.limit(at_risk_pool)):
        credit, capped = cap, True
    reason = f"{terms.label}: {outcome.undelivered}; the annex counts it as missed"
    if deepest is not None:
        reason += f" at the deepest tier ({_payout_words(deepest, 'at-risk pool', currency)})"
    if capped:
        reason += "; capped at the KPI's credit cap"
    return KpiAssessment(
        terms.kpi_id, KpiStatus.MISSED, None, terms.target, 0,
        deepest, None, credit, ZERO, capped, False, reason,
    )  # fmt: skip


def monthly_fee(fee: FeeModel, volumes: Volumes) -> Decimal:
    """The month's fee before adjustments (exact): fixed, or rate × measured volume.

    Per contact: handled (answered inbound) contacts. Per minute: handle time (talk + hold +
    after-call work) in minutes. Per productive hour: logged productive agent time in hours.
    """
    if fee.kind is FeeModelKind.FIXED_MONTHLY:
        return fee.amount
    if fee.kind is FeeModelKind.PER_CONTACT:
        return fee.amount * volumes.handled_contacts
    if fee.kind is FeeModelKind.PER_MINUTE:
        return fee.amount * volumes.handle_seconds / 60
    return fee.amount * volumes.productive_seconds / 3600


def fee_basis_words(fee: FeeModel, volumes: Volumes, currency: str) -> str:
    if fee.kind is FeeModelKind.FIXED_MONTHLY:
        return f"fixed monthly fee {currency} {fee.amount}"
    if fee.kind is FeeModelKind.PER_CONTACT:
        return f"{volumes.handled_contacts} handled contacts × {currency} {fee.amount}"
    if fee.kind is FeeModelKind.PER_MINUTE:
        minutes = (volumes.handle_seconds / 60).quantize(Decimal("0.01"))
        return f"{minutes} handle minutes × {currency} {fee.amount}"
    hours = (volumes.productive_seconds / 3600).quantize(Decimal("0.01"))
    return f"{hours} productive hours × {currency} {fee.amount}"
