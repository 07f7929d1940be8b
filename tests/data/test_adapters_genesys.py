"""Genesys Cloud user status details, quality evaluations, web surveys and queue names
(samples in tests/data/samples/genesys_quality, sources in genesys_quality.SOURCES.md),
against hand-worked rows."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callpact.data.adapters.genesys_records import csat_of
from callpact.data.ingest import DeliveryError, ingest_path
from callpact.data.sources import open_source

QUALITY = Path(__file__).parent / "samples" / "genesys_quality"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(ws: Path, table: str) -> list[dict[str, Any]]:
    with open_source(ws) as src:
        return src.read_table(table).to_pylist()


@pytest.fixture(scope="module")
def quality(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    ws = tmp_path_factory.mktemp("genesys") / "ws"
    return ingest_path(QUALITY, ws, source_format="genesys"), ws


def messages(report: Any, name: str) -> list[tuple[int, str, str]]:
    return [
        (d.line, d.code, d.message) for d in report.diagnostics if d.source == str(QUALITY / name)
    ]


def test_routing_status_and_presence_become_state_intervals(quality: tuple[Any, Path]) -> None:
    report, ws = quality
    states = report.tables["agent_states"]
    assert (states.rows_read, states.accepted, states.rejected) == (8, 6, 2)
    assert [(r["state"], r["started_at"], r["ended_at"]) for r in rows(ws, "agent_states")] == [
        ("available", t("2027-01-05T15:00:00"), t("2027-01-05T15:00:50")),  # IDLE
        ("busy", t("2027-01-05T15:00:50"), t("2027-01-05T15:07:30")),  # INTERACTING
        ("available", t("2027-01-05T15:07:30"), t("2027-01-05T15:30:00")),
        # routing OFF_QUEUE: the presence says what the agent did
        ("break", t("2027-01-05T15:30:00"), t("2027-01-05T15:45:00")),
        ("available", t("2027-01-05T15:45:00"), t("2027-01-05T16:00:00")),  # NOT_RESPONDING
        ("offline", t("2027-01-05T16:00:00"), t("2027-01-05T17:00:00")),
    ]
    problems = messages(report, "users-details.json")
    assert [(line, code) for line, code, _ in problems] == [(20, "R401"), (20, "R401")]
    assert "'MEAL' from 2027-01-05T15:00:00.000Z has no endTime" in problems[0][2]
    assert "'PARTY' names no interchange state" in problems[1][2]


def test_quality_evaluations_become_qa_rows(quality: tuple[Any, Path]) -> None:
    report, ws = quality
    assert report.tables["qa_evaluations"].accepted == 2
    assert rows(ws, "qa_evaluations") == [
        {
            "evaluation_id": "ev-1",
            "contact_id": "c0a1b2c3-0000-4000-8000-000000000001",
            "agent_id": "u-agent-7",
            "evaluated_at": t("2027-01-06T10:00:00"),  # releaseDate
            "score": 92.5,
            "auto_fail": False,
        },
        {
            "evaluation_id": "ev-2",
            "contact_id": "c0a1b2c3-0000-4000-8000-000000000002",
            "agent_id": "u-agent-7",
            "evaluated_at": t("2027-01-06T11:00:00"),  # no releaseDate: changedDate
            "score": 70.0,
            "auto_fail": True,  # anyFailedKillQuestions
        },
    ]
    ((line, code, message),) = messages(report, "evaluations.json")
    assert (line, code) == (13, "R401")
    assert "'INPROGRESS'" in message


def test_web_surveys_become_survey_rows(quality: tuple[Any, Path]) -> None:
    report, ws = quality
    assert rows(ws, "surveys") == [
        {
            "contact_id": "c0a1b2c3-0000-4000-8000-000000000001",
            "responded_at": t("2027-01-05T15:20:00"),
            "csat": 4,  # totalScore 75 % of a 5-point scale: 1 + 0.75 × 4
            "nps": 9,
            "ces": None,
        }
    ]
    ((line, code, message),) = messages(report, "surveys.json")
    assert (line, code) == (7, "R401")
    assert "'Expired'" in message


def test_queue_objects_name_the_contacts_queues(quality: tuple[Any, Path]) -> None:
    _, ws = quality
    assert sorted(r["queue"] for r in rows(ws, "contacts")) == ["members", "members-chat"]


def test_a_queue_table_names_queues_and_an_unnamed_id_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    shutil.copy(QUALITY / "conversations.json", folder)
    (folder / "queues.csv").write_text("id,name\nq-members,members\n", encoding="utf-8")
    report = ingest_path(folder, tmp_path / "ws", source_format="genesys")
    assert [r["queue"] for r in rows(tmp_path / "ws", "contacts")] == ["members"]
    unnamed = [d for d in report.diagnostics if "'q-chat'" in d.message]
    assert [(d.code, d.line) for d in unnamed] == [("R401", 27)]  # the line of its conversationId


def test_a_broken_queue_table_fails_the_delivery(tmp_path: Path) -> None:
    folder = tmp_path / "delivery"
    folder.mkdir()
    shutil.copy(QUALITY / "conversations.json", folder)
    (folder / "queues.csv").write_text("id,name\nq-members,\n", encoding="utf-8")
    with pytest.raises(DeliveryError) as caught:
        ingest_path(folder, tmp_path / "ws", source_format="genesys")
    ((diag,),) = [caught.value.diagnostics]
    assert (diag.code, diag.line, diag.source) == ("D006", 2, str(folder / "queues.csv"))


@pytest.mark.parametrize(
    ("total", "csat"), [(0, "1"), (25, "2"), (50, "3"), (100, "5"), (None, None)]
)
def test_survey_total_score_on_the_csat_scale(total: float | None, csat: str | None) -> None:
    assert csat_of(total) == csat
