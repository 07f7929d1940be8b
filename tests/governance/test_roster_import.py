"""`staff import`: a roster file (CSV or XLSX) creates and updates staff in one audited
transaction, all or nothing — every bad row reported with its file, row, column, value and what
was expected, under a stable code — and the admission gate then works on the imported roster."""

from __future__ import annotations

import csv
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from governance_world import CONTRACT_ID, T0, World, add_operator
from sqlalchemy import func, select

from callpact.governance.audit import service as audit
from callpact.governance.audit.models import AuditEntry
from callpact.governance.errors import ERROR_CODES, PermissionDenied
from callpact.governance.staff import service as staff
from callpact.governance.staff.models import StaffMember

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["person_id", "name", "role", "hire_date", "qualifications", "exam_score", "exam_date"]


def write_roster(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Roster"
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
    return path


def generated_roster(native: bool) -> list[list[Any]]:
    """300 people: every 50th a supervisor (qualified, exam 0.90), the rest operators with
    product_training; hipaa_certificate missing for multiples of 10, an exam of 0.75 (below
    the annex's 0.80) for multiples of 7, no exam at all for multiples of 13, else 0.86."""
    rows: list[list[Any]] = []
    for i in range(1, 301):
        hired: Any = date(2026, 1 + i % 12, 1 + i % 28)
        exam_day: Any = "2026-12-15"
        if native:  # as Excel holds them: date-time cells, the score a number
            hired = datetime(hired.year, hired.month, hired.day)  # noqa: DTZ001 - Excel's
            exam_day = datetime(2026, 12, 15, 10, 30)  # noqa: DTZ001 - a wall time
        else:
            hired = hired.isoformat()
        if i % 50 == 0:
            rows.append(
                [
                    f"sv-{i:04d}",
                    f"Supervisor {i}",
                    "supervisor",
                    hired,
                    "operator_experience_12m=2025-12-01",
                    0.9 if native else "0.90",
                    exam_day,
                ]
            )
            continue
        quals = ["product_training=2026-11-20"]
        if i % 10:
            quals.append("hipaa_certificate=2026-11-05")
        score: Any = None if i % 13 == 0 else ("0.75" if i % 7 == 0 else "86%")
        if native and score is not None:
            score = float(Decimal(score.rstrip("%")) / (100 if "%" in score else 1))
        rows.append(
            [
                f"ag-{i:04d}",
                f"Operator {i}",
                "operator",
                hired,
                "; ".join(quals),
                score,
                None if score is None else exam_day,
            ]
        )
    return rows


def audit_count(world: World) -> int:
    world.session.flush()
    return int(world.session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def members(world: World) -> dict[str, StaffMember]:
    world.session.flush()
    return {m.person_id: m for m in world.session.scalars(select(StaffMember))}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_roster_of_hundreds_imports_and_the_admission_gate_works(
    world: World, tmp_path: Path, suffix: str
) -> None:
    path = write_roster(tmp_path / f"roster{suffix}", HEADER, generated_roster(suffix == ".xlsx"))
    before = audit_count(world)
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    assert result.diagnostics == ()
    assert (len(result.created), len(result.updated), len(result.unchanged)) == (300, 0, 0)
    stored = members(world)
    assert len(stored) == 300
    ag70 = stored["ag-0070"]
    assert (ag70.name, ag70.role, ag70.active, ag70.joined_on) == (
        "Operator 70",
        "operator",
        True,
        date(2026, 11, 15),  # month 1 + 70 % 12 = 11, day 1 + 70 % 28 = 15
    )
    assert [(q.qualification, q.obtained_on) for q in ag70.qualifications] == [
        ("product_training", date(2026, 11, 20))
    ]
    [exam] = ag70.exams
    assert exam.score == Decimal("0.75")
    # the exam date has no offset: it is read in the contract's zone (Chicago, UTC-6 in Dec.)
    # (Excel: 10:30 wall time → 16:30 UTC; CSV: the date alone, local midnight → 06:00 UTC)
    hour, minute = (16, 30) if suffix == ".xlsx" else (6, 0)
    assert exam.taken_at == datetime(2026, 12, 15, hour, minute, tzinfo=UTC)
    assert stored["ag-0001"].exams[0].score == Decimal("0.86")  # "86%" or the number 0.86
    # one entry per person (300), qualification (294 product_training + 270 hipaa + 6
    # supervisors' = 570) and exam (294 operators − the 23 multiples of 13, + 6 = 277)
    assert audit_count(world) - before == 300 + 570 + 277
    findings = {
        f.person_id: f.reasons
        for f in staff.admission_check(world.session, world.client_admin, CONTRACT_ID)
    }
    # operators lacking something: multiples of 10, 7 or 13 among 1..300 = 30 + 62 − 6 = 86,
    # less the 6 multiples of 50, who are supervisors with all their role asks for
    assert len(findings) == 80
    assert findings["ag-0070"] == (
        "lacks qualification hipaa_certificate",
        "admission exam 0.75 below the pass score 0.80",
    )
    assert findings["ag-0091"] == ("has no admission exam result",)
    assert findings["ag-0130"] == (
        "lacks qualification hipaa_certificate",
        "has no admission exam result",
    )
    assert "sv-0050" not in findings
    assert "ag-0001" not in findings
    world.session.flush()
    assert audit.verify(world.session).ok


def test_the_audit_trail_holds_one_import_entry_per_record(world: World, tmp_path: Path) -> None:
    rows = [
        [
            "ag-1",
            "Ann",
            "operator",
            "2026-11-02",
            "product_training=2026-11-20",
            "0.9",
            "2026-12-01",
        ],
        ["ag-2", "Bob", "trainer", "", "", "", ""],
    ]
    before = audit_count(world)
    result = staff.import_roster(
        world.session,
        world.vendor_admin,
        CONTRACT_ID,
        write_roster(tmp_path / "r.csv", HEADER, rows),
        now=T0,
    )
    assert result.created == ("ag-1", "ag-2")
    entries = list(
        world.session.scalars(
            select(AuditEntry).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
        )
    )
    # Ann, her qualification, her exam; Bob
    assert [(e.entity_type, e.action, e.actor) for e in entries] == [
        ("staff_members", "import", "val@harbor.example"),
        ("staff_qualifications", "import", "val@harbor.example"),
        ("admission_exams", "import", "val@harbor.example"),
        ("staff_members", "import", "val@harbor.example"),
    ]
    assert members(world)["ag-2"].joined_on is None


BAD_ROWS: list[tuple[list[Any], list[tuple[int, str, str, str]]]] = [
    # (row cells, expected (column, field, code, message start)); the row number follows
    (["ag-1", "Ann", "operator", "2026-11-02", "", "", ""], []),  # good
    (
        ["", "Nobody", "operator", "", "", "", ""],
        [(1, "person_id", "roster.required", "person_id is empty")],
    ),
    (
        ["ag-3", "Cy", "agent", "", "", "", ""],
        [(3, "role", "roster.role", "role 'agent' is not a staff role: expected one of operator")],
    ),
    (
        ["ag-4", "Di", "operator", "05/01/2027", "", "", ""],
        [
            (
                4,
                "hire_date",
                "roster.date",
                "hire_date '05/01/2027' is not a date: expected YYYY-MM-DD",
            )
        ],
    ),
    (
        ["ag-5", "Ed", "operator", "", "hipaa_certificate", "", ""],
        [
            (
                5,
                "qualifications",
                "roster.qualification",
                "qualification 'hipaa_certificate' is not read: expected QUALIFICATION=YYYY-MM-DD",
            )
        ],
    ),
    (
        ["ag-6", "Fay", "operator", "", "", "85", "2026-12-01"],
        [
            (
                6,
                "exam_score",
                "roster.score",
                "exam_score '85' is not an exam result: expected a fraction",
            )
        ],
    ),
    (
        ["ag-7", "Gus", "operator", "", "", "0.85", ""],
        [(7, "exam_date", "roster.exam", "exam_date is empty but exam_score is given")],
    ),
    (
        ["ag-1", "Ann again", "operator", "", "", "", ""],
        [(1, "person_id", "roster.duplicate_person", "person 'ag-1' repeats row 2")],
    ),
    (
        ["ag-9", "", "superviser", "2026-02-30", "", "", ""],  # three problems on one row
        [
            (2, "name", "roster.required", "name is empty"),
            (3, "role", "roster.role", "role 'superviser' is not a staff role"),
            (4, "hire_date", "roster.date", "hire_date '2026-02-30' is not a date"),
        ],
    ),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_file_with_bad_rows_writes_nothing_and_lists_every_bad_row(
    world: World, tmp_path: Path, suffix: str
) -> None:
    add_operator(world, "ag-1")  # already on the roster: its row would be an update
    before_audit, before_members = audit_count(world), set(members(world))
    path = write_roster(tmp_path / f"bad{suffix}", HEADER, [cells for cells, _ in BAD_ROWS])
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    expected = [
        (row, column, fld, code)
        for row, (_, problems) in enumerate(BAD_ROWS, start=2)
        for column, fld, code, _ in problems
    ]
    assert [(d.line, d.column, d.field, d.code) for d in result.diagnostics] == expected
    messages = [m for _, problems in BAD_ROWS for *_, m in problems]
    for diagnostic, start in zip(result.diagnostics, messages, strict=True):
        assert diagnostic.message.startswith(start), diagnostic.message
    source = f"{path}[Roster]" if suffix == ".xlsx" else str(path)
    assert {d.source for d in result.diagnostics} == {source}
    if suffix == ".xlsx":  # the hint names the cell a person finds in Excel
        assert result.diagnostics[0].hint == "cell A3"
        assert (
            result.diagnostics[0].format().startswith(f"{path}[Roster]:3:1: error[roster.required]")
        )
    assert (result.created, result.updated) == ((), ())
    assert set(members(world)) == before_members
    assert audit_count(world) == before_audit
    assert members(world)["ag-1"].name == "Op ag-1"  # the good row was not applied either


def test_excel_cells_that_are_errors_or_date_times_are_reported(
    world: World, tmp_path: Path
) -> None:
    path = write_roster(
        tmp_path / "cells.xlsx",
        HEADER,
        [
            ["ag-1", "Ann", "operator", datetime(2026, 11, 2, 9, 30), None, None, None],  # noqa: DTZ001
            [1001, "Bob", "operator", datetime(2026, 11, 2), None, 0.8, "#N/A"],  # noqa: DTZ001
        ],
    )
    book = openpyxl.load_workbook(path)
    book["Roster"]["G3"].data_type = "e"
    book.save(path)
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    assert [(d.line, d.column, d.code, d.message) for d in result.diagnostics] == [
        (2, 4, "roster.date", "hire_date 2026-11-02 09:30:00 has a time of day: expected a date"),
        (3, 7, "roster.cell_error", "exam_date holds the Excel error #N/A: expected a value"),
    ]
    assert members(world) == {}


def test_an_import_updates_staff_already_on_the_roster(world: World, tmp_path: Path) -> None:
    add_operator(world, "A1")  # qualified on 2026-12-01, exam 0.85 at T0
    header = [*HEADER, "active", "Team"]
    rows = [
        [
            "A1",
            "Alma Reyes",
            "supervisor",
            "2025-03-01",
            "operator_experience_12m=2026-06-01; product_training=2026-12-15",
            "0.9",
            "2027-01-10T09:00:00-06:00",
            "",
            "North",
        ],
        ["B1", "Ben Ode", "operator", "", "", "", "", "no", "South"],
    ]
    path = write_roster(tmp_path / "update.csv", header, rows)
    early = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    [ahead] = early.diagnostics  # imported on 4 January, an exam of the 10th is not yet taken
    assert (ahead.line, ahead.column, ahead.code) == (2, 7, "roster.exam_in_future")
    later = datetime(2027, 1, 20, 15, tzinfo=UTC)
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=later)
    assert result.diagnostics == ()
    assert (result.created, result.updated, result.unchanged) == (("B1",), ("A1",), ())
    assert result.ignored_columns == ("Team",)
    a1 = members(world)["A1"]
    assert (a1.name, a1.role, a1.joined_on, a1.active) == (
        "Alma Reyes",
        "supervisor",
        date(2025, 3, 1),
        True,  # an empty cell keeps the stored value
    )
    held = {q.qualification: q.obtained_on for q in a1.qualifications}
    assert held == {
        "product_training": date(2026, 12, 15),  # re-dated
        "hipaa_certificate": date(2026, 12, 1),  # not listed: kept
        "operator_experience_12m": date(2026, 6, 1),
    }
    # a new attempt: the latest counts (0.90 ≥ the supervisor's 0.85)
    assert sorted((e.taken_at, e.score) for e in a1.exams) == [
        (T0, Decimal("0.85")),
        (datetime(2027, 1, 10, 15, tzinfo=UTC), Decimal("0.9")),
    ]
    assert members(world)["B1"].active is False
    findings = {
        f.person_id for f in staff.admission_check(world.session, world.client_admin, CONTRACT_ID)
    }
    assert findings == set()  # A1 qualified as supervisor now; B1 inactive
    # the same file again changes nothing and logs nothing
    before = audit_count(world)
    again = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=later)
    assert (again.created, again.updated, again.unchanged) == ((), (), ("A1", "B1"))
    assert audit_count(world) == before
    world.session.flush()
    assert audit.verify(world.session).ok


def test_a_new_role_needs_the_clients_approval_again(world: World, tmp_path: Path) -> None:
    for person, role in (("P1", "trainer"), ("P2", "project_manager")):
        staff.add_staff_member(
            world.session,
            world.vendor_admin,
            CONTRACT_ID,
            person_id=person,
            name=person,
            role=role,
            now=T0,
        )
        staff.approve_staff_member(world.session, world.client_admin, CONTRACT_ID, person, now=T0)
    path = write_roster(
        tmp_path / "roles.csv",
        HEADER,
        [
            ["P1", "P1", "project_manager", "", "", "", ""],
            ["P2", "P2", "project_manager", "", "", "", ""],
        ],
    )
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    assert (result.updated, result.unchanged) == (("P1",), ("P2",))
    stored = members(world)
    assert stored["P1"].client_approved_at is None  # approved as trainer, not as manager
    assert stored["P2"].client_approved_at == T0  # same role: the approval stands
    findings = staff.admission_check(world.session, world.client_admin, CONTRACT_ID)
    assert [(f.person_id, f.reasons) for f in findings] == [("P1", ("not approved by the client",))]
    world.session.flush()
    assert audit.verify(world.session).ok


def test_another_score_for_a_recorded_exam_is_a_conflict(world: World, tmp_path: Path) -> None:
    add_operator(world, "A1")  # exam 0.85 at T0 = 2027-01-04T15:00Z
    path = write_roster(
        tmp_path / "conflict.csv",
        HEADER,
        [["A1", "Op A1", "operator", "", "", "0.5", "2027-01-04T15:00:00Z"]],
    )
    before = audit_count(world)
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    [conflict] = result.diagnostics
    assert (conflict.line, conflict.column, conflict.code) == (2, 6, "roster.exam_conflict")
    assert "recorded with score 0.85, the file says 0.5" in conflict.message
    assert audit_count(world) == before


def test_only_who_may_add_staff_may_import(world: World, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "r.csv", HEADER, [["ag-1", "Ann", "operator", "", "", "", ""]])
    with pytest.raises(PermissionDenied):
        staff.import_roster(world.session, world.client_admin, CONTRACT_ID, path, now=T0)
    with pytest.raises(PermissionDenied):
        staff.import_roster(world.session, world.stranger, CONTRACT_ID, path, now=T0)


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("r.csv", "person_id,role\nag-1,operator\n", "roster.missing_column", "no column name"),
        (
            "r.csv",
            "agent_id,person_id,name,role\n",
            "roster.duplicate_column",
            "column 'person_id'",
        ),
        ("r.xlsx", "not a zip", "roster.file", "cannot read the workbook"),
        ("r.xls", "", "roster.file", "the old binary .xls format cannot be read"),
    ],
)
def test_a_file_that_is_no_roster_is_one_diagnostic(  # noqa: PLR0917 - the parameters
    world: World, tmp_path: Path, name: str, content: str, code: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    [problem] = result.diagnostics
    assert (problem.code, message in problem.message) == (code, True), problem.message


def test_a_sheet_is_chosen_by_name(world: World, tmp_path: Path) -> None:
    path = write_roster(
        tmp_path / "r.xlsx", HEADER, [["ag-1", "Ann", "operator", None, None, None, None]]
    )
    book = openpyxl.load_workbook(path)
    book.create_sheet("Leavers", 0).append(["nothing", "here"])
    book.save(path)
    first = staff.import_roster(world.session, world.vendor_manager, CONTRACT_ID, path, now=T0)
    assert [d.code for d in first.diagnostics] == ["roster.missing_column"] * 3  # "Leavers"
    named = staff.import_roster(
        world.session, world.vendor_manager, CONTRACT_ID, path, sheet="Roster", now=T0
    )
    assert named.created == ("ag-1",)
    missing = staff.import_roster(
        world.session, world.vendor_manager, CONTRACT_ID, path, sheet="Staff", now=T0
    )
    assert [(d.code, d.hint) for d in missing.diagnostics] == [
        ("roster.file", "sheets there: Leavers, Roster")
    ]


def test_every_roster_code_is_listed_and_documented() -> None:
    sources = [
        ROOT / "src" / "callpact" / "governance" / "staff" / name
        for name in ("roster.py", "service.py")
    ]
    used = {m for p in sources for m in re.findall(r'"(roster\.[a-z_]+)"', p.read_text("utf-8"))}
    assert used
    assert used <= set(ERROR_CODES), used - set(ERROR_CODES)
    listed = {c for c in ERROR_CODES if c.startswith("roster.")}
    assert listed == used  # no code listed that nothing raises
    docs = (ROOT / "docs" / "governance.md").read_text(encoding="utf-8")
    assert [c for c in listed if f"`{c}`" not in docs] == []
