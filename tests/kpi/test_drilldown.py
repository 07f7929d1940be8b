"""The drill-down's rows add up to the engine's tile, and hand-worked cases name the contacts."""

from __future__ import annotations

import math
from typing import Any

import pytest

from callpact.kpi.definitions import Exclusion, KpiDefinition, Program
from callpact.kpi.drilldown import DRILLABLE, contributing_contacts

from .kpi_data import FolderSource
from .test_hand_worked import (
    HAND,
    VOICE,
    one,
    source,  # noqa: F401 (the module's fixture)
)

PROGRAM = Program("America/Chicago")


@pytest.mark.parametrize(
    ("metric", "params", "scope", "value", "sample"),
    [case for case in HAND if case[0] in DRILLABLE],
)
def test_rows_add_up_to_the_tile(  # noqa: PLR0917
    source: FolderSource,  # noqa: F811
    metric: str,
    params: dict[str, Any],
    scope: Any,
    value: float,
    sample: int,
) -> None:
    definition = KpiDefinition("k", metric, params, scope)
    drill = contributing_contacts(PROGRAM, definition, source, "2027-01")
    result = one(source, metric, params, scope)
    assert drill.sample == result.sample == sample
    if metric in ("asa", "aht"):
        total = sum(r.value_s or 0.0 for r in drill.rows)
        assert math.isclose(total / drill.sample, value, rel_tol=1e-12)
    else:
        assert math.isclose(drill.numerator / drill.sample, value, rel_tol=1e-12)


def test_missed_service_level_and_exclusions_name_the_contacts(
    source: FolderSource,  # noqa: F811
) -> None:
    definition = KpiDefinition(
        "sl",
        "service_level",
        {"threshold_s": 30},
        VOICE,
        exclusions=(Exclusion("declared_outages"), Exclusion("trainees_in_exemption")),
        trainee_exemption_days=14,
    )
    drill = contributing_contacts(PROGRAM, definition, source, "2027-01")
    # c1 falls in the outage, c4 is A9's within 14 days of training (see test_hand_worked)
    assert {r.contact_id: r.excluded_by for r in drill.only("excluded")} == {
        "c1": ("declared_outages",),
        "c4": ("trainees_in_exemption",),
    }
    # answered after 30.000001 s, and the two abandons past the short-abandon limit
    assert [r.contact_id for r in drill.only("missed")] == ["c3", "c6", "c7"]
    assert [r.contact_id for r in drill.rows if r.counts] == ["c2", "c8"]
    assert "c5" not in {r.contact_id for r in drill.rows if r.in_sample}  # a short abandon


def test_a_metric_without_contact_rows_is_refused(source: FolderSource) -> None:  # noqa: F811
    with pytest.raises(ValueError, match="no drill-down for metric 'occupancy'"):
        contributing_contacts(PROGRAM, KpiDefinition("o", "occupancy", {}, ()), source, "2027-01")
