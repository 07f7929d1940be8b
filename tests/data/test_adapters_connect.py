"""Amazon Connect agent events, contact evaluations and CTR surveys, against hand-worked rows.

Samples in tests/data/samples/amazon_connect_desk, their sources in
amazon_connect_desk.SOURCES.md beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callpact.data.adapters.connect_agent_events import status_state
from callpact.data.ingest import ingest_path
from callpact.data.sources import open_source

DESK = Path(__file__).parent / "samples" / "amazon_connect_desk"
EVENTS = str(DESK / "agent-events-2027-01-05")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(ws: Path, table: str) -> list[dict[str, Any]]:
    with open_source(ws) as src:
        return src.read_table(table).to_pylist()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    ws = tmp_path_factory.mktemp("desk") / "ws"
    return ingest_path(DESK, ws, source_format="amazon-connect"), ws


def test_agent_events_become_state_intervals(desk: tuple[Any, Path]) -> None:
    report, ws = desk
    states = report.tables["agent_states"]
    # 13 event records: 10 intervals, the redelivered e0007, two unreadable events
    assert (states.rows_read, states.accepted, states.rejected, states.duplicates) == (13, 10, 2, 1)
    jdoe = [
        (r["state"], r["started_at"], r["ended_at"])
        for r in rows(ws, "agent_states")
        if r["agent_id"] == "jdoe"
    ]
    assert jdoe == [
        ("available", t("2027-01-05T15:00:00"), t("2027-01-05T15:01:20")),
        ("busy", t("2027-01-05T15:01:20"), t("2027-01-05T15:03:00")),
        ("hold", t("2027-01-05T15:03:00"), t("2027-01-05T15:03:50")),
        ("busy", t("2027-01-05T15:03:50"), t("2027-01-05T15:05:10")),
        ("acw", t("2027-01-05T15:05:10"), t("2027-01-05T15:05:40")),
        # Available's StartTimestamp (15:00) predates the call: available again from the event
        ("available", t("2027-01-05T15:05:40"), t("2027-01-05T15:10:00")),
        ("break", t("2027-01-05T15:10:00"), t("2027-01-05T15:40:00")),  # status "Lunch"
        ("available", t("2027-01-05T15:40:00"), t("2027-01-05T15:45:00")),
        ("offline", t("2027-01-05T15:45:00"), t("2027-01-05T15:47:00")),  # to the heartbeat
    ]
    # AWS's own sample: Available since 20:52:30.704 up to its heartbeat at 20:58:44.031
    (aws,) = [r for r in rows(ws, "agent_states") if r["agent_id"] == "aestest"]
    assert (aws["state"], aws["started_at"], aws["ended_at"]) == (
        "available",
        datetime(2019, 8, 13, 20, 52, 30, 704000, tzinfo=UTC),
        datetime(2019, 8, 13, 20, 58, 44, 31000, tzinfo=UTC),
    )
    unreadable = [(d.line, d.code, d.message) for d in report.diagnostics if d.source == EVENTS]
    assert [(line, code) for line, code, _ in unreadable] == [(10, "R401"), (11, "R401")]
    assert "without CurrentAgentSnapshot" in unreadable[0][2]
    assert "'Fishing' names no interchange state" in unreadable[1][2]


def test_contact_evaluations_become_qa_rows(desk: tuple[Any, Path]) -> None:
    report, ws = desk
    qa = report.tables["qa_evaluations"]
    # 5 files: AWS's sample, ours, its copy under the deprecated path, an auto-fail, a draft
    assert (qa.rows_read, qa.accepted, qa.rejected, qa.duplicates) == (5, 3, 1, 1)
    got = {r["evaluation_id"]: r for r in rows(ws, "qa_evaluations")}
    assert got["0e5a1c1e-7777-4000-8000-000000000001"] == {
        "evaluation_id": "0e5a1c1e-7777-4000-8000-000000000001",
        "contact_id": "11111111-aaaa-4bbb-8ccc-000000000101",
        "agent_id": "jdoe",  # the user id resolved to the username the agent events give
        "evaluated_at": t("2027-01-06T09:12:00"),
        "score": 87.5,
        "auto_fail": False,
    }
    failed = got["0e5a1c1e-7777-4000-8000-000000000002"]
    assert (failed["score"], failed["auto_fail"]) == (60.0, True)
    aws = got["fb90de35-4507-479a-8b57-970290fd5c2c"]
    # no agent event names this user: the id stays as given
    assert (aws["agent_id"], aws["score"]) == ("286bcec0-e722-4166-865f-84db80252218", 100.0)
    (draft,) = [d for d in report.diagnostics if "000000000003" in d.source]
    assert (draft.code, draft.line) == ("R401", 1)
    assert "without metadata.score" in draft.message


def test_ctr_survey_attributes_become_surveys(desk: tuple[Any, Path]) -> None:
    report, ws = desk
    surveys = report.tables["surveys"]
    assert (surveys.rows_read, surveys.accepted, surveys.rejected) == (2, 1, 1)
    assert rows(ws, "surveys") == [
        {
            "contact_id": "11111111-aaaa-4bbb-8ccc-000000000101",
            "responded_at": t("2027-01-05T15:06:30"),
            "csat": 5,
            "nps": 9,
            "ces": None,
        }
    ]
    (bad,) = [d for d in report.diagnostics if d.code == "R107"]
    assert (bad.source, bad.line, bad.field) == (str(DESK / "ctr-2027-01-05"), 2, "csat")
    contacts = report.tables["contacts"]
    # the survey's reject keeps its contact
    assert (contacts.rows_read, contacts.accepted, contacts.rejected) == (3, 3, 0)


def test_second_delivery_of_the_same_files_changes_nothing(
    desk: tuple[Any, Path],
) -> None:
    _, ws = desk
    before = {t_: rows(ws, t_) for t_ in ("agent_states", "qa_evaluations", "surveys")}
    again = ingest_path(DESK, ws, source_format="amazon-connect")
    for table in ("agent_states", "qa_evaluations", "surveys", "contacts"):
        report = again.tables[table]
        assert report.accepted == 0, table
        assert report.duplicates == report.rows_read - report.rejected, table
    assert {t_: rows(ws, t_) for t_ in before} == before


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("Available", "available"),
        ("Offline", "offline"),
        ("Lunch", "break"),
        ("Coffee Break", "break"),
        ("Team Meeting", "meeting"),
        ("Coaching", "training"),
    ],
)
def test_ccp_status_names_map_to_states(name: str, state: str) -> None:
    assert status_state(name) == state


def test_unknown_ccp_status_is_an_error() -> None:
    with pytest.raises(ValueError, match="'Fishing'"):
        status_state("Fishing")
