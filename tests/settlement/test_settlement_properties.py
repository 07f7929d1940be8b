"""Properties of any month's settlement: credits never exceed the at-risk pool, bonuses never
exceed the bonus pool, the invoice identity holds, every line is rounded once to the unit, and
no credit is lost or invented by the cure rules."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)

from hypothesis import given, settings
from hypothesis import strategies as st
from settlement_helpers import terms

from callpact.settlement.ledger import MonthInput, settle_months
from callpact.settlement.money import Rounding, round_lines_within
from callpact.settlement.months import add_months
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.terms import Comparison, CureTerms, KpiTerms, Tier

values = st.decimals(min_value=D("0.40"), max_value=D("1"), places=4)
maybe_values = st.one_of(st.none(), values)


def kpi(n: int, share: D) -> KpiTerms:
    return KpiTerms(
        kpi_id=f"k{n}",
        label=f"KPI {n}",
        target_comparison=Comparison.AT_LEAST,
        target=D("0.80"),
        penalties=(
            Tier(Comparison.BELOW, D("0.80"), share=share / 2),
            Tier(Comparison.BELOW, D("0.70"), share=share, end=D("0.50"), share_end=share * 2),
        ),
        rewards=(Tier(Comparison.AT_LEAST, D("0.90"), share=share),),
    )


@settings(max_examples=150, deadline=None)
@given(
    shares=st.lists(
        st.decimals(min_value=D("0.05"), max_value=D("0.9"), places=3), min_size=1, max_size=4
    ),
    series=st.lists(st.lists(maybe_values, min_size=4, max_size=4), min_size=1, max_size=8),
    fee=st.decimals(min_value=D("1000"), max_value=D("99999.99"), places=2),
    cure=st.booleans(),
)
def test_caps_identity_and_rounding(
    shares: list[D], series: list[list[D | None]], fee: D, cure: bool
) -> None:
    kpis = tuple(kpi(i, s) for i, s in enumerate(shares))
    contract = terms(*kpis, cure=CureTerms(30) if cure else None, fee=fee)
    months = []
    for m, row in enumerate(series):
        outcomes = {}
        for k, value in zip(kpis, row, strict=False):
            if value is None:
                outcomes[k.kpi_id] = KpiOutcome(k.kpi_id, KpiStatus.NOT_MEASURABLE, None)
            else:
                met = KpiStatus.MET if value >= D("0.80") else KpiStatus.MISSED
                outcomes[k.kpi_id] = KpiOutcome(k.kpi_id, met, value, 1000)
        months.append(MonthInput(add_months("2027-01", m), contract, outcomes))
    for month in settle_months(months):
        assert 0 <= month.credits <= month.at_risk_pool
        assert 0 <= month.bonuses <= month.bonus_pool
        assert month.invoice_total == (
            month.fee - month.credits + month.bonuses + month.earn_back - month.liabilities
        )
        for line in month.lines:
            assert line.amount >= 0
            assert line.amount == line.amount.quantize(D("0.01"))
        for assessment in month.assessments:
            if assessment.status is KpiStatus.NOT_MEASURABLE:
                assert assessment.credit == assessment.bonus == 0


@settings(max_examples=100, deadline=None)
@given(series=st.lists(maybe_values, min_size=1, max_size=12), cure=st.booleans())
def test_every_assessed_credit_is_charged_waived_or_still_suspended(
    series: list[D | None], cure: bool
) -> None:
    # One KPI whose deepest tier is 50 %: a month charges at most its own credit plus one
    # released credit, so the pool cap never binds and the cure rules must conserve money.
    single = KpiTerms(
        kpi_id="k",
        label="K",
        target_comparison=Comparison.AT_LEAST,
        target=D("0.80"),
        penalties=(
            Tier(Comparison.BELOW, D("0.80"), share=D("0.15")),
            Tier(Comparison.BELOW, D("0.60"), share=D("0.50")),
        ),
    )
    contract = terms(single, cure=CureTerms(30) if cure else None)
    months = []
    for m, value in enumerate(series):
        if value is None:
            result = KpiOutcome("k", KpiStatus.NOT_MEASURABLE, None)
        else:
            status = KpiStatus.MET if value >= D("0.80") else KpiStatus.MISSED
            result = KpiOutcome("k", status, value, 1000)
        months.append(MonthInput(add_months("2027-01", m), contract, {"k": result}))
    settled = settle_months(months)
    assessed = sum((a.credit for m in settled for a in m.assessments), D(0))
    charged = sum((m.credits for m in settled), D(0))
    waived = sum((ln.amount for m in settled for ln in m.lines if ln.kind == "waived"), D(0))
    pending = sum((e.suspended for e in settled[-1].episodes), D(0))
    assert not any(m.credit_pool_cap_bound for m in settled)
    assert assessed == charged + waived + pending
    if not cure:
        assert waived == pending == 0


@given(
    amounts=st.lists(st.decimals(min_value=D(0), max_value=D(10000), places=4), max_size=6),
    cap=st.decimals(min_value=D(0), max_value=D(20000), places=2),
)
def test_rounded_lines_never_exceed_the_cap_and_match_plain_rounding_when_free(
    amounts: list[D], cap: D
) -> None:
    rounding = Rounding()
    lines, bound = round_lines_within(amounts, cap, rounding)
    assert sum(lines, D(0)) <= cap
    if not bound:
        assert lines == [a.quantize(D("0.01"), rounding="ROUND_HALF_UP") for a in amounts]
    else:
        # independent check of proportionality: each line within one cent of its exact share
        total = sum(amounts, D(0))
        for amount, line in zip(amounts, lines, strict=True):
            assert abs(line - cap.quantize(D("0.01"), rounding="ROUND_DOWN") * amount / total) < D(
                "0.01"
            )
