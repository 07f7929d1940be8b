"""docs/kpis.md documents every metric, parameter and variant choice the engine accepts."""

from __future__ import annotations

from pathlib import Path

from callpact.kpi.definitions import METRIC_PARAMS, VARIANT_CHOICES

DOC = Path(__file__).resolve().parents[2] / "docs" / "kpis.md"


def test_every_metric_parameter_and_choice_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for metric, params in METRIC_PARAMS.items():
        assert f"`{metric}`" in text, metric
        for name in params:
            assert f"`{name}`" in text, (metric, name)
    for (metric, name), choices in VARIANT_CHOICES.items():
        for choice in choices:
            assert f"`{choice}`" in text, (metric, name, choice)


def test_the_contracts_metric_library_is_computable() -> None:
    """Every metric an annex may name has an engine definition."""
    from callpact.contracts import METRICS

    assert set(METRICS) <= set(METRIC_PARAMS)
    for metric, spec in METRICS.items():
        for param in spec.params:
            assert param.name in METRIC_PARAMS[metric], (metric, param.name)
