"""Amendments: successive versions, the version governing a date or month, merge rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from annex_text import CLEAN, errors, position

from callpact.contracts import Contract, load_contract, load_contract_text

AMENDED = (
    CLEAN
    + """\
amendments:
  - effective_from: 2027-07-01
    note: target raised, chat added
    changes:
      contract: {cure: {period_days: 15}}
      scope:
        channels:
          - {channel: voice, queues: [members], hours: main}
          - {channel: chat, queues: [members-chat], hours: main}
      kpis:
        - id: sl
          target: 0.82
          penalties: [{below: 0.82, credit: 0.20}, {below: 0.72, credit: 0.40}]
        - {id: aht, remove: true}
        - id: asa-chat
          metric: asa
          scope: {channels: [chat]}
          target: {at_most: 30}
          min_sample: 100
  - effective_from: 2027-10-15
    changes:
      kpis:
        - {id: asa-chat, target: {at_most: 25}}
"""
)


def amended() -> Contract:
    contract, found = load_contract_text(AMENDED, "annex.yaml")
    assert found == [], [d.format() for d in found]
    assert contract is not None
    return contract


def test_versions_take_effect_on_their_dates() -> None:
    contract = amended()
    assert [v.effective_from for v in contract.versions] == [
        date(2027, 1, 1),
        date(2027, 7, 1),
        date(2027, 10, 15),
    ]
    assert contract.version_on(date(2027, 6, 30)) is contract.versions[0]
    assert contract.version_on(date(2027, 7, 1)) is contract.versions[1]
    assert contract.version_on(date(2027, 10, 14)) is contract.versions[1]
    assert contract.version_on(date(2027, 10, 15)) is contract.versions[2]
    with pytest.raises(ValueError, match="before contract acme-2027 takes effect"):
        contract.version_on(date(2026, 12, 31))


def test_a_month_is_governed_by_the_version_in_force_on_its_first_day() -> None:
    contract = amended()
    assert contract.version_for_month("2027-06") is contract.versions[0]
    assert contract.version_for_month("2027-07") is contract.versions[1]
    # Effective mid-October: October stays under the July version, November takes the new one.
    assert contract.version_for_month("2027-10") is contract.versions[1]
    assert contract.version_for_month("2027-11") is contract.versions[2]
    with pytest.raises(ValueError, match="not a month"):
        contract.version_for_month("2027-13")


def test_changes_merge_into_the_previous_version() -> None:
    first, july, october = amended().versions
    assert first.contract.cure is not None
    assert first.contract.cure.period_days == 30
    assert july.contract.cure is not None
    assert july.contract.cure.period_days == 15
    assert july.contract.cure.notice_required is True  # untouched keys are kept
    assert [k.id for k in first.kpis] == ["sl", "aht"]
    assert [k.id for k in july.kpis] == ["sl", "asa-chat"]
    assert july.kpi("sl").target.value == Decimal("0.82")
    assert july.kpi("sl").param("threshold_s") == 20  # merged, not replaced
    assert july.note == "target raised, chat added"
    assert october.kpi("asa-chat").target.value == 25
    assert october.kpi("asa-chat").min_sample == 100
    assert [c.channel for c in october.scope.channels] == ["voice", "chat"]


def test_an_error_inside_an_amendment_points_at_the_amendment() -> None:
    text = AMENDED.replace("target: {at_most: 25}", "target: {at_most: 25}, metric: asaa")
    found = errors(text)
    assert [(d.code, d.line, d.column) for d in found] == [("CP008", *position(text, "asaa"))]


def test_an_amendment_may_not_reach_a_kpi_out_of_scope() -> None:
    text = AMENDED.replace(
        "{id: asa-chat, target: {at_most: 25}}", "{id: asa-chat, scope: {channels: [email]}}"
    )
    found = errors(text)
    assert [(d.code, d.line) for d in found] == [("CP012", position(text, "email")[0])]


def test_fingerprints_differ_between_versions_and_are_stable() -> None:
    first, july, _ = amended().versions
    again = amended().versions[0]
    assert first.fingerprint() == again.fingerprint()
    assert first.fingerprint() != july.fingerprint()


@pytest.mark.parametrize("name", ["annex.yaml", "techsupport-per-minute.yaml"])
def test_examples_load_and_round_trip(name: str, tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    root = Path(__file__).resolve().parents[2] / "examples"
    contract, found = load_contract(root / name)
    assert [d for d in found if d.severity.value == "error"] == []
    assert contract is not None
    # A version dumped in the annex's shape reads back as the same version.
    for version in contract.versions:
        out = tmp_path / "dumped.yaml"
        yaml = YAML(typ="safe")
        yaml.default_flow_style = False
        yaml.representer.add_representer(
            Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", str(d))
        )
        yaml.representer.add_representer(
            tuple, lambda r, d: r.represent_sequence("tag:yaml.org,2002:seq", list(d))
        )
        yaml.dump(version.to_annex(), out)
        again, problems = load_contract(out)
        assert problems == []
        assert again is not None
        assert again.first.model_dump(exclude={"effective_from", "note"}) == version.model_dump(
            exclude={"effective_from", "note"}
        )


def test_the_health_plan_example_keeps_the_ids_others_rely_on() -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    contract, _ = load_contract(root / "annex.yaml")
    assert contract is not None
    assert contract.id == "northwind-harbor-2027"
    ids = [k.id for k in contract.first.kpis]
    assert ids == ["sl-voice", "abandon-voice", "aht-voice", "fcr", "csat", "qa", "verbatim"]
    terms = contract.first.contract
    assert (terms.fee.model, terms.fee.amount) == ("fixed_monthly", 60000)
    assert terms.cure is not None
    assert terms.cure.period_days == 30
    assert terms.termination is not None
    assert terms.termination.for_convenience_notice_days == 30


def test_an_amendment_cannot_change_the_contract_id_or_start() -> None:
    text = CLEAN + (
        "amendments:\n  - effective_from: 2027-07-01\n"
        "    changes: {contract: {id: acme-2028, term: {start: 2027-02-01}}}\n"
    )
    found = errors(text)
    assert [(d.code, d.line, d.column) for d in found] == [
        ("CP006", *position(text, "acme-2028")),
        ("CP006", *position(text, "2027-02-01")),
    ]
