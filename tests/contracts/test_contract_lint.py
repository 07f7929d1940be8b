"""Every lint rule (CP1xx) on a small annex: the clean annex draws none, one change draws one."""

from __future__ import annotations

from pathlib import Path

import pytest
from annex_text import CLEAN, only, position, replace, warnings

from callpact.contracts.codes import LINT_CODES
from callpact.contracts.lint import RULES
from callpact.diagnostics import Severity

NOTIFY = "  notify:\n    critical: {within: 1h}\n"


def test_the_clean_annex_draws_no_warning() -> None:
    assert warnings(CLEAN) == []


def test_every_registered_code_has_one_rule() -> None:
    assert sorted(code for code, _ in RULES) == sorted(LINT_CODES)
    assert len(RULES) >= 12


def codes(text: str) -> list[str]:
    found = warnings(text)
    assert all(d.severity is Severity.WARNING for d in found)
    return sorted({d.code for d in found})


def test_cp101_penalties_without_any_reward() -> None:
    text = replace("    rewards:\n      - {at_least: 0.85, bonus: 0.50}\n", "")
    found = warnings(text)
    assert codes(text) == ["CP101"]
    assert only(found, "CP101") == [position(text, "penalties:")]


def test_cp102_kpi_without_min_sample() -> None:
    text = replace(
        "    target: {at_most: 400}\n    min_sample: 300\n", "    target: {at_most: 400}\n"
    )
    assert codes(text) == ["CP102"]
    assert only(warnings(text), "CP102") == [position(text, "aht\n")]


def test_cp103_a_single_flat_credit() -> None:
    text = replace(", linear_to: {value: 480, credit: 0.30}", "")
    assert codes(text) == ["CP103"]
    assert only(warnings(text), "CP103") == [position(text, "penalties:", 2)]


def test_cp103_a_deeper_tier_with_a_smaller_credit() -> None:
    text = replace("{below: 0.70, credit: 0.40}", "{below: 0.70, credit: 0.15}")
    assert codes(text) == ["CP103"]
    assert only(warnings(text), "CP103") == [position(text, "{below: 0.70")]


def test_cp104_credit_shares_beyond_the_pool() -> None:
    # 0.90 (sl, deepest) + 0.30 (aht, linear end) = 1.20 of the at-risk pool.
    text = replace("{below: 0.70, credit: 0.40}", "{below: 0.70, credit: 0.90}")
    found = warnings(text)
    assert codes(text) == ["CP104"]
    assert only(found, "CP104") == [position(text, "at_risk")]
    assert "1.2 ×" in found[0].message


def test_cp104_a_cap_keeps_the_total_within_the_pool() -> None:
    text = replace("{below: 0.70, credit: 0.40}", "{below: 0.70, credit: 0.90}")
    text = replace("    rewards:\n", "    cap: {credit: 0.60}\n    rewards:\n", text)
    assert codes(text) == []


def test_cp105_responsibility_missing_or_without_owner() -> None:
    text = replace("    forecasting: client\n", "")
    assert codes(text) == ["CP105"]
    assert only(warnings(text), "CP105") == [position(text, "responsibilities")]
    start = CLEAN.index("  responsibilities:")
    none_at_all = CLEAN[:start] + CLEAN[CLEAN.index("kpis:") :]
    (found,) = warnings(none_at_all)
    assert (found.code, found.line, found.column) == ("CP105", *position(none_at_all, "scope:"))
    assert "staffing, training_curriculum" in found.message
    nobody = replace("scripts: client", "scripts: ~")
    assert only(warnings(nobody), "CP105") == [position(nobody, "~")]


def test_cp106_channel_without_hours() -> None:
    text = replace("queues: [members], hours: main}", "queues: [members]}")
    assert codes(text) == ["CP106"]
    assert only(warnings(text), "CP106") == [position(text, "{channel: voice")]


def test_cp107_no_cure_period() -> None:
    text = replace("  cure: {notice_required: true, period_days: 30}\n", "")
    assert codes(text) == ["CP107"]
    assert only(warnings(text), "CP107") == [(1, 1)]


def test_cp108_no_chronic_breach_exit() -> None:
    text = replace("    chronic_breach: {consecutive_months: 3, or_months_in_window: [4, 6]}\n", "")
    assert codes(text) == ["CP108"]
    assert only(warnings(text), "CP108") == [position(text, "termination")]


def test_cp109_incidents_without_deadlines() -> None:
    text = replace(NOTIFY, "")
    assert codes(text) == ["CP109"]
    assert only(warnings(text), "CP109") == [position(text, "incidents:")]
    no_protocol = CLEAN[: CLEAN.index("incidents:")] + CLEAN[CLEAN.index("staff:") :]
    assert codes(no_protocol) == ["CP109"]


def test_cp110_no_liability_for_unreported_incidents() -> None:
    text = replace("  liability_per_unreported_case: 1000\n", "")
    assert codes(text) == ["CP110"]
    assert only(warnings(text), "CP110") == [position(text, "incidents:")]


def test_cp111_training_without_outcome_rule() -> None:
    text = replace("  outcome: {min_pass_rate: 0.75}\n", "")
    assert codes(text) == ["CP111"]
    assert only(warnings(text), "CP111") == [position(text, "training:")]


def test_cp112_trainee_exclusion_without_exemption_window() -> None:
    text = replace("  trainee_sla_exemption_days: 14\n", "")
    assert codes(text) == ["CP112"]
    assert only(warnings(text), "CP112") == [position(text, "exclusions")]


def test_cp113_aht_measure_without_owner() -> None:
    text = replace(" owner: client, due: 2027-03-31}", " due: 2027-03-31}")
    found = warnings(text)
    assert codes(text) == ["CP113"]
    assert only(found, "CP113") == [position(text, "{id: kb")]
    assert "no owner" in found[0].message


def test_cp114_document_without_deadline() -> None:
    text = replace(", due_days_after_start: 14}", "}")
    assert codes(text) == ["CP114"]
    assert only(warnings(text), "CP114") == [position(text, "{id: incident-procedure")]


def test_cp115_target_unreachable_by_definition() -> None:
    # A share written as a percentage: 80 can never be reached by a value between 0 and 1.
    text = replace("    target: 0.80\n", "    target: 80\n")
    found = warnings(text)
    assert only(found, "CP115") == [position(text, "80\n")]
    seconds = replace("target: {at_most: 400}", "target: {at_most: 0}")
    seconds = replace(
        "{above: 400, credit: 0.10, linear_to: {value: 480",
        "{above: 10, credit: 0.10, linear_to: {value: 480",
        seconds,
    )
    assert "CP115" in codes(seconds)


def test_cp116_very_low_price_for_a_complex_scope() -> None:
    text = replace(
        "fee: {model: fixed_monthly, amount: 40000}", "fee: {model: per_minute, amount: 0.12}"
    )
    assert codes(text) == []  # one channel, one queue, two KPIs: not complex
    text = replace(
        "    - {channel: voice, queues: [members], hours: main}\n",
        "    - {channel: voice, queues: [members], hours: main}\n"
        "    - {channel: chat, queues: [members-chat], hours: main}\n",
        text,
    )
    found = warnings(text)
    assert codes(text) == ["CP116"]
    assert only(found, "CP116") == [position(text, "0.12")]
    assert "ask" in found[0].message


def test_cp116_fixed_fee_per_open_hour() -> None:
    # 10 h × 5 days × 4.345 weeks = 217.25 open hours a month per channel, two channels:
    # 2,000 / 434.5 = 4.60 per open hour and channel, under the floor of 15.
    text = replace("amount: 40000", "amount: 2000")
    text = replace(
        "    - {channel: voice, queues: [members], hours: main}\n",
        "    - {channel: voice, queues: [members], hours: main}\n"
        "    - {channel: chat, queues: [members-chat], hours: main}\n",
        text,
    )
    found = warnings(text)
    assert only(found, "CP116") == [position(text, "2000")]
    assert "4.60 USD per open hour and channel" in found[0].message


def test_cp117_penalty_that_applies_at_the_target() -> None:
    text = replace("{below: 0.80, credit: 0.20}", "{below: 0.82, credit: 0.20}")
    assert codes(text) == ["CP117"]
    assert only(warnings(text), "CP117") == [position(text, "{below: 0.82")]


def test_cp117_reward_for_a_missed_target() -> None:
    text = replace("{at_least: 0.85, bonus: 0.50}", "{at_least: 0.75, bonus: 0.50}")
    assert codes(text) == ["CP117"]


def test_cp118_rewards_without_a_bonus_pool() -> None:
    text = replace("  bonus_pool: {share_of_fee: 0.05}\n", "")
    assert codes(text) == ["CP118"]
    assert only(warnings(text), "CP118") == [position(text, "rewards:")]


def test_cp119_removal_requests_without_deadline() -> None:
    text = replace("staff:\n  removal_requests: {vendor_response_days: 5}\n", "")
    assert codes(text) == ["CP119"]
    assert only(warnings(text), "CP119") == [(1, 1)]


def test_a_warning_introduced_by_an_amendment_points_at_the_amendment() -> None:
    text = CLEAN + (
        "amendments:\n"
        "  - effective_from: 2027-07-01\n"
        "    changes:\n"
        "      kpis:\n"
        "        - {id: sl, penalties: [{below: 0.80, credit: 0.20}]}\n"
    )
    found = warnings(text)
    assert [d.code for d in found] == ["CP103"]
    assert only(found, "CP103") == [position(text, "penalties: [")]


@pytest.mark.parametrize("path", ["examples/annex.yaml", "examples/techsupport-per-minute.yaml"])
def test_examples_lint_without_errors(path: str) -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / path).read_text(encoding="utf-8")
    found = warnings(text)
    assert all(d.severity is Severity.WARNING for d in found)


def test_every_lint_code_is_exercised_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert [code for code in LINT_CODES if f'"{code}"' not in source] == []


def test_cp120_annex_silent_on_a_month_without_data() -> None:
    text = replace("  missing_data: hold\n", "")
    assert codes(text) == ["CP120"]
    assert only(warnings(text), "CP120") == [position(text, "contract:")]


@pytest.mark.parametrize(
    ("written", "rule", "words"),
    [
        (None, "hold", "stays a draft until it arrives"),
        ("hold", "hold", "stays a draft until it arrives"),
        ("missed", "missed", "counts as missed"),
        ("not_measurable", "not_measurable", "is not measurable"),
    ],
)
def test_missing_data_rule_and_its_words_in_the_annex(
    written: str | None, rule: str, words: str
) -> None:
    from callpact.contracts.loader import load_contract_text
    from callpact.contracts.render import render_markdown

    line = "" if written is None else f"  missing_data: {written}\n"
    contract, diagnostics = load_contract_text(replace("  missing_data: hold\n", line))
    assert contract is not None, diagnostics
    assert contract.latest.contract.missing_data_rule == rule
    assert words in " ".join(render_markdown(contract).split())
