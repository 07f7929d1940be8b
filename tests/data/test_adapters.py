"""Adapters round-trip vendor samples (tests/data/samples) to hand-worked canonical rows."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from callpact.data.adapters._common import json_documents
from callpact.data.ingest import DeliveryError, ingest_path
from callpact.data.sources import open_source
from callpact.data.workspace import Workspace

SAMPLES = Path(__file__).parent / "samples"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def contacts(ws: Path) -> dict[str, dict[str, Any]]:
    with open_source(ws) as src:
        return {r["contact_id"]: r for r in src.read_table("contacts").to_pylist()}


def row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "channel": "voice",
        "direction": "inbound",
        "answered_at": None,
        "talk_s": None,
        "hold_s": 0.0,
        "acw_s": 0.0,
        "agent_id": None,
        "customer_id": None,
        "transferred": False,
        "disposition": None,
    }
    base.update(values)
    return base


def test_asterisk_queue_log_with_rotation(tmp_path: Path) -> None:
    report = ingest_path(SAMPLES / "asterisk", tmp_path / "ws", source_format="asterisk")
    t_ = report.tables["contacts"]
    assert (t_.rows_read, t_.accepted, t_.rejected, t_.duplicates) == (6, 4, 2, 0)
    got = contacts(tmp_path / "ws")
    expected = {
        "1798794300.11": row(
            contact_id="1798794300.11",
            queue="members",
            offered_at=t("2027-01-01T09:05:00"),
            answered_at=t("2027-01-01T09:05:18"),
            ended_at=t("2027-01-01T09:08:20"),
            talk_s=182.0,
            agent_id="PJSIP/agent-1001",
            customer_id="3125550101",
            disposition="COMPLETECALLER",
        ),
        "1798794400.21": row(
            contact_id="1798794400.21",
            queue="members",
            offered_at=t("2027-01-01T09:06:40"),
            ended_at=t("2027-01-01T09:06:42"),
            customer_id="3125550102",
            disposition="ABANDON",
        ),
        "1798794410.31": row(
            contact_id="1798794410.31",
            queue="pharmacy",
            offered_at=t("2027-01-01T09:06:50"),
            ended_at=t("2027-01-01T09:07:50"),
            customer_id="3125550103",
            disposition="EXITWITHTIMEOUT",
        ),
        "1798794600.41": row(
            contact_id="1798794600.41",
            queue="members",
            offered_at=t("2027-01-01T09:10:00"),
            answered_at=t("2027-01-01T09:10:30"),
            ended_at=t("2027-01-01T09:11:40"),
            talk_s=70.0,
            agent_id="Local/1002@agents",
            customer_id="3125550104",
            transferred=True,
            disposition="TRANSFER",
        ),
    }
    assert got == expected
    codes = sorted((d.source.rsplit("/", 1)[-1], d.line, d.code) for d in report.diagnostics)
    assert codes == [("queue_log", 4, "R401"), ("queue_log", 5, "R401")]


def test_asterisk_single_rotated_file(tmp_path: Path) -> None:
    report = ingest_path(
        SAMPLES / "asterisk" / "queue_log.1", tmp_path / "ws", source_format="asterisk"
    )
    assert report.tables["contacts"].accepted == 3


def test_amazon_connect_firehose_array_and_redelivery(tmp_path: Path) -> None:
    report = ingest_path(
        SAMPLES / "amazon_connect", tmp_path / "ws", source_format="amazon-connect"
    )
    t_ = report.tables["contacts"]
    # 6 records: 3 versions of contact 4 (latest wins, 2 superseded), one never queued
    assert (t_.rows_read, t_.accepted, t_.rejected, t_.duplicates) == (6, 3, 1, 2)
    got = contacts(tmp_path / "ws")
    prefix = "11111111-aaaa-4bbb-8ccc-00000000000"
    assert got[prefix + "1"] == row(
        contact_id=prefix + "1",
        queue="members",
        offered_at=t("2027-01-05T15:01:00"),
        answered_at=t("2027-01-05T15:01:20"),
        ended_at=t("2027-01-05T15:05:40"),
        talk_s=250.0,
        hold_s=50.0,  # customer hold is part of handle time
        acw_s=30.0,
        agent_id="jdoe",
        customer_id="+13125550101",
        disposition="CUSTOMER_DISCONNECT",
    )
    assert got[prefix + "2"] == row(
        contact_id=prefix + "2",
        queue="members",
        offered_at=t("2027-01-05T15:02:01"),
        ended_at=t("2027-01-05T15:02:04"),
        customer_id="+13125550102",
        disposition="CUSTOMER_DISCONNECT",
    )
    assert got[prefix + "4"] == row(
        contact_id=prefix + "4",
        channel="chat",
        queue="members-chat",
        offered_at=t("2027-01-05T16:00:00"),
        answered_at=t("2027-01-05T16:00:10"),
        ended_at=t("2027-01-05T16:01:50"),
        talk_s=100.0,
        acw_s=45.0,  # from the record updated last (16:05), not the first one
        agent_id="asmith",
        transferred=True,
        disposition="AGENT_DISCONNECT",
    )
    (never_queued,) = report.diagnostics
    assert (never_queued.code, never_queued.line) == ("R401", 2)
    assert "never queued" in never_queued.message


def test_json_documents_reads_every_shape() -> None:
    one = '{"a": 1}'
    array = '[{"a": 1}, {"a": 2}]'
    lines = '{"a": 1}\n{"a": 2}\n'
    concatenated = '{"a": 1}{"a": 2}'
    assert [v for _, v, _ in json_documents(one)] == [{"a": 1}]
    for text in (array, lines, concatenated):
        assert [v for _, v, _ in json_documents(text)] == [{"a": 1}, {"a": 2}]
    assert [line for line, _, _ in json_documents(lines)] == [1, 2]


def test_amazon_connect_broken_json_is_rejected_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path / "ctr"
    folder.mkdir()
    shutil.copy(SAMPLES / "amazon_connect" / "redelivery.json", folder)
    (folder / "broken.json").write_text('{"ContactId": "x", ', encoding="utf-8")
    report = ingest_path(folder, tmp_path / "ws", source_format="amazon-connect")
    assert report.tables["contacts"].accepted == 1
    assert [d.code for d in report.diagnostics] == ["R401"]


def test_genesys_conversation_details(tmp_path: Path) -> None:
    report = ingest_path(
        SAMPLES / "genesys" / "conversations.json", tmp_path / "ws", source_format="genesys"
    )
    t_ = report.tables["contacts"]
    assert (t_.rows_read, t_.accepted, t_.rejected) == (3, 2, 1)
    got = contacts(tmp_path / "ws")
    assert got["c0a1b2c3-0000-4000-8000-000000000001"] == row(
        contact_id="c0a1b2c3-0000-4000-8000-000000000001",
        queue="q-members",
        offered_at=t("2027-01-05T15:00:30"),
        answered_at=t("2027-01-05T15:00:55.500"),
        ended_at=t("2027-01-05T15:06:00"),
        talk_s=124.5 + 120.0,  # two interact segments around the hold
        hold_s=60.0,
        acw_s=90.0,
        agent_id="u-agent-7",
        customer_id="tel:+13125550101",
        disposition="billing-question",
    )
    assert got["c0a1b2c3-0000-4000-8000-000000000002"] == row(
        contact_id="c0a1b2c3-0000-4000-8000-000000000002",
        channel="chat",
        queue="q-chat",
        offered_at=t("2027-01-05T15:10:05"),
        ended_at=t("2027-01-05T15:12:00"),
    )
    (ivr_only,) = report.diagnostics
    assert ivr_only.code == "R401"
    assert "queue" in ivr_only.message


def test_mapped_csv_with_yaml(tmp_path: Path) -> None:
    report = ingest_path(
        SAMPLES / "mapped" / "vendor_calls.csv",
        tmp_path / "ws",
        source_format="mapped",
        mapping=SAMPLES / "mapped" / "vendor_calls.yaml",
    )
    t_ = report.tables["contacts"]
    assert (t_.rows_read, t_.accepted, t_.rejected) == (4, 3, 1)
    got = contacts(tmp_path / "ws")
    assert got["R-1"] == row(
        contact_id="R-1",
        queue="members",
        offered_at=t("2027-01-05T15:00:00"),  # 09:00 in Chicago (UTC-6 in January)
        answered_at=t("2027-01-05T15:00:25"),
        ended_at=t("2027-01-05T15:05:25"),
        talk_s=250.0,
        hold_s=50.0,
        acw_s=20.0,
        agent_id="ag-17",
        customer_id="3125550101",
        disposition="ANS",
    )
    # ABN: the export's answer time and zero talk are cleared by the outcome code
    assert got["R-2"] == row(
        contact_id="R-2",
        queue="members",
        offered_at=t("2027-01-05T15:01:00"),
        ended_at=t("2027-01-05T15:01:03"),
        customer_id="3125550102",
        disposition="ABN",
    )
    assert got["R-3"]["offered_at"] == t("2027-03-07T08:30:00")
    assert got["R-3"]["answered_at"] is None
    (fax,) = report.diagnostics
    assert (fax.line, fax.code, fax.field) == (5, "R103", "channel")


def test_mapped_errors_are_delivery_errors_with_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("table: contacts\ncolumns:\n  contact_id: CallRef\n  queu: Skill\n")
    with pytest.raises(DeliveryError) as info:
        ingest_path(
            SAMPLES / "mapped" / "vendor_calls.csv",
            tmp_path / "ws",
            source_format="mapped",
            mapping=bad,
        )
    assert [(d.code, d.line) for d in info.value.diagnostics] == [("D006", 4)]
    assert Workspace(tmp_path / "ws").current() is None
