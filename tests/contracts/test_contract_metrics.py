"""The metric library: parameters per metric (default and variants), and formula words that
follow docs/interchange.md's reference semantics with the annex's values filled in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from annex_text import errors, only, position, replace, warnings

from callpact.contracts import METRICS, kpi_formula_words, load_contract_text
from callpact.contracts.metrics import formula_words


def sl_words(params: str) -> str:
    contract, found = load_contract_text(replace("{threshold_s: 20}", params))
    assert contract is not None, [d.format() for d in found]
    return kpi_formula_words(contract.first.kpi("sl"))


def test_the_metric_ids_are_the_interchange_list() -> None:
    assert sorted(METRICS) == sorted(
        [
            "service_level",
            "abandon_rate",
            "short_abandon_rate",
            "asa",
            "aht",
            "transfer_rate",
            "fcr",
            "csat",
            "nps",
            "ces",
            "qa_score",
            "verbatim_fidelity",
            "interval_service_level",
            "occupancy",
            "schedule_adherence",
            "forecast_accuracy",
        ]
    )


def test_default_words_follow_the_reference_semantics() -> None:
    words = sl_words("{threshold_s: 20, short_abandon_s: 3}")
    assert words.startswith("answered contacts with wait_s ≤ 20 s ÷ offered contacts;")
    assert "minus short abandons (a short abandon is an unanswered contact with wait_s < 3 s)" in (
        words
    )
    assert "wait_s = (answered_at or, if never answered, ended_at) − offered_at" in words
    fcr = formula_words("fcr", {"window_days": 3})
    assert "in any of the KPI's channels and queues (not necessarily a's own)" in fcr
    assert "local b.offered_at ≤ local a.offered_at + 3 days" in fcr
    assert "the look-ahead may cross the period's end" in fcr
    csat = formula_words("csat", {})
    assert csat.startswith("survey responses with csat ≥ 4 ÷ survey responses with a csat answer")
    assert "not of responded_at" in csat
    assert formula_words("qa_score", {}).startswith("mean of score ÷ 100 (0 where auto_fail)")
    assert formula_words("aht", {}).startswith("mean of talk_s + hold_s + acw_s")


@pytest.mark.parametrize(
    ("variant", "phrase"),
    [
        ("excluded", "÷ answered contacts (abandoned contacts left out)"),
        ("neutral_within", "÷ (offered contacts minus unanswered contacts with wait_s ≤ 20 s"),
        ("met_within", "(answered contacts with wait_s ≤ 20 s + unanswered contacts with wait_s"),
    ],
)
def test_service_level_variants_change_the_words(variant: str, phrase: str) -> None:
    assert phrase in sl_words(f"{{threshold_s: 20, abandons: {variant}}}")


def test_other_variants_change_the_words() -> None:
    assert "in a's own queue" in formula_words("fcr", {"same_queue": True})
    assert formula_words("csat", {"method": "mean"}).startswith("mean csat answer (1–5)")
    assert formula_words("ces", {"method": "top_box"}).startswith("survey responses with ces ≥ 5")
    tolerance = formula_words("forecast_accuracy", {"method": "within_tolerance"})
    assert "by at most 0.1 × the forecast" in tolerance


def test_variant_parameters_are_checked() -> None:
    text = replace("{threshold_s: 20}", "{threshold_s: 20, abandons: exclude}")
    found = errors(text)
    assert only(found, "CP009") == [position(text, "exclude}")]
    assert "did you mean 'excluded'?" in found[0].message
    flag = replace("metric: aht", "metric: fcr\n    params: {same_queue: yes please}")
    assert only(errors(flag), "CP009") == [position(flag, "yes please")]
    quoted = replace("{threshold_s: 20}", '{threshold_s: "20"}')
    assert only(errors(quoted), "CP009") == [position(quoted, '"20"')]


def test_a_csat_mean_target_is_on_the_answer_scale() -> None:
    base = replace("metric: aht\n    target: {at_most: 400}", "metric: csat\n    target: 4.2")
    base = replace(
        "{above: 400, credit: 0.10, linear_to: {value: 480, credit: 0.30}}",
        "{below: 4.2, credit: 0.10, linear_to: {value: 3.5, credit: 0.30}}",
        base,
    )
    # As a top-box share, 4.2 is out of reach; as a mean of 1–5 answers it is a fine target.
    assert "CP115" in {d.code for d in warnings(base)}
    mean = replace("metric: csat\n", "metric: csat\n    params: {method: mean}\n", base)
    assert "CP115" not in {d.code for d in warnings(mean)}
    contract, _ = load_contract_text(mean)
    assert contract is not None
    assert contract.first.kpi("aht").value_range == (Decimal(1), Decimal(5))


def test_every_parameter_default_is_valid_for_its_own_kind() -> None:
    for spec in METRICS.values():
        for param in spec.params:
            if param.kind == "choice":
                assert param.default in param.choices
            elif param.kind == "flag":
                assert param.default is False
            elif param.default is not None:
                assert param.default >= param.minimum


def test_every_parameter_problem_of_a_kpi_is_reported() -> None:
    text = replace("{threshold_s: 20}", "{threshold_s: {a: 1}, foo: 2, short_abandon_s: -1}")
    found = errors(text)
    assert [(d.code, d.line, d.column) for d in found] == [
        ("CP009", *position(text, "threshold_s: {a")),  # a mapping value: at its key
        ("CP009", *position(text, "2, short")),
        ("CP009", *position(text, "-1}")),
    ]
