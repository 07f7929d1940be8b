"""Read settlement terms from a typed contract version (:class:`ContractVersion`).

The annex (see ``examples/annex.yaml``) writes the incentive schedule like this::

    penalties: [{below: 0.80, credit: 0.15}, {below: 0.75, credit: 0.30}]
    rewards:   [{at_least: 0.85, bonus: 0.30}]
    # a fixed amount instead of a share:   {below: 0.70, credit_amount: 5000}
    # a linear tier:  {below: 0.80, credit: 0.10, linear_to: {value: 0.70, credit: 0.50}}
    weight: 0.5                       # default 1
    cap: {credit: 0.25, bonus: 0.50}  # shares of the pools (or credit_amount / bonus_amount)
    earn_back: {months: 3}

This module only translates the model's fields into settlement's values; checking the file
(types, positions, codes) is the contract loader's and linter's job. A value the model let
through but settlement cannot use (a model built without the loader's cross-checks, say a
linear tier ending at its own threshold) raises ``ValueError`` naming the KPI and the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from callpact.contracts.hours import holiday_dates
from callpact.contracts.model import ContractVersion, KpiSpec, PenaltyTier, RewardTier
from callpact.contracts.model import Pool as PoolSpec
from callpact.settlement.money import Rounding
from callpact.settlement.terms import (
    Cap,
    ChronicRule,
    Comparison,
    CreditsDuringCure,
    CureTerms,
    FeeModel,
    FeeModelKind,
    IncidentTerms,
    KpiTerms,
    Pool,
    SettlementTerms,
    Tier,
)


def _tier(spec: PenaltyTier | RewardTier, where: str) -> Tier:
    linear = spec.linear_to
    try:
        return Tier(
            Comparison(spec.comparison),
            spec.threshold,
            share=spec.share,
            amount=spec.amount,
            end=linear.value if linear is not None else None,
            share_end=spec.deepest_share if linear is not None else None,
        )
    except ValueError as error:
        # e.g. a linear tier ending at its own threshold, in a model built without the loader
        raise ValueError(f"{where}: {error}") from error


def _cap(share: Decimal | None, amount: Decimal | None) -> Cap | None:
    # A side of the cap written with both a share and an amount takes the share.
    if share is not None:
        return Cap(share=share)
    if amount is not None:
        return Cap(amount=amount)
    return None


def kpi_terms(spec: KpiSpec) -> KpiTerms:
    """One KPI's place in the incentive schedule, read from its annex entry (KpiTerms' own
    errors name the KPI)."""
    where = f"kpis[{spec.id}]"
    cap = spec.cap
    return KpiTerms(
        kpi_id=spec.id,
        label=spec.display_label,
        target_comparison=Comparison(spec.target.direction),
        target=spec.target.value,
        penalties=tuple(_tier(t, f"{where}.penalties[{i}]") for i, t in enumerate(spec.penalties)),
        rewards=tuple(_tier(t, f"{where}.rewards[{i}]") for i, t in enumerate(spec.rewards)),
        weight=spec.weight,
        credit_cap=_cap(cap.credit, cap.credit_amount) if cap is not None else None,
        bonus_cap=_cap(cap.bonus, cap.bonus_amount) if cap is not None else None,
        earn_back_months=spec.earn_back.months if spec.earn_back is not None else None,
        unit="seconds" if spec.unit == "seconds" else "ratio",
        min_sample=spec.min_sample or 0,
    )


def _first_set(*days: int | None) -> int:
    """The first notice period the annex sets: 0 days is set (an immediate right)."""
    return next(d for d in days if d is not None)


def _or_zero(amount: Decimal | None) -> Decimal:
    return amount if amount is not None else Decimal(0)


def _pool(spec: PoolSpec | None) -> Pool:
    if spec is None:
        return Pool(amount=Decimal(0))
    if spec.share_of_fee is not None:
        return Pool(share_of_fee=spec.share_of_fee)
    return Pool(amount=spec.amount)


def terms_from_version(version: ContractVersion) -> SettlementTerms:
    """Settlement terms of one contract version, labelled with the date it takes effect."""
    label = version.effective_from.isoformat()
    contract = version.contract
    cure = None
    if contract.cure is not None:
        cure = CureTerms(
            period_days=contract.cure.period_days,
            credits_during_cure=CreditsDuringCure(contract.cure.credits_during_cure),
            notice_required=contract.cure.notice_required,
        )
    termination = contract.termination
    chronic_spec = termination.chronic_breach if termination is not None else None
    chronic = None
    if termination is not None and chronic_spec is not None:
        chronic = ChronicRule(
            consecutive_months=chronic_spec.consecutive_months,
            in_window=chronic_spec.or_months_in_window,
            notice_days=_first_set(
                chronic_spec.notice_days, termination.for_convenience_notice_days, 30
            ),
        )
    incidents = None
    if version.incidents is not None:
        protocol = version.incidents
        incidents = IncidentTerms(
            deadlines={severity: n.within for severity, n in protocol.notify.items()},
            liability_per_late_report=_or_zero(protocol.liability_per_late_report),
            liability_per_unreported_case=_or_zero(protocol.liability_per_unreported_case),
            version=label,
        )
    term = contract.term
    # incident deadlines count business days up to a year past the term's end
    last_year = (term.end.year if term.end is not None else 2100) + 1
    holidays = {name for hours in version.scope.hours.values() for name in hours.holidays}
    return SettlementTerms(
        contract_id=contract.id,
        version=label,
        currency=contract.currency,
        time_zone=contract.time_zone,
        fee=FeeModel(FeeModelKind(contract.fee.model), contract.fee.amount),
        at_risk=_pool(contract.at_risk),
        bonus_pool=_pool(contract.bonus_pool),
        kpis=tuple(kpi_terms(spec) for spec in version.kpis),
        rounding=Rounding(unit=contract.rounding.unit, mode=contract.rounding.mode),
        cure=cure,
        chronic=chronic,
        incidents=incidents,
        client=contract.client,
        vendor=contract.vendor,
        payment_term_days=contract.payment.term_days if contract.payment else None,
        dispute_window_days=contract.disputes.window_days if contract.disputes else None,
        holidays=holiday_dates(
            sorted(holidays, key=str), date(term.start.year, 1, 1), date(last_year, 12, 31)
        ),
    )
