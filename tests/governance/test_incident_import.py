"""`incident import` on SQLite and PostgreSQL: rows are read and type-checked by the data layer
(the codes and wording of `callpact ingest`), then held against the contract; one bad row stops
the whole import, and every diagnostic names the file, the line and the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from governance_world import World
from sqlalchemy import select

from callpact.governance.audit import service as audit
from callpact.governance.claim import service as claims
from callpact.governance.incident import service as incidents
from callpact.governance.incident.models import Incident

CID = "northwind-harbor-2027"
T1 = datetime(2027, 1, 8, 9, tzinfo=UTC)
HEADER = "incident_id,category,severity,occurred_at,detected_at,reported_at,description"
GOOD = (
    "I-1,legal_threat,critical,2027-01-05T10:00:00-06:00,,2027-01-05T10:30:00-06:00,ok",
    "I-2,safety,minor,2027-01-06T08:00:00Z,2027-01-06T09:00:00Z,,",
)


# the vendor imports its incident log after the rows it lists
IMPORTED_AT = datetime(2027, 1, 7, 12, tzinfo=UTC)


def _file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "incidents.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def _import(world: World, path: Path) -> tuple[int, list[tuple[str, int, int, str, str]]]:
    count, diagnostics = incidents.import_incidents(
        world.session, world.vendor_admin, CID, path, now=IMPORTED_AT
    )
    return count, [(d.source, d.line, d.column, d.field, d.code) for d in diagnostics]


def _stored(world: World) -> list[str]:
    world.session.flush()
    return list(
        world.session.scalars(select(Incident.incident_ref).order_by(Incident.incident_ref))
    )


def test_a_good_file_imports_every_row(world: World, tmp_path: Path) -> None:
    assert _import(world, _file(tmp_path, *GOOD)) == (2, [])
    imported = incidents.incident_records(world.session, world.client_admin, CID, "2027-01")
    records = {record.incident_id: record for record in imported}
    # the offset is applied: 10:00 in Chicago is 16:00 UTC
    assert records["I-1"].occurred_at == datetime(2027, 1, 5, 16, tzinfo=UTC)
    assert records["I-1"].detected_at == records["I-1"].occurred_at  # empty: detected at once
    # reported when imported, until the client accepts the file's moment as a claim
    assert records["I-1"].reported_at == IMPORTED_AT
    assert records["I-2"].detected_at == datetime(2027, 1, 6, 9, tzinfo=UTC)
    assert records["I-2"].reported_at is None  # empty: never reported (and no claim)
    [claim] = claims.list_claims(world.session, world.client_admin, CID, status="pending")
    assert (claim.record_ref, claim.claimed_at, claim.recorded_at) == (
        "report of incident I-1",
        datetime(2027, 1, 5, 16, 30, tzinfo=UTC),
        IMPORTED_AT,
    )
    claims.decide_claim(world.session, world.client_admin, CID, claim.id, accept=True, now=T1)
    [accepted] = incidents.incident_records(world.session, world.client_admin, CID, "2027-01")[:1]
    assert accepted.reported_at == datetime(2027, 1, 5, 16, 30, tzinfo=UTC)
    world.session.flush()
    assert audit.verify(world.session).ok


def test_a_reported_at_after_the_import_is_refused(world: World, tmp_path: Path) -> None:
    later = "I-9,safety,minor,2027-01-05T10:00:00Z,,2027-01-08T10:00:00Z,"
    count, found = _import(world, _file(tmp_path, GOOD[0], later))
    assert (count, [(line, field, code) for _, line, _, field, code in found]) == (
        0,
        [(3, "reported_at", "G106")],
    )
    assert _stored(world) == []


@pytest.mark.parametrize(
    ("bad_row", "expected", "wording"),
    [
        pytest.param(
            "I-3,safety,minor,2027-01-05T10:00:00,,,",
            (4, 4, "occurred_at", "R104"),
            "'2027-01-05T10:00:00' has no UTC offset",
            id="timestamp-without-offset",
        ),
        pytest.param(
            "I-3,safety,minor,2027-01-05,,,",
            (4, 4, "occurred_at", "R104"),
            "has no UTC offset",
            id="date-for-a-timestamp",
        ),
        pytest.param(
            "I-3,safety,minor,yesterday,,,",
            (4, 4, "occurred_at", "R105"),
            "'yesterday' is not an ISO 8601 date-time with offset",
            id="not-a-timestamp",
        ),
        pytest.param(
            "I-3,safety,minor,2027-01-05T10:00:00Z,2027-01-05T09:00:00Z,,",
            (4, 5, "detected_at", "R203"),
            "detected_at 2027-01-05T09:00:00.000000Z is before occurred_at",
            id="detected-before-occurred",
        ),
        pytest.param(
            ",safety,minor,2027-01-05T10:00:00Z,,,",
            (4, 1, "incident_id", "R101"),
            "incident_id is required",
            id="empty-id",
        ),
        pytest.param(
            "I-3,safety,severe,2027-01-05T10:00:00Z,,,",
            (4, 3, "severity", "G102"),
            "severity 'severe' has no notification deadline",
            id="unknown-severity",
        ),
        pytest.param(
            "I-3,weather,minor,2027-01-05T10:00:00Z,,,",
            (4, 2, "category", "G101"),
            "category 'weather' is not in the contract's incident protocol",
            id="unknown-category",
        ),
        pytest.param(
            "I-3,safety,minor,2027-01-05T10:00:00Z,2027-01-05T11:00:00Z,2027-01-05T10:30:00Z,",
            (4, 6, "reported_at", "G103"),
            "reported before it was detected",
            id="reported-before-detected",
        ),
        pytest.param(
            "I-1,safety,minor,2027-01-05T10:00:00Z,,,",
            (4, 1, "incident_id", "G105"),
            "incident I-1 repeats line 2",
            id="duplicate-id",
        ),
    ],
)
def test_one_bad_row_among_good_ones_stores_nothing(
    world: World,
    tmp_path: Path,
    bad_row: str,
    expected: tuple[int, int, str, str],
    wording: str,
) -> None:
    path = _file(tmp_path, *GOOD, bad_row)
    count, diagnostics = incidents.import_incidents(
        world.session, world.vendor_admin, CID, path, now=IMPORTED_AT
    )
    assert count == 0
    [diagnostic] = diagnostics
    assert (diagnostic.source, diagnostic.line, diagnostic.column) == (str(path), *expected[:2])
    assert (diagnostic.field, diagnostic.code) == expected[2:]
    assert wording in diagnostic.message
    assert diagnostic.format().startswith(f"{path}:{expected[0]}:{expected[1]}: error[")
    assert _stored(world) == []


def test_a_missing_column_stops_the_import_before_any_row(world: World, tmp_path: Path) -> None:
    header = HEADER.replace("severity,", "")
    rows = [",".join(p for i, p in enumerate(row.split(",")) if i != 2) for row in GOOD]
    path = _file(tmp_path, *rows, header=header)
    count, diagnostics = incidents.import_incidents(
        world.session, world.vendor_admin, CID, path, now=IMPORTED_AT
    )
    assert count == 0
    [missing] = diagnostics
    assert (missing.source, missing.line, missing.field, missing.code) == (
        str(path),
        1,
        "severity",
        "D001",
    )
    assert missing.message == "required column 'severity' is missing"
    assert _stored(world) == []


def test_every_bad_row_is_reported_in_file_order(world: World, tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        *GOOD,
        "I-3,weather,critical,2027-01-05T10:00:00-06:00,,,",
        "I-4,safety,minor,2027-01-05T10:00:00,,,",
        "I-1,safety,minor,2027-01-05T10:00:00Z,,,",
    )
    count, located = _import(world, path)
    assert count == 0
    assert [(line, field, code) for _, line, _, field, code in located] == [
        (4, "category", "G101"),
        (5, "occurred_at", "R104"),
        (6, "incident_id", "G105"),
    ]
    assert _stored(world) == []


def test_an_incident_already_recorded_is_an_error_not_a_skip(world: World, tmp_path: Path) -> None:
    assert _import(world, _file(tmp_path, GOOD[0]))[0] == 1
    path = _file(tmp_path, GOOD[1], GOOD[0])
    count, located = _import(world, path)
    assert (count, located) == (0, [(str(path), 3, 1, "incident_id", "G105")])
    assert _stored(world) == ["I-1"]
