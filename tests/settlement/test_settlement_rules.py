"""Tiers, credits, bonuses, caps and fees, worked by hand on the example annex's numbers:
fee 60,000, at-risk pool 12 % = 7,200, bonus pool 5 % = 3,000."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)

import pytest
from settlement_helpers import SL_PENALTIES, SL_REWARDS, outcome, sl_kpi

from callpact.settlement.money import Rounding, allocate, round_lines_within
from callpact.settlement.rules import (
    KpiOutcome,
    KpiStatus,
    assess_kpi,
    monthly_fee,
    tier_reached,
)
from callpact.settlement.terms import (
    Cap,
    Comparison,
    FeeModel,
    FeeModelKind,
    Tier,
    Volumes,
)

POOL = D(7200)
BONUS_POOL = D(3000)


@pytest.mark.parametrize(
    ("value", "position"),
    [
        ("0.81", None),
        ("0.80", None),  # "below 0.80" is strict
        ("0.7999", 1),
        ("0.75", 1),
        ("0.7499", 2),
        ("0.70", 2),
        ("0.6999", 3),
        ("0.10", 3),
    ],
)
def test_stepwise_below_tiers_reach_the_deepest_holding_tier(
    value: str, position: int | None
) -> None:
    hit = tier_reached(SL_PENALTIES, D(value))
    assert (hit.position if hit else None) == position


def test_tier_order_in_the_file_does_not_matter() -> None:
    shuffled = (SL_PENALTIES[2], SL_PENALTIES[0], SL_PENALTIES[1])
    hit = tier_reached(shuffled, D("0.72"))
    assert hit is not None
    assert hit.share == D("0.30")


@pytest.mark.parametrize(
    ("value", "share"),
    [("0.05", None), ("0.0501", "0.10"), ("0.08", "0.10"), ("0.0801", "0.20")],
)
def test_above_tiers(value: str, share: str | None) -> None:
    tiers = (
        Tier(Comparison.ABOVE, D("0.05"), share=D("0.10")),
        Tier(Comparison.ABOVE, D("0.08"), share=D("0.20")),
    )
    hit = tier_reached(tiers, D(value))
    assert (hit.share if hit else None) == (D(share) if share else None)


@pytest.mark.parametrize(
    ("value", "share"), [("0.8499", None), ("0.85", "0.30"), ("0.8999", "0.30"), ("0.90", "0.60")]
)
def test_at_least_reward_tiers(value: str, share: str | None) -> None:
    hit = tier_reached(SL_REWARDS, D(value))
    assert (hit.share if hit else None) == (D(share) if share else None)


@pytest.mark.parametrize(
    ("value", "share"),
    [
        ("0.80", None),
        ("0.79", "0.14"),  # 0.10 + 0.40 × 0.01 / 0.10
        ("0.75", "0.30"),
        ("0.70", "0.50"),
        ("0.55", "0.50"),  # beyond the end the share stays at share_end
    ],
)
def test_linear_tier_interpolates_and_clamps(value: str, share: str | None) -> None:
    linear = Tier(Comparison.BELOW, D("0.80"), share=D("0.10"), end=D("0.70"), share_end=D("0.50"))
    hit = tier_reached((linear,), D(value))
    assert (hit.share if hit else None) == (D(share) if share else None)


def test_linear_tier_after_a_step_tier() -> None:
    # step 10 % below 0.80, then linear from 20 % at 0.75 to 60 % at 0.65
    tiers = (
        Tier(Comparison.BELOW, D("0.80"), share=D("0.10")),
        Tier(Comparison.BELOW, D("0.75"), share=D("0.20"), end=D("0.65"), share_end=D("0.60")),
    )
    hit = tier_reached(tiers, D("0.70"))
    assert hit is not None
    assert (hit.position, hit.share) == (2, D("0.40"))


def test_credit_is_share_of_whole_pool_times_weight() -> None:
    result = assess_kpi(
        sl_kpi(), outcome("sl-voice", "0.7612"), at_risk_pool=POOL, bonus_pool=BONUS_POOL
    )
    assert result.credit == D(1080)  # 15 % × 7,200
    assert result.bonus == 0
    assert "Service level 0.7612 below 0.8000 (tier 1: 15 % of the at-risk pool)" in result.reason
    weighted = assess_kpi(
        sl_kpi(weight=D("0.5")),
        outcome("sl-voice", "0.72"),
        at_risk_pool=POOL,
        bonus_pool=BONUS_POOL,
    )
    assert weighted.credit == D(1080)  # 30 % × 7,200 × 0.5
    assert "weight 0.5" in weighted.reason


def test_bonus_from_bonus_pool() -> None:
    result = assess_kpi(
        sl_kpi(), outcome("sl-voice", "0.91"), at_risk_pool=POOL, bonus_pool=BONUS_POOL
    )
    assert (result.credit, result.bonus) == (0, D(1800))  # 60 % × 3,000


def test_fixed_amount_tier() -> None:
    kpi = sl_kpi(penalties=(Tier(Comparison.BELOW, D("0.80"), amount=D(2500)),))
    result = assess_kpi(kpi, outcome("sl-voice", "0.5"), at_risk_pool=POOL, bonus_pool=BONUS_POOL)
    assert result.credit == D(2500)


def test_per_kpi_caps() -> None:
    kpi = sl_kpi(credit_cap=Cap(share=D("0.20")), bonus_cap=Cap(amount=D(1000)))
    low = assess_kpi(kpi, outcome("sl-voice", "0.60"), at_risk_pool=POOL, bonus_pool=BONUS_POOL)
    assert low.credit == D(1440)  # 50 % would be 3,600; capped at 20 % × 7,200
    assert low.credit_capped
    high = assess_kpi(kpi, outcome("sl-voice", "0.95"), at_risk_pool=POOL, bonus_pool=BONUS_POOL)
    assert high.bonus == D(1000)
    assert high.bonus_capped


def test_not_measurable_neither_credits_nor_earns() -> None:
    result = assess_kpi(
        sl_kpi(),
        KpiOutcome("sl-voice", KpiStatus.NOT_MEASURABLE, D("0.10"), sample=12),
        at_risk_pool=POOL,
        bonus_pool=BONUS_POOL,
    )
    assert (result.credit, result.bonus, result.penalty) == (0, 0, None)
    assert "not measurable (sample 12)" in result.reason


def test_pool_cap_shares_the_pool_in_proportion() -> None:
    lines, bound = round_lines_within([D(3600), D(3600), D(1800)], POOL, Rounding())
    assert bound
    assert lines == [D(2880), D(2880), D(1440)]  # each × 7,200 / 9,000 = × 0.8


def test_pool_cap_leftover_cents_go_to_largest_remainders() -> None:
    lines, bound = round_lines_within([D(50), D(50), D(50)], D(100), Rounding())
    assert bound
    assert lines == [D("33.34"), D("33.33"), D("33.33")]


def test_cap_binds_when_rounding_alone_would_cross_it() -> None:
    # exact total 100.000 ≤ 100.00 but half-up rounding gives 33.34 + 33.34 + 33.33 = 100.01
    lines, bound = round_lines_within(
        [D("33.335"), D("33.335"), D("33.33")], D("100.00"), Rounding()
    )
    assert bound
    assert sum(lines) == D("100.00")


def test_rounding_once_not_twice() -> None:
    # 0.125 → 0.13 half-up; rounding first to 0.001 then 0.01 would give the same here, but
    # 0.1249 rounded in two steps (0.125 → 0.13) differs from once (0.12)
    lines, _ = round_lines_within([D("0.1249")], None, Rounding())
    assert lines == [D("0.12")]
    assert Rounding(mode="half_even").apply(D("0.125")) == D("0.12")
    assert Rounding(unit=D(1), mode="down").apply(D("10.99")) == D(10)


def test_allocate_sums_to_total() -> None:
    assert allocate(D("10.00"), [D(1), D(2), D(3)], D("0.01")) == [
        D("1.67"),
        D("3.33"),
        D("5.00"),
    ]


@pytest.mark.parametrize(
    ("kind", "rate", "volumes", "fee"),
    [
        (FeeModelKind.FIXED_MONTHLY, "60000", Volumes(), "60000"),
        (FeeModelKind.PER_CONTACT, "4.10", Volumes(handled_contacts=12345), "50614.50"),
        (FeeModelKind.PER_MINUTE, "0.95", Volumes(handle_seconds=D(6_000_030)), "95000.475"),
        (FeeModelKind.PER_PRODUCTIVE_HOUR, "28", Volumes(productive_seconds=D(5400)), "42"),
    ],
)
def test_fee_models(kind: FeeModelKind, rate: str, volumes: Volumes, fee: str) -> None:
    assert monthly_fee(FeeModel(kind, D(rate)), volumes) == D(fee)


def test_line_ids_are_stable_and_verify_names_lines_by_id() -> None:
    from decimal import Decimal

    from callpact.settlement.ledger import Line
    from callpact.settlement.statement import differences, line_ids

    lines = [
        Line("fee", Decimal(100), "fee"),
        Line("credit", Decimal(5), "x", kpi_id="sl", origin="2027-03"),
        Line("credit", Decimal(7), "x", kpi_id="sl", origin="2027-01"),
        Line("liability", Decimal(3), "x", incident_id="INC-1"),
        Line("liability", Decimal(3), "x", incident_id="INC-1"),
    ]
    assert line_ids(lines, "2027-03") == [
        "fee",
        "credit:sl",
        "credit:sl@2027-01",
        "liability:INC-1",
        "liability:INC-1#2",
    ]
    ours = [{"line_id": "fee", "amount": "100"}, {"line_id": "credit:sl", "amount": "5"}]
    theirs = [{"line_id": "credit:sl", "amount": "6"}, {"line_id": "fee", "amount": "100"}]
    # the same lines in another order differ only where an amount differs, named by id
    assert differences({"lines": ours}, {"lines": theirs}) == [
        "lines.credit:sl.amount: '5' in the statement, '6' recomputed"
    ]
