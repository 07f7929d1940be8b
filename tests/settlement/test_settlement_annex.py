# ruff: noqa: E501  (CSV fixtures and CLI argument lists read best on one line)
"""Every tier shape, cap and rule read from an annex (through the contract loader), then settled
by hand.

The annex below: fee per contact (2.50 × 10,000 handled = 25,000), a fixed at-risk pool of
1,000 and bonus pool of 350, rounding to whole units half-even, no cure clause, chronic breach
at 2 missed months within any 3, notice 60 days.

* ``sl`` (weight 0.5): linear credit from 10 % at 0.80 to 90 % at 0.60, per-KPI credit cap
  30 % of the pool (300), bonus 50 % at 0.90 or more, earn-back after 2 met months.
* ``aht`` (seconds, at most 420): fixed credit 150 above 420, fixed bonus 350 at 380 or less,
  capped at 300.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callpact.cli.main import _register, app
from callpact.contracts import load_contract_text
from callpact.contracts.model import ContractVersion
from callpact.settlement.from_contract import terms_from_version
from callpact.settlement.ledger import MonthInput, MonthSettlement, settle_months
from callpact.settlement.months import add_months
from callpact.settlement.rules import KpiOutcome, KpiStatus
from callpact.settlement.terms import SettlementTerms, Volumes

ANNEX = """
contract:
  id: shapes
  client: Acme
  vendor: Contact Co
  currency: EUR
  time_zone: Europe/Paris
  term: {start: 2027-01-01, end: 2027-12-31}
  fee: {model: per_contact, amount: 2.50}
  at_risk: {amount: 1000}
  bonus_pool: {amount: 350}
  rounding: {unit: 1, mode: half_even}
  termination:
    chronic_breach: {or_months_in_window: [2, 3], notice_days: 60}
scope:
  channels:
    - {channel: voice, queues: [members]}
kpis:
  - id: sl
    metric: service_level
    params: {threshold_s: 20}
    target: 0.80
    weight: 0.5
    penalties: [{below: 0.80, credit: 0.10, linear_to: {value: 0.60, credit: 0.90}}]
    rewards: [{at_least: 0.90, bonus: 0.50}]
    cap: {credit: 0.30}
    earn_back: {months: 2}
  - id: aht
    metric: aht
    target: {at_most: 420}
    penalties: [{above: 420, credit_amount: 150}]
    rewards: [{at_most: 380, bonus_amount: 350}]
    cap: {bonus_amount: 300}
"""


def _version() -> ContractVersion:
    contract, found = load_contract_text(ANNEX)
    assert contract is not None, [d.format() for d in found]
    return contract.first


def _terms() -> SettlementTerms:
    return terms_from_version(_version())


def _settle(values: list[tuple[str, str]]) -> list[MonthSettlement]:
    contract = _terms()
    months = []
    for i, (sl, aht) in enumerate(values):
        outcomes = {}
        for kpi_id, value in (("sl", sl), ("aht", aht)):
            kpi = contract.kpi(kpi_id)
            assert kpi is not None
            status = KpiStatus(kpi.status_of(D(value), 1000))
            outcomes[kpi_id] = KpiOutcome(kpi_id, status, D(value), 1000)
        months.append(
            MonthInput(
                add_months("2027-01", i), contract, outcomes, Volumes(handled_contacts=10000)
            )
        )
    return settle_months(months)


def _amounts(month: MonthSettlement, kind: str) -> dict[str | None, D]:
    return {line.kpi_id: line.amount for line in month.lines if line.kind == kind}


def test_every_shape_month_by_month() -> None:
    m1, m2, m3, m4, m5 = _settle(
        [("0.69375", "450"), ("0.55", "370"), ("0.95", "400"), ("0.85", "400"), ("0.95", "370")]
    )
    # M1: linear share 0.10 + 0.80 × 0.10625 / 0.20 = 0.525 → 0.525 × 1,000 × 0.5 = 262.5,
    # rounded half-even to 262; AHT 450 > 420 → fixed 150.
    assert m1.fee == D(25000)
    assert _amounts(m1, "credit") == {"sl": D(262), "aht": D(150)}
    assert m1.invoice_total == D(25000 - 412)
    # M2: beyond the linear end the share stays 90 % → 450, capped at 300 (30 % of the pool);
    # AHT 370 ≤ 380 → fixed bonus 350, capped at 300. M1's earn-back is forfeited by the miss.
    assert _amounts(m2, "credit") == {"sl": D(300)}
    assert _amounts(m2, "bonus") == {"aht": D(300)}
    sl2 = next(a for a in m2.assessments if a.kpi_id == "sl")
    assert sl2.credit_capped
    assert m2.net_adjustment == 0
    # M3: SL 0.95 → 50 % × 350 × 0.5 = 87.5 → 88 (half-even); first met month after M2's credit.
    assert _amounts(m3, "bonus") == {"sl": D(88)}
    assert m3.earn_back == 0
    # M4: second met month in a row → M2's 300 is earned back.
    assert _amounts(m4, "earn_back") == {"sl": D(300)}
    assert m4.invoice_total == D(25300)
    # M5: bonuses 87.5 + 300 = 387.5 exceed the 350 pool → each scaled by 350 / 387.5:
    # 79.03… and 270.96…; floored to 79 + 270 = 349, the unit left goes to the larger
    # remainder (AHT's .96…).
    assert m5.bonus_pool_cap_bound
    assert _amounts(m5, "bonus") == {"sl": D(79), "aht": D(271)}
    assert m5.bonuses == D(350)


def test_chronic_in_window_rule_from_the_annex() -> None:
    months = _settle([("0.79", "400"), ("0.85", "400"), ("0.79", "400")])
    assert [len(m.termination) for m in months] == [0, 0, 1]
    right = months[-1].termination[0]
    assert (right.kpi_id, right.rule) == ("sl", "2 of the last 3 months missed")
    assert right.notice_from == date(2027, 4, 1)
    assert right.earliest_effective == date(2027, 5, 31)  # 1 April + 60 days


def test_a_tier_settlement_cannot_read_names_kpi_and_field() -> None:
    # The loader refuses a linear tier that ends at its own threshold (CP010); a version built
    # around it (here: copied with the tier changed) reaches settlement, which says where.
    version = _version()
    sl = version.kpi("sl")
    tier = sl.penalties[0]
    assert tier.linear_to is not None
    flat = tier.model_copy(
        update={"linear_to": tier.linear_to.model_copy(update={"value": tier.below})}
    )
    broken = version.model_copy(
        update={"kpis": (sl.model_copy(update={"penalties": (flat,)}), *version.kpis[1:])}
    )
    with pytest.raises(ValueError, match=r"^kpis\[sl\]\.penalties\[0\]: a linear tier's end"):
        terms_from_version(broken)


CONTACTS = """contact_id,channel,direction,queue,offered_at,answered_at,ended_at,talk_s,hold_s,acw_s,agent_id,customer_id,transferred,disposition
c1,voice,inbound,members,2027-03-02T09:00:00-06:00,2027-03-02T09:00:10-06:00,2027-03-02T09:05:10-06:00,240,30,30,a1,u1,false,
c2,voice,inbound,members,2027-03-03T09:00:00-06:00,,2027-03-03T09:01:00-06:00,,,,,u2,false,
c3,chat,inbound,members-chat,2027-03-04T09:00:00-06:00,2027-03-04T09:00:20-06:00,2027-03-04T09:10:20-06:00,500,0,100,a2,u3,false,
c4,voice,inbound,other-queue,2027-03-04T09:00:00-06:00,2027-03-04T09:00:20-06:00,2027-03-04T09:10:20-06:00,500,0,100,a2,u4,false,
c5,voice,outbound,members,2027-03-04T10:00:00-06:00,2027-03-04T10:00:20-06:00,2027-03-04T10:10:20-06:00,500,0,100,a2,u5,false,
c6,voice,inbound,members,2027-04-01T09:00:00-05:00,2027-04-01T09:00:20-05:00,2027-04-01T09:10:20-05:00,500,0,100,a2,u6,false,
c7,chat,inbound,members,2027-03-05T09:00:00-06:00,2027-03-05T09:00:20-06:00,2027-03-05T09:10:20-06:00,500,0,100,a2,u7,false,
"""
AGENT_STATES = """agent_id,state,started_at,ended_at
a1,busy,2027-03-02T09:00:00-06:00,2027-03-02T11:00:00-06:00
a1,break,2027-03-02T11:00:00-06:00,2027-03-02T12:00:00-06:00
a1,available,2027-03-02T12:00:00-06:00,2027-03-02T12:30:00-06:00
a2,acw,2027-03-31T23:00:00-05:00,2027-04-01T01:00:00-05:00
"""


def test_fee_per_productive_hour_from_measured_volumes(tmp_path: Path) -> None:
    # In scope for March (America/Chicago): c1 (300 s) and c3 (600 s); c4's queue is outside
    # the contract's scope, c5 is outbound, c6 is offered in April, c7 is a chat in a queue the
    # contract has for voice only. Productive time: a1 busy 2 h
    # + available 0.5 h (the break is not productive) + a2's after-call work clipped at local
    # midnight, 1 h of its 2 → 3.5 h × 28 = 98.
    annex = Path(__file__).parents[2] / "examples" / "annex.yaml"
    text = annex.read_text().replace(
        "fee: {model: fixed_monthly, amount: 60000}",
        "fee: {model: per_productive_hour, amount: 28}",
    )
    assert "per_productive_hour" in text
    (tmp_path / "annex.yaml").write_text(text)
    data = tmp_path / "data"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "agent_states.csv").write_text(AGENT_STATES)
    (tmp_path / "results.json").write_text(json.dumps({"2027-03": {}}))
    result = CliRunner().invoke(app, ["settle", str(tmp_path / "annex.yaml"), "--data", str(data), "--period", "2027-03",
                                      "--results", str(tmp_path / "results.json"), "--format", "json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    statement = json.loads(result.stdout)
    volumes = statement["fee_model"]
    assert (volumes["model"], volumes["handled_contacts"]) == ("per_productive_hour", 2)
    assert D(volumes["handle_seconds"]) == 900
    assert D(volumes["productive_seconds"]) == D(3.5 * 3600)
    assert statement["fee"] == "98.00"
    assert statement["at_risk_pool"] == "11.76"  # 12 % of 98


_register()


def test_notice_periods_read_zero_days_as_set() -> None:
    # chronic breach's own notice, else the for-convenience notice, else 30 days; a notice of
    # 0 days is a right that takes effect at once, not an unset one
    for chronic, convenience, expected in (
        (0, 90, 0),
        (None, 0, 0),
        (None, 90, 90),
        (None, None, 30),
    ):
        annex = ANNEX.replace(
            "notice_days: 60", "" if chronic is None else f"notice_days: {chronic}"
        )
        if convenience is not None:
            annex = annex.replace(
                "  termination:\n",
                f"  termination:\n    for_convenience_notice_days: {convenience}\n",
            )
        contract, found = load_contract_text(annex)
        assert contract is not None, [d.format() for d in found]
        terms = terms_from_version(contract.first)
        assert terms.chronic is not None
        assert terms.chronic.notice_days == expected, (chronic, convenience)


def test_settlement_holidays_are_the_contract_calendars() -> None:
    # us-federal from the contracts' own calendar: Juneteenth from 2021 on, observed days
    annex = ANNEX.replace(
        "scope:\n",
        "scope:\n"
        "  hours:\n"
        "    line:\n"
        "      calendar: ['mon-fri 08:00-20:00']\n"
        "      holidays: [us-federal, 2027-08-15]\n",
    ).replace(
        "{channel: voice, queues: [members]}", "{channel: voice, queues: [members], hours: line}"
    )
    contract, found = load_contract_text(annex)
    assert contract is not None, [d.format() for d in found]
    terms = terms_from_version(contract.first)
    assert date(2027, 6, 18) in terms.holidays  # 19 June 2027 is a Saturday: observed Friday
    assert date(2027, 7, 5) in terms.holidays  # 4 July 2027 is a Sunday: observed Monday
    assert date(2027, 8, 15) in terms.holidays
    assert date(2028, 12, 25) in terms.holidays  # a year past the term's end: deadlines
    assert date(2029, 1, 1) not in terms.holidays
