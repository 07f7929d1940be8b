"""Small contract terms stated in a line, for hand-worked settlement tests."""

from __future__ import annotations

from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)
from pathlib import Path

from callpact.settlement.ledger import MonthInput
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.terms import (
    ChronicRule,
    Comparison,
    CureTerms,
    FeeModel,
    FeeModelKind,
    KpiTerms,
    Pool,
    SettlementTerms,
    Tier,
)

SL_PENALTIES = (
    Tier(Comparison.BELOW, D("0.80"), share=D("0.15")),
    Tier(Comparison.BELOW, D("0.75"), share=D("0.30")),
    Tier(Comparison.BELOW, D("0.70"), share=D("0.50")),
)
SL_REWARDS = (
    Tier(Comparison.AT_LEAST, D("0.85"), share=D("0.30")),
    Tier(Comparison.AT_LEAST, D("0.90"), share=D("0.60")),
)


def sl_kpi(**changes: object) -> KpiTerms:
    base: dict[str, object] = {
        "kpi_id": "sl-voice",
        "label": "Service level",
        "target_comparison": Comparison.AT_LEAST,
        "target": D("0.80"),
        "penalties": SL_PENALTIES,
        "rewards": SL_REWARDS,
    }
    base.update(changes)
    return KpiTerms(**base)  # type: ignore[arg-type]


def terms(
    *kpis: KpiTerms,
    cure: CureTerms | None = None,
    chronic: ChronicRule | None = None,
    fee: D = D(60000),
) -> SettlementTerms:
    return SettlementTerms(
        contract_id="t",
        version="2027-01-01",
        currency="USD",
        time_zone="America/Chicago",
        fee=FeeModel(FeeModelKind.FIXED_MONTHLY, fee),
        at_risk=Pool(share_of_fee=D("0.12")),
        bonus_pool=Pool(share_of_fee=D("0.05")),
        kpis=kpis or (sl_kpi(),),
        cure=cure,
        chronic=chronic,
    )


def outcome(kpi_id: str, value: str | None, status: str | None = None) -> KpiOutcome:
    if status is None:
        status = "met" if value is not None and D(value) >= D("0.80") else "missed"
    return KpiOutcome(kpi_id, KpiStatus(status), D(value) if value is not None else None, 1000)


def sl_months(first: str, values: list[str | None], contract: SettlementTerms) -> list[MonthInput]:
    """Consecutive months of the service-level KPI; None = not measurable."""
    from callpact.settlement.months import add_months

    out = []
    for i, value in enumerate(values):
        status = "not_measurable" if value is None else None
        out.append(
            MonthInput(
                add_months(first, i),
                contract,
                {"sl-voice": outcome("sl-voice", value, status)},
            )
        )
    return out


EXAMPLE_ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"


def automatic_cure_annex(folder: Path) -> Path:
    """The example annex with ``cure.notice_required: false`` written to ``folder``: its cure
    period opens by itself the day after a breach, as the figures worked by hand on it assume
    (the notice path is worked in test_settlement_cure.py and test_settlement_cli.py)."""
    text = EXAMPLE_ANNEX.read_text("utf-8")
    assert "notice_required: true" in text
    path = folder / "annex.yaml"
    path.write_text(text.replace("notice_required: true", "notice_required: false"), "utf-8")
    return path
