"""`contract diff` speaks in contract terms; `contract render` prints the signed document."""

from __future__ import annotations

from annex_text import CLEAN, replace

from callpact.contracts import Contract, kpi_formula_words, load_contract_text
from callpact.contracts.diff import diff_versions, fmt
from callpact.contracts.render import render_html, render_markdown


def load(text: str) -> Contract:
    contract, found = load_contract_text(text)
    assert contract is not None, [d.format() for d in found]
    return contract


def texts(old: str, new: str) -> list[str]:
    return [c.text for c in diff_versions(load(old).first, load(new).first)]


def test_no_change() -> None:
    assert texts(CLEAN, CLEAN) == []


def test_target_change_reads_as_written() -> None:
    assert texts(CLEAN, replace("    target: 0.80\n", "    target: 0.82\n")) == [
        "sl target 0.80 → 0.82"
    ]


def test_cure_period_change() -> None:
    new = replace("period_days: 30", "period_days: 15")
    assert texts(CLEAN, new) == ["cure period 30 → 15 days"]


def test_tier_added_and_removed() -> None:
    deeper = replace(
        "      - {below: 0.70, credit: 0.40}\n",
        "      - {below: 0.70, credit: 0.40}\n      - {below: 0.60, credit: 0.60}\n",
    )
    assert texts(CLEAN, deeper) == ["sl penalty tier 3 added: below 0.60, credit 0.60"]
    assert texts(deeper, CLEAN) == ["sl penalty tier 3 removed (was below 0.60, credit 0.60)"]


def test_kpi_added_and_removed_and_direction_change() -> None:
    new = replace("target: {at_most: 400}", "target: {at_most: 380}")
    assert texts(CLEAN, new) == ["aht target 400 → 380"]
    without_aht = CLEAN[: CLEAN.index("  - id: aht")] + CLEAN[CLEAN.index("incidents:") :]
    assert texts(CLEAN, without_aht) == ["KPI aht removed"]
    assert texts(without_aht, CLEAN) == ["KPI aht added (aht, target at most 400)"]


def test_json_form_keeps_old_and_new_values() -> None:
    new = replace("liability_per_unreported_case: 1000", "liability_per_unreported_case: 2500")
    (change,) = diff_versions(load(CLEAN).first, load(new).first)
    assert change.to_json() == {
        "path": "incidents.liability_per_unreported_case",
        "change": "changed",
        "old": "1000",
        "new": "2500",
        "text": "liability per unreported incident 1000 → 2500",
    }


def test_number_format_keeps_two_decimals_for_shares() -> None:
    from decimal import Decimal

    assert [fmt(Decimal(x)) for x in ("0.8", "0.125", "420", "60000.00", "1.5")] == [
        "0.80",
        "0.125",
        "420",
        "60000",
        "1.50",
    ]


def test_render_states_each_formula_and_tier_table() -> None:
    contract = load(CLEAN)
    text = render_markdown(contract)
    sl = contract.first.kpi("sl")
    assert kpi_formula_words(sl)[1:] in text  # the sentence starts with a capital
    # The interchange spec's definition, with this annex's threshold filled in.
    assert "Answered contacts with wait_s ≤ 20 s ÷ offered contacts" in text
    assert "unanswered contact with wait_s < 5 s" in text
    assert "| 2 | sl below 0.70 | 0.40 of the at-risk pool |" in text
    assert "| 1 | sl at least 0.85 | 0.50 of the bonus pool |" in text
    assert "rising linearly to 0.30 at 480 s" in text
    assert "the vendor has 30 days to cure the breach, counted from the notice's date" in text
    assert "in 4 of any 6 consecutive months" in text
    assert "Liability: 1000 USD per incident never reported." in text


def test_render_lists_amendments_as_changes() -> None:
    text = CLEAN + (
        "amendments:\n  - effective_from: 2027-07-01\n    note: cure shortened\n"
        "    changes: {contract: {cure: {period_days: 15}}}\n"
    )
    markdown = render_markdown(load(text))
    assert "### Effective 2027-07-01 — cure shortened" in markdown
    assert "- cure period 30 → 15 days" in markdown


def test_html_escapes_what_the_parties_typed() -> None:
    text = replace("client: Acme Insurance", 'client: "<script>alert(1)</script> & Co"')
    page = render_html(load(text))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "<table>" in page
    assert "wait_s ≤ 20 s" in page
