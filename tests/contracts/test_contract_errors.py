"""Every error kind (CP0xx) on a small annex, each at the line and column a reader expects."""

from __future__ import annotations

from pathlib import Path

from annex_text import CLEAN, errors, only, position, replace

from callpact.contracts import load_contract, load_contract_text
from callpact.contracts.codes import ERROR_CODES
from callpact.diagnostics import Severity


def test_the_clean_annex_loads_without_a_diagnostic() -> None:
    contract, found = load_contract_text(CLEAN, "annex.yaml")
    assert found == []
    assert contract is not None
    assert contract.id == "acme-2027"


def test_yaml_syntax_error_points_where_the_parser_gave_up() -> None:
    # The flow mapping is never closed, so `at_risk:` on the next line is read inside it and
    # its colon is where the parser fails.
    text = replace("amount: 40000}", "amount: 40000")
    found = errors(text)
    assert [d.code for d in found] == ["CP001"]
    assert only(found, "CP001") == [(position(text, "at_risk")[0], len("  at_risk:"))]
    assert found[0].format().startswith("annex.yaml:10:10: error[CP001]: YAML syntax")


def test_unreadable_file_and_non_mapping_root(tmp_path: Path) -> None:
    contract, found = load_contract(tmp_path / "missing.yaml")
    assert contract is None
    assert [(d.code, d.line) for d in found] == [("CP001", 0)]
    assert [d.code for d in errors("- voice\n- chat\n")] == ["CP005"]
    assert [d.code for d in errors("")] == ["CP005"]


def test_duplicate_key_is_reported_at_the_second_occurrence() -> None:
    text = replace("  currency: USD\n", "  currency: USD\n  currency: EUR\n")
    found = errors(text)
    assert [d.code for d in found] == ["CP002"]
    assert only(found, "CP002") == [position(text, "currency: EUR")]


def test_unknown_key_suggests_the_nearest_name() -> None:
    text = replace("period_days: 30}", "period_days: 30, credit_during_cure: applied}")
    found = errors(text)
    assert [d.code for d in found] == ["CP003"]
    assert only(found, "CP003") == [position(text, "credit_during_cure")]
    assert "did you mean 'credits_during_cure'?" in found[0].message


def test_unknown_section_suggests_the_section() -> None:
    text = CLEAN + "incident:\n  categories: [x]\n"
    found = errors(text)
    assert only(found, "CP003") == [position(text, "incident:\n")]
    assert "did you mean 'incidents'?" in found[0].message


def test_every_error_is_reported_not_just_the_first() -> None:
    text = replace("  client: Acme Insurance\n", "")
    text = replace("time_zone: America/Chicago", "time_zone: America/Chicgo", text)
    text = replace("metric: aht", "metric: ahtt", text)
    text = replace("min_sample: 300\n    exclusions", "min_sample: lots\n    exclusions", text)
    found = errors(text)
    assert sorted(d.code for d in found) == ["CP004", "CP005", "CP007", "CP008"]
    assert all(d.severity is Severity.ERROR for d in found)
    # A missing field is reported at the mapping that lacks it.
    assert only(found, "CP004") == [position(text, "contract:")]
    assert only(found, "CP007") == [position(text, "America/Chicgo")]
    assert only(found, "CP008") == [position(text, "ahtt")]
    assert only(found, "CP005") == [position(text, "lots")]


def test_missing_required_section() -> None:
    text = CLEAN[: CLEAN.index("scope:")] + CLEAN[CLEAN.index("kpis:") :]
    found = errors(text)
    assert [(d.code, d.line, d.column) for d in found] == [("CP004", 1, 1)]
    assert "'scope'" in found[0].message


def test_values_out_of_range_or_not_allowed() -> None:
    text = replace("amount: 40000", "amount: -5")
    text = replace(
        "    min_sample: 300\n    exclusions",
        "    period: monthly\n    min_sample: 300\n    exclusions",
        text,
    )
    found = errors(text)
    assert only(found, "CP006") == [position(text, "-5"), position(text, "monthly\n")]
    assert "did you mean 'month'?" in found[1].message


def test_unknown_time_zone() -> None:
    text = replace("America/Chicago", "Mars/Olympus_Mons")
    found = errors(text)
    assert only(found, "CP007") == [position(text, "Mars/")]


def test_unknown_metric_suggests_the_nearest_one() -> None:
    text = replace("metric: service_level", "metric: servicelevel")
    found = errors(text)
    assert only(found, "CP008") == [position(text, "servicelevel")]
    assert "did you mean 'service_level'?" in found[0].message


def test_metric_parameters_are_checked_per_metric() -> None:
    unknown = replace("{threshold_s: 20}", "{threshold_s: 20, treshold: 3}")
    found = errors(unknown)
    assert only(found, "CP009") == [position(unknown, "3}\n")]
    assert "did you mean 'threshold_s'?" in found[0].message

    negative = replace("{threshold_s: 20}", "{threshold_s: -20}")
    found = errors(negative)
    assert only(found, "CP009") == [position(negative, "-20}")]
    assert "negative threshold" in found[0].message

    missing = replace("    params: {threshold_s: 20}\n", "")
    found = errors(missing)
    # No params at all: reported at the KPI, which lacks its required threshold.
    assert only(found, "CP009") == [position(missing, "id: sl")]

    fcr = replace("metric: aht", "metric: fcr\n    params: {window_days: 2.5}")
    assert only(errors(fcr), "CP009") == [position(fcr, "2.5")]


def test_params_get_their_defaults() -> None:
    contract, _ = load_contract_text(CLEAN)
    assert contract is not None
    spec = contract.first.kpi("sl")
    assert spec.param("threshold_s") == 20
    assert spec.param("short_abandon_s") == 5  # the interchange spec's default


def test_tiers_in_an_impossible_order() -> None:
    text = replace(
        "      - {below: 0.80, credit: 0.20}\n      - {below: 0.70, credit: 0.40}",
        "      - {below: 0.70, credit: 0.40}\n      - {below: 0.80, credit: 0.20}",
    )
    found = errors(text)
    assert only(found, "CP010") == [position(text, "0.80, credit")]


def test_tier_pointing_the_wrong_way_for_the_target() -> None:
    text = replace("{at_least: 0.85, bonus: 0.50}", "{below: 0.85, bonus: 0.50}")
    found = errors(text)
    assert only(found, "CP010") == [position(text, "0.85, bonus")]
    linear = replace("linear_to: {value: 480", "linear_to: {value: 380")
    assert only(errors(linear), "CP010") == [position(linear, "380")]


def test_dates_out_of_the_term() -> None:
    text = replace("due: 2027-03-31", "due: 2028-03-31")
    found = errors(text)
    assert only(found, "CP011") == [position(text, "2028-03-31")]
    backwards = replace("end: 2027-12-31", "end: 2026-12-31")
    assert only(errors(backwards), "CP011") == [position(backwards, "2026-12-31")]
    amended = (
        CLEAN
        + "amendments:\n  - effective_from: 2028-02-01\n"
        + "    changes: {contract: {cure: {period_days: 15}}}\n"
    )
    found = errors(amended)
    assert [d.code for d in found] == ["CP011"]
    assert found[0].line == position(amended, "amendments:")[0]


def test_references_that_name_nothing() -> None:
    text = replace("queues: [members], hours: main}", "queues: [members], hours: mian}")
    found = errors(text)
    assert only(found, "CP012") == [position(text, "mian")]
    assert "did you mean 'main'?" in found[0].message
    channel = replace(
        "scope: {channels: [voice], hours: main}", "scope: {channels: [chat], hours: main}"
    )
    assert only(errors(channel), "CP012") == [position(channel, "chat]")]
    queue = replace(
        "scope: {channels: [voice], hours: main}", "scope: {queues: [member], hours: main}"
    )
    found = errors(queue)
    assert only(found, "CP012") == [position(queue, "member]")]
    assert "did you mean 'members'?" in found[0].message


def test_duplicate_kpi_id() -> None:
    text = replace("  - id: aht\n", "  - id: sl\n")
    found = errors(text)
    assert only(found, "CP013") == [position(text, "sl\n", 2)]


def test_amendments_out_of_order() -> None:
    text = CLEAN + (
        "amendments:\n"
        "  - effective_from: 2027-07-01\n    changes: {kpis: [{id: sl, target: 0.82}]}\n"
        "  - effective_from: 2027-05-01\n    changes: {kpis: [{id: sl, target: 0.83}]}\n"
    )
    found = errors(text)
    assert only(found, "CP014") == [position(text, "2027-05-01")]


def test_unreadable_hours() -> None:
    text = replace('"mon-fri 08:00-18:00"', '"mon-fri 18:00-08:00"')
    found = errors(text)
    assert only(found, "CP015") == [position(text, '"mon-fri 18:00')]
    assert "split a window across midnight" in found[0].message
    holidays = replace("holidays: us-federal", "holidays: us-federl")
    assert only(errors(holidays), "CP015") == [position(holidays, "us-federl")]


def test_every_error_code_is_exercised_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    missing = [code for code in ERROR_CODES if f'"{code}"' not in source]
    assert missing == []
