"""A roster file read into roster entries: pure parsing, every bad cell a diagnostic.

A roster is a sheet (CSV, or a sheet of an ``.xlsx`` workbook) with one row per person::

    person_id,name,role,hire_date,qualifications,exam_score,exam_date
    ag-17,Dana Reyes,operator,2026-11-02,product_training=2026-11-20,0.86,2026-11-21

Column names are matched without regard to case, spaces or hyphens, with a few common aliases
(:data:`COLUMNS`). Every problem of every row is reported — the file, the row, the column, the
value and what was expected — under a stable code of :data:`callpact.governance.errors.
ERROR_CODES` (``roster.*``); the caller writes nothing unless there is none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from callpact.data.sheets import CellError, CellValue, SheetRow
from callpact.diagnostics import Diagnostic, Severity
from callpact.governance.staff.models import STAFF_ROLES

#: roster field → the header names that mean it (compared lower-cased, spaces and hyphens as _)
COLUMNS: dict[str, tuple[str, ...]] = {
    "person_id": ("person_id", "agent_id", "person", "agent", "employee_id"),
    "name": ("name", "full_name"),
    "role": ("role",),
    "hire_date": ("hire_date", "hired_on", "joined_on"),
    "qualifications": ("qualifications",),
    "exam_score": ("exam_score", "admission_exam", "admission_exam_score"),
    "exam_date": ("exam_date", "exam_taken_at", "exam_taken_on"),
    "active": ("active",),
}
REQUIRED = ("person_id", "name", "role")
#: the widest values the database holds (staff_members, staff_qualifications)
MAX_LENGTH = {"person_id": 100, "name": 200, "qualification": 100}
TRUE = ("true", "yes", "y", "1")
FALSE = ("false", "no", "n", "0")
_QUALIFICATION = re.compile(r"^\s*([^=]+?)\s*=\s*(\S+)\s*$")


@dataclass(frozen=True, slots=True)
class ExamResult:
    """An admission exam attempt: the score as a fraction 0–1 and when it was taken."""

    score: Decimal
    taken_at: datetime


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One person as the file gives them. ``None`` (and no exam, no qualifications) means the
    file leaves that value as it is for a person already on the roster."""

    row: int
    person_id: str
    name: str
    role: str
    joined_on: date | None
    qualifications: tuple[tuple[str, date], ...]
    exam: ExamResult | None
    active: bool | None


@dataclass(frozen=True)
class RosterFile:
    """What :func:`parse_roster` found: the good entries, every problem, and the columns of the
    file that are no roster field (listed, not read)."""

    source: str
    entries: tuple[RosterEntry, ...]
    diagnostics: tuple[Diagnostic, ...]
    ignored_columns: tuple[str, ...] = ()
    columns: dict[str, int] = field(default_factory=dict)  # field → 0-based column

    def column_of(self, name: str) -> int:
        """The 1-based column of roster field ``name`` (0 when the file has none)."""
        return self.columns[name] + 1 if name in self.columns else 0


def _normal(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def parse_roster(
    source: str,
    header: Sequence[str],
    rows: Iterable[SheetRow],
    *,
    time_zone: str,
    column_label: Callable[[int], str] | None = None,
) -> RosterFile:
    """Read roster entries from a sheet's header and rows.

    ``time_zone``: the contract's zone, in which an exam date or a date-time without an offset
    (Excel stores none) is read. ``column_label`` names a 0-based column for a person (a
    workbook's letters); each diagnostic's hint then names the cell, e.g. ``cell C5``.
    """
    zone = ZoneInfo(time_zone)
    diagnostics: list[Diagnostic] = []
    aliases = {alias: name for name, names in COLUMNS.items() for alias in names}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = aliases.get(_normal(title))
        if name is None:
            if title:
                ignored.append(title)
            continue
        if name in columns:
            diagnostics.append(
                Diagnostic(
                    source,
                    0,
                    index + 1,
                    Severity.ERROR,
                    "roster.duplicate_column",
                    f"column {title!r} is a second column for {name} (the first is "
                    f"{header[columns[name]]!r}): expected one",
                    field=name,
                )
            )
            continue
        columns[name] = index
    missing = [name for name in REQUIRED if name not in columns]
    for name in missing:
        diagnostics.append(
            Diagnostic(
                source,
                0,
                0,
                Severity.ERROR,
                "roster.missing_column",
                f"no column {name}: expected one named "
                + " or ".join(repr(alias) for alias in COLUMNS[name]),
                hint="columns there: " + ", ".join(h for h in header if h),
                field=name,
            )
        )
    if diagnostics:
        return RosterFile(source, (), tuple(diagnostics), tuple(ignored), columns)

    entries: list[RosterEntry] = []
    first_row: dict[str, int] = {}
    for row in rows:
        reader = _RowReader(source, row, columns, column_label, zone)
        entry = reader.entry()
        diagnostics.extend(reader.problems)
        if entry is None:
            continue
        if entry.person_id in first_row:
            reader.problem(
                "person_id",
                "roster.duplicate_person",
                f"person {entry.person_id!r} repeats row {first_row[entry.person_id]}: "
                "expected one row per person",
            )
            diagnostics.extend(reader.problems[-1:])
            continue
        first_row[entry.person_id] = entry.row
        entries.append(entry)
    if diagnostics:
        entries = []
    return RosterFile(source, tuple(entries), tuple(diagnostics), tuple(ignored), columns)


class _RowReader:
    """Reads one row's cells field by field, collecting every problem."""

    def __init__(
        self,
        source: str,
        row: SheetRow,
        columns: dict[str, int],
        column_label: Callable[[int], str] | None,
        zone: ZoneInfo,
    ) -> None:
        self.source = source
        self.row = row
        self.columns = columns
        self.column_label = column_label
        self.zone = zone
        self.problems: list[Diagnostic] = []

    def problem(self, name: str, code: str, message: str) -> None:
        index = self.columns.get(name)
        hint = ""
        if index is not None and self.column_label is not None:
            hint = f"cell {self.column_label(index)}{self.row.number}"
        self.problems.append(
            Diagnostic(
                self.source,
                self.row.number,
                0 if index is None else index + 1,
                Severity.ERROR,
                code,
                message,
                hint,
                field=name,
            )
        )

    def cell(self, name: str) -> CellValue:
        index = self.columns.get(name)
        value = None if index is None else self.row.cell(index)
        if isinstance(value, CellError):
            self.problem(
                name,
                "roster.cell_error",
                f"{name} holds the Excel error {value.code}: expected a value",
            )
            return None
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def text(self, name: str, *, required: bool) -> str | None:
        value = self.cell(name)
        if value is None:
            if required and not self._reported(name):
                self.problem(name, "roster.required", f"{name} is empty: expected a value")
            return None
        text = _as_text(value)
        limit = MAX_LENGTH.get(name)
        if limit is not None and len(text) > limit:
            self.problem(
                name,
                "roster.too_long",
                f"{name} {text[:40]!r}… has {len(text)} characters: expected at most {limit}",
            )
            return None
        return text

    def _reported(self, name: str) -> bool:
        return any(d.field == name for d in self.problems)

    def entry(self) -> RosterEntry | None:
        person_id = self.text("person_id", required=True)
        name = self.text("name", required=True)
        role = self.text("role", required=True)
        if role is not None:
            role = role.lower()
            if role not in STAFF_ROLES:
                self.problem(
                    "role",
                    "roster.role",
                    f"role {role!r} is not a staff role: expected one of {', '.join(STAFF_ROLES)}",
                )
                role = None
        joined_on = self.day("hire_date")
        qualifications = self.qualifications()
        exam = self.exam()
        active = self.active()
        if self.problems or person_id is None or name is None or role is None:
            return None
        return RosterEntry(
            self.row.number, person_id, name, role, joined_on, qualifications, exam, active
        )

    def day(self, name: str) -> date | None:
        value = self.cell(name)
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.time() != time(0):
                self.problem(
                    name,
                    "roster.date",
                    f"{name} {value.isoformat(sep=' ')} has a time of day: expected a date",
                )
                return None
            return value.date()
        if isinstance(value, date):
            return value
        text = _as_text(value).strip()
        try:
            if not re.fullmatch(r"\d{4}-\d\d-\d\d", text):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            self.problem(name, "roster.date", f"{name} {text!r} is not a date: expected YYYY-MM-DD")
            return None

    def qualifications(self) -> tuple[tuple[str, date], ...]:
        value = self.cell("qualifications")
        if value is None:
            return ()
        held: dict[str, date] = {}
        for item in re.split(r"[;,\n]", _as_text(value)):
            if not item.strip():
                continue
            match = _QUALIFICATION.match(item)
            day = None
            if match:
                try:
                    if re.fullmatch(r"\d{4}-\d\d-\d\d", match.group(2)):
                        day = date.fromisoformat(match.group(2))
                except ValueError:
                    day = None
            if match is None or day is None:
                self.problem(
                    "qualifications",
                    "roster.qualification",
                    f"qualification {item.strip()!r} is not read: expected "
                    "QUALIFICATION=YYYY-MM-DD (the day it was obtained), separated by ';'",
                )
                continue
            qualification = match.group(1)
            if len(qualification) > MAX_LENGTH["qualification"]:
                self.problem(
                    "qualifications",
                    "roster.too_long",
                    f"qualification {qualification[:40]!r}… is longer than "
                    f"{MAX_LENGTH['qualification']} characters",
                )
                continue
            if qualification in held and held[qualification] != day:
                self.problem(
                    "qualifications",
                    "roster.qualification",
                    f"qualification {qualification!r} is listed twice with different days "
                    f"({held[qualification]}, {day}): expected one",
                )
                continue
            held[qualification] = day
        return tuple(held.items())

    def exam(self) -> ExamResult | None:
        score_cell = self.cell("exam_score")
        when_cell = self.cell("exam_date")
        score = None if score_cell is None else self.score(score_cell)
        taken_at = None if when_cell is None else self.moment("exam_date", when_cell)
        if score_cell is None and when_cell is None:
            return None
        if score_cell is None and not self._reported("exam_score"):
            self.problem(
                "exam_score",
                "roster.exam",
                "exam_score is empty but exam_date is given: expected both or neither",
            )
        if when_cell is None and not self._reported("exam_date"):
            self.problem(
                "exam_date",
                "roster.exam",
                "exam_date is empty but exam_score is given: expected the day the exam was taken",
            )
        if score is None or taken_at is None:
            return None
        return ExamResult(score, taken_at)

    def score(self, value: CellValue) -> Decimal | None:
        text = _as_text(value).strip()
        try:
            if text.endswith("%"):
                score = Decimal(text[:-1].strip()) / 100
            elif isinstance(value, bool):
                raise InvalidOperation
            else:
                score = Decimal(text)
        except InvalidOperation:
            score = None
        if score is None or not score.is_finite() or not Decimal(0) <= score <= Decimal(1):
            self.problem(
                "exam_score",
                "roster.score",
                f"exam_score {text!r} is not an exam result: expected a fraction from 0 to 1 "
                "(0.85) or a percentage (85%)",
            )
            return None
        return score

    def moment(self, name: str, value: CellValue) -> datetime | None:
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime.combine(value, time(0))
        else:
            text = _as_text(value).strip()
            try:
                if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
                    moment = datetime.combine(date.fromisoformat(text), time(0))
                elif re.match(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", text):
                    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
                else:
                    raise ValueError(text)
            except ValueError:
                self.problem(
                    name,
                    "roster.date",
                    f"{name} {text!r} is not a date: expected YYYY-MM-DD or an ISO date-time "
                    "(2026-11-21T14:00:00-06:00)",
                )
                return None
        if moment.tzinfo is None:  # a wall time: the contract's zone
            moment = moment.replace(tzinfo=self.zone)
        return moment

    def active(self) -> bool | None:
        value = self.cell("active")
        if value is None:
            return None
        if isinstance(value, bool):
            return value
        text = _as_text(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        self.problem(
            "active", "roster.active", f"active {text!r} is not read: expected true or false"
        )
        return None


def _as_text(value: CellValue) -> str:
    """A cell as text: an integral number without ``.0`` (ids stored as numbers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, CellError):  # pragma: no cover - cell() reports these first
        return value.code
    return str(value).strip()
