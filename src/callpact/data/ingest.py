"""Load a delivery (interchange folder or vendor export) into a workspace.

Semantics (``callpact ingest``), per table:

* a row that breaks a row rule is **rejected**: it goes to the rejects file with its source
  file, physical line, field, code and reason, and the original text of the record;
* an exact repeat of a row already stored is a **duplicate** and is skipped;
* within one delivery the first row for a key (``contact_id`` for contacts) wins; a later exact
  repeat is a duplicate, a later different row is rejected as a conflict (R301);
* a row whose key is stored with different values is rejected (R302) unless ``replace``: then
  the new version is stored and the old one moves to ``<table>_history``.

``rows read = accepted + rejected + duplicates`` always holds. A delivery that cannot be
processed at all (unreadable file, unknown format, missing required column) raises
:class:`DeliveryError` carrying diagnostics, and the workspace is left untouched.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import os
import queue
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from callpact.data.csvlines import (
    read_records,
    record_cuts,
    sample_columns,
    scan_records,
    write_part,
)
from callpact.data.partitions import (
    month_key_expression,
    partition_expression,
    partition_name,
)
from callpact.data.rejects import (
    LineCounter,
    has_surrogate,
    header_bytes,
    safe_text,
    write_rejects,
)
from callpact.data.schema import (
    DELIVERED_TABLES,
    TABLES,
    Kind,
    arrow_schema,
)
from callpact.data.validate import compile_table
from callpact.data.workspace import LockWait, Transaction, Workspace
from callpact.diagnostics import Diagnostic, Severity

#: progress(table, stage, fraction of the stage done or None)
Progress = Callable[[str, str, float | None], None]

#: rows per Arrow batch when writing partitions: big enough to amortise, small for memory
WRITE_BATCH_ROWS = 131_072
#: DuckDB's own buffers; Python, Arrow batches and Parquet pages come on top, so a
#: 10-million-row delivery stays under 1.5 GB (measured: docs/performance.md "Ingest")
MEMORY_LIMIT = os.environ.get("CALLPACT_DUCKDB_MEMORY", "800MB")
#: DuckDB's memory limit while the sorted rows stream out to the Parquet writers
WRITE_MEMORY_LIMIT = os.environ.get("CALLPACT_DUCKDB_WRITE_MEMORY", "600MB")

PROVENANCE = ("__source", "__line", "__text")  # optional columns adapters add to their output
#: the column carrying each row's 0-based data-record ordinal in the file read (see
#: ``_TableCheck._numbered``); every rejected or conflicting row is named by it
ORDINAL = "__o"


class DeliveryError(Exception):
    """The delivery could not be processed at all; nothing was changed."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("; ".join(d.format() for d in self.diagnostics))


@dataclass
class TableReport:
    table: str
    source: str
    rows_read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    replaced: int = 0
    rejects_file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestReport:
    ingest_id: str
    workspace: str
    tables: dict[str, TableReport] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)  # one per rejected row fault
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {name: t.to_json() for name, t in self.tables.items()}


def _diag(source: str, code: str, message: str, hint: str = "", field_: str = "") -> Diagnostic:
    return Diagnostic(source, 0, 0, Severity.ERROR, code, message, hint, field_)


# ---------------------------------------------------------------------------------------------
# Finding the files of a delivery


@dataclass
class SourceFile:
    table: str
    path: Path
    kind: str  # "csv" or "parquet"
    columns: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)
    display: str = ""  # how diagnostics name the file (the vendor file for adapters)
    #: interchange column → 1-based column in the vendor's file (adapters that know it)
    source_columns: dict[str, int] = field(default_factory=dict)


def find_sources(path: Path) -> list[SourceFile]:
    """The table files of an interchange delivery (a folder, or one ``<table>.csv`` file)."""
    diags: list[Diagnostic] = []
    if not path.exists():
        raise DeliveryError([_diag(str(path), "D002", "no such file or folder")])
    candidates = [path] if path.is_file() else sorted(p for p in path.iterdir() if p.is_file())
    found: dict[str, SourceFile] = {}
    for file in candidates:
        suffix = file.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            if path.is_file():
                diags.append(_diag(str(file), "D003", "not a .csv or .parquet file"))
            continue
        table = file.stem
        if table not in DELIVERED_TABLES:
            diags.append(
                _diag(
                    str(file),
                    "D003",
                    f"{file.name}: no interchange table named {table!r}",
                    hint="table files are named " + ", ".join(DELIVERED_TABLES),
                )
            )
            continue
        if table in found:
            diags.append(
                _diag(str(file), "D003", f"{table} is delivered twice (.csv and .parquet)")
            )
            continue
        found[table] = SourceFile(table, file, suffix[1:], display=str(file))
    if not found and not diags:
        diags.append(
            _diag(str(path), "D002", "no interchange table files here", hint="e.g. contacts.csv")
        )
    if diags:
        raise DeliveryError(diags)
    return list(found.values())


def inspect_source(src: SourceFile, con: Any) -> list[Diagnostic]:
    """Read the header / Parquet schema; delivery-level problems come back as diagnostics."""
    schema = TABLES[src.table]
    diags: list[Diagnostic] = []
    try:
        if src.kind == "csv":
            raw_header = header_bytes(src.path).decode("utf-8-sig")
            header = next(csv.reader([raw_header]), None) if raw_header.strip() else None
            if header is None:
                return [_diag(src.display, "D002", "empty file: no header row")]
            src.columns = header
            src.types = dict.fromkeys(header, "VARCHAR")
        else:
            rows = con.execute(
                f"DESCRIBE SELECT * FROM read_parquet({_lit(str(src.path))})"
            ).fetchall()
            src.columns = [r[0] for r in rows]
            src.types = {r[0]: str(r[1]) for r in rows}
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [_diag(src.display, "D002", f"cannot read the file: {exc}")]
    except Exception as exc:  # duckdb.Error: not a Parquet file
        return [_diag(src.display, "D002", f"cannot read the file: {_first_line(exc)}")]
    seen: set[str] = set()
    for i, name in enumerate(src.columns, start=1):
        if name in seen:
            diags.append(
                Diagnostic(
                    src.display, 1, i, Severity.ERROR, "D005", f"column {name!r} appears twice"
                )
            )
        seen.add(name)
    for name in schema.required_columns:
        if name not in seen:
            diags.append(
                Diagnostic(
                    src.display,
                    1,
                    0,
                    Severity.ERROR,
                    "D001",
                    f"required column {name!r} is missing",
                    hint=f"{schema.name} needs " + ", ".join(schema.required_columns),
                    field=name,
                )
            )
    for col in schema.columns:
        kind = src.types.get(col.name)
        if kind is None or src.kind == "csv":
            continue
        if kind.upper() == "TIMESTAMP" or kind.upper().startswith("TIMESTAMP_"):
            diags.append(
                _diag(
                    src.display,
                    "D004",
                    f"{col.name} is a timestamp without time zone",
                    hint="store it as a UTC-adjusted timestamp (timestamp with time zone)",
                    field_=col.name,
                )
            )
        elif kind.upper().startswith(("STRUCT", "MAP")) or kind.endswith("[]"):
            diags.append(_diag(src.display, "D004", f"{col.name} has type {kind}", field_=col.name))
    return diags


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Partitions


# ---------------------------------------------------------------------------------------------
# The pipeline


@dataclass
class _Located:
    """Original line and text of some rows of a source, by ordinal."""

    lines: dict[int, int]
    texts: dict[int, str]
    source: dict[int, str]


#: rows read, rows passing the row rules, ordinals of rejected rows, duplicates, conflicts
#: (ordinal, code, field, message), rows replaced, rows accepted
_Outcome = tuple[int, int, np.ndarray, int, list[tuple[int, str, str, str]], int, int]

#: rows of the delivery whose keys are looked up in the workspace before choosing a path
SAMPLE_ROWS = 10_000
#: a CSV delivery this large is read in parts at once, one reader per core
SPLIT_BYTES = 32 << 20
READERS = max(min(os.cpu_count() or 1, 4), 1)
#: months sorted and written at once
WRITERS = 2
#: rows one sort should hold at most: a larger month is cut into ranges of its first sort
#: column (customer for contacts), chosen from a sample, and each range sorted on its own
SORT_ROWS = 1_000_000
#: pieces a month is cut into at most; a piece's key is ``month * PIECES + range``
PIECES = 64


@dataclass
class _MonthSplit:
    """The rows that passed the row rules, cut into one Arrow file per month."""

    rows_read: int
    bad: np.ndarray  # ordinals of rows that broke a row rule
    key_hashes: np.ndarray  # 64-bit key hash of every passing row
    files: dict[int, list[Path]]  # piece key (see PIECES) → Arrow IPC files
    rows: dict[int, int]  # piece key → passing rows


class _TableCheck:
    """The row rules over one table file: each row's typed values, which rows pass, and every
    rule the others break (with the line and text of the record), in a scratch folder ``work``.
    """

    def __init__(
        self, con: Any, src: SourceFile, work: Path, progress: Progress | None = None
    ) -> None:
        self.con = con
        self.src = src
        self.schema = TABLES[src.table]
        self.progress = progress
        self.work = work
        self.staged = self.work / "staged.parquet"
        # structural rejects found by the slow CSV path: (line, text, code, message)
        self.pre_rejects: list[tuple[int, str, str, str]] = []
        self.reader_file = src.path  # the CSV the fast pass reads (a cleaned copy if needed)
        self.line_of_ordinal: list[int] | None = None  # cleaned copy's ordinal → original line
        self.compiled = compile_table(self.schema, src.types)

    # -- running a query with progress --------------------------------------------------------

    def _run(self, stage: str, sql: str) -> Any:
        if self.progress is None:
            return self.con.execute(sql)
        done = threading.Event()
        result: list[Any] = []
        error: list[BaseException] = []

        def work() -> None:
            try:
                result.append(self.con.execute(sql))
            except BaseException as exc:
                error.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        while not done.wait(0.2):
            try:
                fraction = float(self.con.query_progress())
            except Exception:
                fraction = -1.0
            self.progress(self.schema.name, stage, fraction / 100 if fraction >= 0 else None)
        thread.join()
        self.progress(self.schema.name, stage, 1.0)
        if error:
            raise error[0]
        return result[0]

    # -- pass 1: typed values and row rules ---------------------------------------------------

    def _numbered(self, path: Path) -> str:
        """The file as a relation with its rows' ordinals in :data:`ORDINAL`.

        The fast pass does not keep the rows in file order (DuckDB runs an ``IN`` list as a
        join whose output can overtake small input chunks, such as the last rows of a CSV
        buffer), so a row is named by this column, never by its position in the result.
        """
        if self.src.kind == "parquet":
            return (
                f"(SELECT *, file_row_number AS {ORDINAL} "
                f"FROM read_parquet({_lit(str(path))}, file_row_number = true))"
            )
        # a streaming window numbers the records as the reader yields them: file order
        return f"(SELECT *, row_number() OVER () - 1 AS {ORDINAL} FROM {self._relation(path)})"

    def _relation(self, path: Path) -> str:
        if self.src.kind == "parquet":
            return f"read_parquet({_lit(str(path))})"
        columns = "{" + ", ".join(f"{_lit(c)}: 'VARCHAR'" for c in self.src.columns) + "}"
        return (
            f"read_csv({_lit(str(path))}, columns = {columns}, header = true, "
            "auto_detect = false, delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
            "encoding = 'utf-8')"
        )

    def _stage_copy(self) -> str:
        sql = self.compiled.fast_pass(self._numbered(self.reader_file), (ORDINAL,))
        # The staged file lives only for this ingest: uncompressed, no dictionaries (unique ids
        # make dictionaries wasted work) and v2 pages write about 40 % faster than the defaults.
        return (
            f"COPY ({sql}) TO {_lit(str(self.staged))} (FORMAT parquet, "
            f"COMPRESSION uncompressed, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 1)"
        )

    def fast_pass(self) -> None:
        try:
            self._run("validating", self._stage_copy())
        except Exception:
            if self.src.kind != "csv" or self.line_of_ordinal is not None:
                raise
            # The file is not plain RFC 4180 (a broken record, mixed line ends, bad UTF-8):
            # split off the broken records with Python's csv module, then run the fast pass
            # on a cleaned copy. Only such files pay for a per-record Python loop.
            self._clean_copy()
            self._run("validating", self._stage_copy())

    def _clean_copy(self) -> None:
        cleaned = self.work / "cleaned.csv"
        width = len(self.src.columns)
        lines: list[int] = []
        with (
            self.src.path.open("r", encoding="utf-8", errors="surrogateescape", newline="") as raw,
            cleaned.open("w", encoding="utf-8", newline="") as out,
        ):
            counter = LineCounter(raw)
            reader = csv.reader(counter, strict=True)
            writer = csv.writer(out, lineterminator="\n")
            first = True
            while True:
                start_line = counter.line + 1
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    text = counter.take_record_text()
                    self.pre_rejects.append((start_line, text, "R001", f"malformed record: {exc}"))
                    # resynchronise at the next line
                    reader = csv.reader(counter, strict=True)
                    continue
                text = counter.take_record_text()
                if first:
                    first = False
                    writer.writerow(record)
                    continue
                if not record or (len(record) == 1 and record[0] == "" and text.strip() == ""):
                    continue
                if any(has_surrogate(v) for v in record):
                    self.pre_rejects.append(
                        (start_line, safe_text(text), "R002", "the record is not valid UTF-8")
                    )
                    continue
                if len(record) != width:
                    self.pre_rejects.append(
                        (
                            start_line,
                            text,
                            "R001",
                            f"malformed record: {len(record)} fields, the header has {width}",
                        )
                    )
                    continue
                writer.writerow(record)
                lines.append(start_line)
        self.reader_file = cleaned
        self.line_of_ordinal = lines

    # -- locating rejected rows ---------------------------------------------------------------

    def locate(self, ordinals: np.ndarray) -> _Located:
        ordinals = np.unique(ordinals.astype(np.int64))
        lines: dict[int, int] = {}
        texts: dict[int, str] = {}
        sources: dict[int, str] = {}
        if len(ordinals) == 0:
            return _Located(lines, texts, sources)
        if self.src.kind == "csv":
            spans = scan_records(self.reader_file, ordinals)
            records = read_records(self.reader_file, spans)
            for o, physical, text in zip(
                spans.ordinals.tolist(), spans.lines.tolist(), records, strict=True
            ):
                if self.line_of_ordinal is not None:
                    physical = self.line_of_ordinal[o]  # noqa: PLW2901 - the original file's line
                lines[o] = physical
                texts[o] = text.decode("utf-8", errors="replace")
                sources[o] = self.src.display
            if self.line_of_ordinal is None and len(spans.ordinals) != len(ordinals):
                raise RuntimeError(
                    "CSV record scan disagrees with the CSV reader"
                )  # pragma: no cover
            return _Located(lines, texts, sources)
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE __want AS SELECT unnest(?) AS o", [ordinals.tolist()]
        )
        cols = [c for c in self.src.columns if not c.startswith("__")]
        prov = [c for c in PROVENANCE if c in self.src.columns]
        packed = ", ".join(f"{_q(c)} := {_q(c)}" for c in cols)
        prov_sql = ", ".join(_q(c) for c in prov) or "NULL"
        rows = self.con.execute(
            f"SELECT file_row_number, to_json(struct_pack({packed})), {prov_sql} "
            f"FROM read_parquet({_lit(str(self.src.path))}, file_row_number = true) "
            "WHERE file_row_number IN (SELECT o FROM __want)"
        ).fetchall()
        for row in rows:
            o = int(row[0])
            extra = dict(zip(prov, row[2:], strict=False))
            lines[o] = int(extra.get("__line") or o + 1)
            texts[o] = str(extra.get("__text") or row[1])
            sources[o] = str(extra.get("__source") or self.src.display)
        return _Located(lines, texts, sources)

    def reasons(self, ordinals: np.ndarray, located: _Located) -> list[tuple[int, str, str, str]]:
        """(ordinal, code, field, message) for every failed rule of the given rows."""
        if len(ordinals) == 0:
            return []
        if self.src.kind == "csv":
            # a small CSV of just these records, read with the same options
            mini = self.work / "bad.csv"
            header = header_bytes(self.reader_file)
            order = sorted(int(o) for o in ordinals)
            with mini.open("wb") as out:
                out.write(header + b"\n")
                for o in order:
                    out.write(located.texts[o].encode("utf-8") + b"\n")
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE __order AS SELECT unnest(?) AS o, "
                "generate_subscripts(?, 1) - 1 AS i",
                [order, order],
            )
            relation = (
                f"(SELECT r.*, w.o AS __o FROM (SELECT *, row_number() OVER () - 1 AS __i FROM "
                f"{self._relation(mini)}) r JOIN __order w ON w.i = r.__i)"
            )
            sql = self.compiled.reasons_pass(relation, "__o")
        else:
            self.con.execute(
                "CREATE OR REPLACE TEMP TABLE __want AS SELECT unnest(?) AS o", [ordinals.tolist()]
            )
            relation = (
                f"(SELECT * FROM read_parquet({_lit(str(self.src.path))}, file_row_number = true) "
                "WHERE file_row_number IN (SELECT o FROM __want))"
            )
            sql = self.compiled.reasons_pass(relation, "file_row_number")
        return [(int(o), c, f, m) for o, c, f, m in self.con.execute(sql).fetchall()]

    def diagnostics(
        self, faults: list[tuple[int, str, str, str]], located: _Located
    ) -> tuple[list[Diagnostic], dict[tuple[str, int], str]]:
        """One diagnostic per structural reject and per fault (ordinal, code, field, message),
        and the original text of each rejected record by (source, line)."""
        diagnostics: list[Diagnostic] = []
        rows_text: dict[tuple[str, int], str] = {}
        for line, text, code, message in self.pre_rejects:
            diagnostics.append(Diagnostic(self.src.display, line, 0, Severity.ERROR, code, message))
            rows_text[(self.src.display, line)] = text
        for o, code, fld, message in sorted(faults, key=lambda f: (f[0], f[1])):
            line = located.lines[o]
            source = located.source[o]
            column = self.src.source_columns.get(fld) or (
                self.src.columns.index(fld) + 1 if fld in self.src.columns else 0
            )
            diagnostics.append(
                Diagnostic(source, line, column, Severity.ERROR, code, message, field=fld)
            )
            rows_text[(source, line)] = located.texts[o]
        return diagnostics, rows_text

    def _progress(self, stage: str) -> None:
        if self.progress:
            self.progress(self.schema.name, stage, None)


class _TableIngest(_TableCheck):
    """One table of one delivery, inside a workspace transaction."""

    def __init__(  # noqa: PLR0917
        self,
        con: Any,
        src: SourceFile,
        txn: Transaction,
        ingest_id: str,
        replace: bool,
        progress: Progress | None,
    ) -> None:
        work = txn.scratch / src.table
        work.mkdir()
        super().__init__(con, src, work, progress)
        self.txn = txn
        self.ingest_id = ingest_id
        self.replace = replace
        self.report = TableReport(src.table, src.display)
        self.sort_bounds: list[str] = []  # see _sort_bounds
        self.null_bounds: list[int] = []

    # -- pass 2: duplicates and conflicts ----------------------------------------------------

    def resolve_keys(self) -> tuple[int, list[tuple[int, str, str, str]], int]:
        """Duplicates (count), conflicts (ordinal, code, field, message), rows replaced.

        Candidates are found by 64-bit key hash (cheap, columnar) and then compared exactly.
        The ordinals of skipped duplicates stay in DuckDB (temp table ``__skip``) and the
        replaced ones in ``__replacing``: a replay of a 10-million-row delivery skips 10
        million rows without a Python object per row. Only conflicts, which each become a
        diagnostic, come back to Python.
        """
        s = self.schema
        staged = f"read_parquet({_lit(str(self.staged))})"
        o = ORDINAL
        key = ", ".join(_q(k) for k in s.key)
        cols = ", ".join(_q(c) for c in s.names)
        con = self.con
        con.execute("CREATE OR REPLACE TEMP TABLE __skip (o BIGINT)")
        con.execute("CREATE OR REPLACE TEMP TABLE __replacing (o BIGINT)")
        same_key = " AND ".join(f"a.{_q(k)} = b.{_q(k)}" for k in s.key)
        diff_list = (
            "list_filter(["
            + ", ".join(
                f"CASE WHEN a.{_q(c)} IS DISTINCT FROM b.{_q(c)} THEN {_lit(c)} END"
                for c in s.names
            )
            + "], x -> x IS NOT NULL)"
        )
        key_text = " || '/' || ".join(f"CAST(a.{_q(k)} AS VARCHAR)" for k in s.key)
        # keys given twice in this delivery (by 64-bit hash: compact, then compared exactly);
        # every row of those keys, numbered in delivery order, is normally a small set
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __ck AS SELECT hash({key}) AS kh FROM {staged} "
            "WHERE __ok GROUP BY kh HAVING count(*) > 1"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __cand AS SELECT {cols}, {o} AS o, "
            f"row_number() OVER (PARTITION BY {key} ORDER BY {o}) AS rn "
            f"FROM {staged} WHERE __ok AND hash({key}) IN (SELECT kh FROM __ck)"
        )
        # later rows of a key within this delivery, against the first
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE __within AS SELECT a.o AS o, b.o AS first, "
            f"{diff_list} AS diff, {key_text} AS key_text FROM __cand a JOIN __cand b "
            f"ON {same_key} AND b.rn = 1 WHERE a.rn > 1"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE __match (o BIGINT, same BOOLEAN)")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE __against (o BIGINT, diff VARCHAR[], key_text VARCHAR)"
        )
        stored_files = self.txn.base_files(s.name)
        if stored_files:
            stored = f"read_parquet({_sql_list(stored_files)})"
            # stored keys this delivery gives again: a narrow hash semi-join (usually none)
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE __sk AS SELECT DISTINCT hash({key}) AS kh "
                f"FROM {stored} WHERE hash({key}) IN (SELECT hash({key}) FROM {staged} "
                "WHERE __ok)"
            )
            first = (
                f"SELECT {cols}, {o} AS o FROM {staged} WHERE __ok "
                f"AND hash({key}) IN (SELECT kh FROM __sk) "
                f"AND {o} NOT IN (SELECT o FROM __cand WHERE rn > 1)"
            )
            old = f"SELECT {cols} FROM {stored} WHERE hash({key}) IN (SELECT kh FROM __sk)"
            all_same = " AND ".join(f"a.{_q(c)} IS NOT DISTINCT FROM b.{_q(c)}" for c in s.names)
            # the first row of each key against its stored row, kept as (ordinal, same?) only:
            # a replay of 10 million rows streams through this join (DuckDB spills it) instead
            # of holding 10 million full rows
            con.execute("SET preserve_insertion_order = false")
            try:
                con.execute(
                    f"INSERT INTO __match SELECT a.o, {all_same} FROM ({first}) a "
                    f"JOIN ({old}) b ON {same_key}"
                )
            finally:
                con.execute("SET preserve_insertion_order = true")
            con.execute(
                f"INSERT INTO __against SELECT a.o, {diff_list}, {key_text} FROM ({first}) a "
                f"JOIN ({old}) b ON {same_key} "
                "WHERE a.o IN (SELECT o FROM __match WHERE NOT same)"
            )
        con.execute(
            "INSERT INTO __skip SELECT o FROM __within WHERE len(diff) = 0 "
            "UNION SELECT o FROM __match WHERE same"
        )
        if self.replace:
            con.execute("INSERT INTO __replacing SELECT o FROM __against")
        within = con.execute(
            "SELECT o, first, diff, key_text FROM __within WHERE len(diff) > 0 ORDER BY o"
        ).fetchall()
        against = (
            []
            if self.replace
            else con.execute("SELECT o, diff, key_text FROM __against ORDER BY o").fetchall()
        )
        conflicts: list[tuple[int, str, str, str]] = []
        first_lines = self.locate(np.array([first for _, first, _, _ in within], np.int64))
        keyname = "/".join(s.key)
        for o, first, diff, key_value in within:
            line = first_lines.lines.get(first, first + 2)
            conflicts.append(
                (
                    o,
                    "R301",
                    ",".join(diff),
                    f"{keyname} {key_value} was already given on line {line} of this "
                    f"delivery with different {', '.join(diff)}",
                )
            )
        for o, diff, key_value in against:
            conflicts.append(
                (
                    o,
                    "R302",
                    ",".join(diff),
                    f"{keyname} {key_value} is stored with different {', '.join(diff)}",
                )
            )
        (skipped,) = con.execute("SELECT count(*) FROM __skip").fetchone()
        (replaced,) = con.execute("SELECT count(DISTINCT o) FROM __replacing").fetchone()
        return int(skipped), conflicts, int(replaced)

    # -- writing ------------------------------------------------------------------------------

    def write(self, conflicted: np.ndarray, skipped: int, replaced: int, rows_ok: int) -> int:
        s = self.schema
        con = self.con
        cols = ", ".join(_q(c) for c in s.names)
        key = ", ".join(_q(k) for k in s.key)
        staged = f"read_parquet({_lit(str(self.staged))})"
        conflicted = np.unique(conflicted)
        new_rows = f"SELECT {cols} FROM {staged} WHERE __ok"
        if len(conflicted) or skipped:
            # duplicates (``__skip``, from resolve_keys) and conflicts leave out by anti-join
            con.execute(
                "CREATE OR REPLACE TEMP TABLE __excluded AS SELECT o FROM __skip "
                "UNION ALL SELECT unnest(?::BIGINT[])",
                [conflicted.tolist()],
            )
            new_rows += f" AND {ORDINAL} NOT IN (SELECT o FROM __excluded)"
        part = partition_expression(s)
        # every excluded row passed the row rules (and duplicates and conflicts are disjoint),
        # so no extra scan is needed to count
        accepted = rows_ok - skipped - len(conflicted)
        base_parts = self.txn.base_partitions(s.name)
        replaced_keys_sql = ""
        months: set[str] = set()
        if accepted and base_parts:
            # rewrite the stored months the new rows may fall in (min..max of offered_at):
            # cheaper than listing the exact months, and a month rewritten with no new row in
            # it is only slower, never wrong
            if s.partition_by is None:
                low = high = "all"
            else:
                ts = _q(s.partition_by)
                low, high = con.execute(
                    f"SELECT strftime(min({ts}), '%Y-%m'), strftime(max({ts}), '%Y-%m') "
                    f"FROM ({new_rows})"
                ).fetchone()
            months |= {
                p.removeprefix("month=")
                for p in base_parts
                if low <= p.removeprefix("month=") <= high
            }
        if replaced:
            # the stored versions being replaced: to history, and their months get rewritten
            replaced_keys_sql = (
                f"SELECT {key} FROM {staged} WHERE {ORDINAL} IN (SELECT o FROM __replacing)"
            )
            all_stored = [f for fs in base_parts.values() for f in fs]
            old = (
                f"SELECT {cols} FROM read_parquet({_sql_list(all_stored)}) "
                f"WHERE ({key}) IN ({replaced_keys_sql})"
            )
            months |= {r[0] for r in con.execute(f"SELECT DISTINCT {part} FROM ({old})").fetchall()}
            hist_dir = self.txn.partition_dir(f"{s.name}_history", f"ingest={self.ingest_id}")
            hist_file = hist_dir / "part-0.parquet"
            now = datetime.now(UTC).isoformat()
            con.execute(
                f"COPY (SELECT *, CAST({_lit(now)} AS TIMESTAMPTZ) AS replaced_at, "
                f"{_lit(self.ingest_id)} AS replaced_by FROM ({old})) TO {_lit(str(hist_file))} "
                "(FORMAT parquet)"
            )
            self.txn.set_partition(
                f"{s.name}_history", f"ingest={self.ingest_id}", [hist_file], replaced
            )
        if not months and not accepted:
            return int(accepted)
        old_files = [f for m in months for f in base_parts.get(f"month={m}", [])]
        union = new_rows
        if old_files:
            keep_old = f"SELECT {cols} FROM read_parquet({_sql_list(old_files)})"
            if replaced:
                keep_old += f" WHERE ({key}) NOT IN ({replaced_keys_sql})"
            union = f"{new_rows} UNION ALL {keep_old}"
        order = ", ".join(f"{_q(c)} ASC NULLS LAST" for c in s.sort_by)
        sql = (
            f"SELECT *, {month_key_expression(s)} AS __month FROM ({union}) "
            f"ORDER BY __month NULLS LAST, {order}"
        )
        kept_old = sum(self.txn.base_rows(s.name, f"month={m}") for m in months)
        written = self._write_partitions(sql, self.work / "out", accepted + kept_old)
        for name, (file, rows) in written.items():
            dest = self.txn.partition_dir(s.name, name) / f"part-{self.ingest_id}-0.parquet"
            file.replace(dest)
            self.txn.set_partition(s.name, name, [dest], rows)
        for month in months - {n.removeprefix("month=") for n in written}:
            # every row of a rewritten month moved elsewhere (--replace changed its offered_at)
            self.txn.set_partition(s.name, f"month={month}", [], 0)
        return int(accepted)

    def _write_partitions(
        self, sql: str, out_dir: Path, expected: int, con: Any = None
    ) -> dict[str, tuple[Path, int]]:
        """Stream the sorted rows out of DuckDB and cut them into one Parquet file per month.

        DuckDB's ``COPY … PARTITION_BY`` after an ORDER BY costs about as much as the sort
        itself; the rows arrive sorted by month, so cutting the Arrow batches at the month
        boundaries (a vectorised search per batch) and writing each month with pyarrow is
        cheaper and keeps memory to one batch.
        """
        schema = self.schema
        target, dictionary = self._write_layout()
        written: dict[str, tuple[Path, int]] = {}
        writer: pq.ParquetWriter | None = None
        current = ""
        # the sort's buffers and the Arrow batches and Parquet pages out here add up: give
        # DuckDB less while they coexist (the sort spills a little more; memory stays bounded)
        done = 0
        own = con is None  # the caller of a cursor sets the memory limit around all its writes
        if own:
            self.con.execute(f"SET memory_limit = {_lit(WRITE_MEMORY_LIMIT)}")
        reader = (self.con if own else con).execute(sql).fetch_record_batch(WRITE_BATCH_ROWS)
        try:
            for batch in _prefetched(reader):
                keys = pc.fill_null(batch.column(batch.num_columns - 1), -1).to_numpy()
                data = pa.Table.from_batches([batch]).drop_columns(["__month"]).cast(target)
                bounds = [0, *(np.flatnonzero(keys[1:] != keys[:-1]) + 1).tolist(), len(keys)]
                for start, end in itertools.pairwise(bounds):
                    name = partition_name(schema, int(keys[start]))
                    if name != current:
                        if writer is not None:
                            writer.close()
                        if name in written:  # pragma: no cover - the ORDER BY guarantees it
                            raise RuntimeError(f"{schema.name}: rows of {name} out of order")
                        path = out_dir / name / "part-0.parquet"
                        path.parent.mkdir(parents=True)
                        writer = pq.ParquetWriter(
                            path, target, use_dictionary=dictionary, compression="snappy"
                        )
                        written[name] = (path, 0)
                        current = name
                    assert writer is not None
                    writer.write_table(data.slice(start, end - start))
                    written[name] = (written[name][0], written[name][1] + end - start)
                done += len(keys)
                if self.progress is not None and expected:  # else the caller reports
                    self.progress(schema.name, "writing", done / expected)
        finally:
            if writer is not None:
                writer.close()
            reader.close()
            if own:
                self.con.execute(f"SET memory_limit = {_lit(MEMORY_LIMIT)}")
        return written

    # -- the whole table ----------------------------------------------------------------------

    # -- the month-split path: one read of the delivery, sorted month by month ---------------

    def _split_path_likely(self) -> bool:
        """False when a sample of the delivery's keys is already stored (a replay, a correction).

        Only a guess, to spare such deliveries a split that would be thrown away: the split
        path checks every key exactly before it writes anything.
        """
        stored = self.txn.base_files(self.schema.name)
        if not stored:
            return True
        key = ", ".join(_q(k) for k in self.schema.key)
        checked = self.compiled.fast_pass(self._relation(self.src.path))
        sample = f"SELECT hash({key}) AS kh FROM ({checked}) WHERE __ok LIMIT {SAMPLE_ROWS}"
        try:
            (hits,) = self.con.execute(
                f"SELECT count(*) FROM ({sample}) WHERE kh IN "
                f"(SELECT hash({key}) FROM read_parquet({_sql_list(stored)}))"
            ).fetchone()
        except Exception:  # duckdb.Error: a file the staged path has to clean first
            return False
        return int(hits) == 0

    def _split_path(self) -> _Outcome | None:
        """Validate once and store month by month, when no key repeats or is stored already.

        The delivery is read, typed and checked in one streaming query; the rows that pass
        are cut into one Arrow file per month (a cheap write the page cache
        usually absorbs) while their key hashes are collected. When no key hash repeats and
        none is stored, every passing row is accepted: each month is sorted on its own (a
        month fits in memory, the whole delivery does not) and written, merged with the rows
        the workspace already holds for that month. Otherwise (or when DuckDB cannot read the
        file) it returns None and the staged path does the work, leaving nothing behind.
        """
        import duckdb

        split_dir = self.work / "months"
        try:
            split = self._split_by_month(split_dir)
        except duckdb.Error:  # not plain RFC 4180 (or not UTF-8): the staged path cleans it
            shutil.rmtree(split_dir, ignore_errors=True)
            return None
        if not self._keys_are_new(split.key_hashes):
            shutil.rmtree(split_dir)
            return None
        self._progress("writing")
        accepted = self._write_months(split)
        shutil.rmtree(split_dir)
        ok = split.rows_read - len(split.bad)
        return split.rows_read, ok, split.bad, 0, [], 0, accepted

    def _split_by_month(self, split_dir: Path) -> _MonthSplit:
        """Read the delivery in parts at once (a DuckDB stream to Python uses one core each)."""
        split_dir.mkdir()
        self.sort_bounds, self.null_bounds = self._sort_bounds()
        cuts: list[int] = []
        if self.src.kind == "csv" and self.src.path.stat().st_size >= SPLIT_BYTES:
            cuts = record_cuts(self.src.path, READERS)
        self._progress("validating")
        if len(cuts) < 3:
            parts = [self._split_part(self.src.path, split_dir / "0")]
        else:
            parts_dir = self.work / "parts"
            parts_dir.mkdir()

            def read_part(index: int) -> _MonthSplit:
                # each reader copies its own run of records first: the copies overlap too
                part = parts_dir / f"part-{index}.csv"
                write_part(self.src.path, cuts[index], cuts[index + 1], part)
                try:
                    return self._split_part(part, split_dir / str(index))
                finally:
                    part.unlink()  # read: give the disk back before the months are written

            with ThreadPoolExecutor(len(cuts) - 1) as pool:
                parts = list(pool.map(read_part, range(len(cuts) - 1)))
        bad: list[np.ndarray] = []
        files: dict[int, list[Path]] = {}
        rows: dict[int, int] = {}
        read = 0
        for part in parts:
            bad.append(part.bad + read)  # ordinals in the whole delivery
            read += part.rows_read
            for month, paths in part.files.items():
                files.setdefault(month, []).extend(paths)
                rows[month] = rows.get(month, 0) + part.rows[month]
        return _MonthSplit(
            read,
            np.concatenate(bad),
            np.concatenate([p.key_hashes for p in parts]),
            files,
            rows,
        )

    def _split_part(self, path: Path, split_dir: Path) -> _MonthSplit:
        """One part: typed and checked in a stream, passing rows appended to month files.

        A row that breaks a rule is named by its ordinal in ``path`` (:data:`ORDINAL`).
        """
        s = self.schema
        key = ", ".join(_q(k) for k in s.key)
        piece = f"coalesce({month_key_expression(s)}, -1) * {PIECES} + {self._range_sql()}"
        sql = (
            f"SELECT *, hash({key}) AS __kh, {piece} AS __month "
            f"FROM ({self.compiled.fast_pass(self._numbered(path), (ORDINAL,))})"
        )
        split_dir.mkdir()
        writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        files: dict[int, list[Path]] = {}
        rows: dict[int, int] = {}
        bad: list[np.ndarray] = []
        hashes: list[np.ndarray] = []
        read = 0
        con = self.con.cursor()  # its own stream; session settings are per cursor
        try:
            con.execute("SET TimeZone = 'UTC'")
            reader = con.execute(sql).fetch_record_batch(WRITE_BATCH_ROWS)
            flags = ("__ok", "__kh", "__month", ORDINAL)
            data_names = [n for n in reader.schema.names if n not in flags]
            try:
                for batch in _prefetched(reader):
                    passed = batch.column("__ok")
                    if passed.false_count:
                        # by the ordinal column: the stream is not in file order
                        failed = pc.filter(batch.column(ORDINAL), pc.invert(passed))
                        bad.append(failed.to_numpy().astype(np.int64))
                        batch = batch.filter(passed)  # noqa: PLW2901 - only passing rows go on
                    read += len(passed)
                    if not batch.num_rows:
                        continue
                    # a copy: a view would keep DuckDB's whole batch alive (one release per batch)
                    hashes.append(batch.column("__kh").to_numpy().copy())
                    months = batch.column("__month").to_numpy()  # piece keys, in fact
                    data = batch.select(data_names)
                    if (months[1:] != months[:-1]).any():
                        # most deliveries hold one month; a year's export is regrouped per batch
                        order = np.argsort(months, kind="stable")
                        months = months[order]
                        data = data.take(pa.array(order))
                    cuts = np.flatnonzero(months[1:] != months[:-1]) + 1
                    for start, end in itertools.pairwise([0, *cuts.tolist(), len(months)]):
                        month = int(months[start])
                        if month not in writers:
                            file = split_dir / f"{month}.arrow"
                            files[month] = [file]
                            writers[month] = pa.ipc.new_file(file, data.schema)
                            rows[month] = 0
                        writers[month].write_batch(data.slice(start, end - start))
                        rows[month] += end - start
                    if self.progress is not None:
                        self.progress(s.name, "validating", None)
            finally:
                for writer in writers.values():
                    writer.close()
                reader.close()
        finally:
            con.close()
        return _MonthSplit(
            read,
            np.concatenate(bad) if bad else np.empty(0, np.int64),
            np.concatenate(hashes) if hashes else np.empty(0, np.uint64),
            files,
            rows,
        )

    def _keys_are_new(self, hashes: np.ndarray) -> bool:
        """No key hash repeats inside the delivery and none is stored (exactly: by hash)."""
        ordered = np.sort(hashes)
        if (ordered[1:] == ordered[:-1]).any():
            return False
        stored = self.txn.base_files(self.schema.name)
        if not stored or not len(hashes):
            return True
        key = ", ".join(_q(k) for k in self.schema.key)
        new_keys = pa.table({"kh": pa.array(ordered, pa.uint64())})
        self.con.register("__new_keys", new_keys)
        try:
            (hits,) = self.con.execute(
                f"SELECT count(*) FROM read_parquet({_sql_list(stored)}) "
                f"WHERE hash({key}) IN (SELECT kh FROM __new_keys)"
            ).fetchone()
        finally:
            self.con.unregister("__new_keys")
        return int(hits) == 0

    def _sort_bounds(self) -> tuple[list[str], list[int]]:
        """Values cutting a large delivery's months into ranges of its sort columns.

        Chosen from a sample so that each range holds at most about :data:`SORT_ROWS` rows
        of the delivery even if it is all one month (a monthly export): a sort that fits in
        memory does not spill. First, bounds of the first sort column (customer for
        contacts); then, when that column is often empty (a vendor without customer ids)
        and the second is a timestamp, bounds of the second (as microseconds since the
        epoch) for the rows without a first value, which sort last. Empty when the delivery
        is small.
        """
        s = self.schema
        first = s.sort_by[0]
        if (
            self.src.kind != "csv"
            or s.column(first).kind is not Kind.STRING
            or first not in self.src.columns
            or self.src.path.stat().st_size < SPLIT_BYTES
        ):
            return [], []
        columns = [self.src.columns.index(first)]
        second = s.sort_by[1] if len(s.sort_by) > 1 else ""
        by_second = second in self.src.columns and s.column(second).kind is Kind.TIMESTAMP
        if by_second:
            columns.append(self.src.columns.index(second))
        sample, rows = sample_columns(self.src.path, columns, len(self.src.columns))
        if not sample[0]:
            return [], []
        given = sorted(v for v in sample[0] if v)
        given_rows = rows * len(given) // len(sample[0])
        ranges = min(-(-given_rows // SORT_ROWS), PIECES // 2)
        bounds: list[str] = []
        if ranges >= 2 and len(given) >= 10 * ranges:
            bounds = sorted({given[len(given) * k // ranges] for k in range(1, ranges)})
        if not by_second:
            return bounds, []
        empty = [t for v, t in zip(sample[0], sample[1], strict=True) if not v]
        ranges = min(-(-(rows - given_rows) // SORT_ROWS), PIECES // 2 - 1)
        if ranges < 2 or len(empty) < 10 * ranges:
            return bounds, []
        parsed = self.con.execute(
            "SELECT list_sort(list_filter(list_transform(?, "
            "v -> epoch_us(TRY_CAST(v AS TIMESTAMPTZ))), x -> x IS NOT NULL))",
            [empty],
        ).fetchone()
        times: list[int] = parsed[0] if parsed else []
        if len(times) < 10 * ranges:
            return bounds, []
        return bounds, sorted({times[len(times) * k // ranges] for k in range(1, ranges)})

    def _range_count(self) -> int:
        if not self.null_bounds:
            return len(self.sort_bounds) + 1
        return len(self.sort_bounds) + len(self.null_bounds) + 2

    def _range_sql(self) -> str:
        """SQL: the range of :meth:`_sort_bounds` a row falls in, in sort order: the ranges of
        the first sort column, then those of the second for rows without a first value
        (or, without those, such rows in the last range: nulls sort last)."""
        bounds, times = self.sort_bounds, self.null_bounds
        first = _q(self.schema.sort_by[0])
        by_first = "0"
        if bounds:
            whens = " ".join(f"WHEN {first} < {_lit(b)} THEN {i}" for i, b in enumerate(bounds))
            by_first = f"(CASE {whens} ELSE {len(bounds)} END)"
        if not times:
            return by_first
        second = f"epoch_us({_q(self.schema.sort_by[1])})"
        whens = " ".join(f"WHEN {second} < {t} THEN {i}" for i, t in enumerate(times))
        by_second = f"(CASE {whens} ELSE {len(times)} END)"
        return (
            f"(CASE WHEN {first} IS NULL THEN {len(bounds) + 1} + {by_second} ELSE {by_first} END)"
        )

    def _range_predicate(self, index: int) -> str:
        """SQL: the row is in range ``index`` of :meth:`_range_sql`, written as comparisons
        so that DuckDB skips the stored row groups (sorted by those columns) outside it."""
        bounds, times = self.sort_bounds, self.null_bounds
        first = _q(self.schema.sort_by[0])
        if index <= len(bounds):
            terms = []
            if index > 0:
                terms.append(f"{first} >= {_lit(bounds[index - 1])}")
            if index < len(bounds):
                terms.append(f"{first} < {_lit(bounds[index])}")
            elif not times:  # the last range holds the rows without a first value too
                return f"({terms[0]} OR {first} IS NULL)" if terms else "true"
            else:
                terms.append(f"{first} IS NOT NULL")
            return " AND ".join(terms)
        at = index - len(bounds) - 1
        second = _q(self.schema.sort_by[1])
        terms = [f"{first} IS NULL"]
        if at < len(times):
            if at > 0:
                terms.append(f"epoch_us({second}) >= {times[at - 1]}")
            terms.append(f"epoch_us({second}) < {times[at]}")
        else:
            terms.append(f"(epoch_us({second}) >= {times[at - 1]} OR {second} IS NULL)")
        return " AND ".join(terms)

    def _write_months(self, split: _MonthSplit) -> int:
        """Sort each month's new rows (with the month's stored rows) and write its partition.

        Two months at a time, each on its own cursor: while one is sorted (DuckDB) the other
        is encoded to Parquet (pyarrow), so both cores stay busy.
        """
        s = self.schema
        out_dir = self.work / "out"
        out_dir.mkdir()
        pieces: dict[int, list[int]] = {}
        for key in sorted(split.files):
            pieces.setdefault(key // PIECES, []).append(key)
        months = sorted(pieces)
        self.con.execute(f"SET memory_limit = {_lit(WRITE_MEMORY_LIMIT)}")
        try:
            with ThreadPoolExecutor(min(WRITERS, len(months)) or 1) as pool:
                results = pool.map(
                    lambda m: self._write_month(
                        m, {k % PIECES: split.files[k] for k in pieces[m]}, out_dir
                    ),
                    months,
                )
                for done, (part, file, count) in enumerate(results, start=1):
                    dest = self.txn.partition_dir(s.name, part)
                    dest = dest / f"part-{self.ingest_id}-0.parquet"
                    file.replace(dest)
                    self.txn.set_partition(s.name, part, [dest], count)
                    if self.progress is not None:
                        self.progress(s.name, "writing", done / len(months))
        finally:
            self.con.execute(f"SET memory_limit = {_lit(MEMORY_LIMIT)}")
        return sum(split.rows.values())

    def _write_month(
        self, month: int, ranges: dict[int, list[Path]], out_dir: Path
    ) -> tuple[str, Path, int]:
        """One month's partition file: its ranges sorted one after the other, in order.

        ``ranges`` maps a range (:meth:`_range_sql`) to the new rows' files; the month's
        stored rows are merged range by range, every range of them, new rows or not.
        """
        s = self.schema
        cols = ", ".join(_q(c) for c in s.names)
        order = ", ".join(f"{_q(c)} ASC NULLS LAST" for c in s.sort_by)
        name = partition_name(s, month)
        old = self.txn.base_partitions(s.name).get(name, [])
        path = out_dir / name / "part-0.parquet"
        path.parent.mkdir()
        target, dictionary = self._write_layout()
        rows = 0
        con = self.con.cursor()
        writer = pq.ParquetWriter(path, target, use_dictionary=dictionary, compression="snappy")
        try:
            con.execute("SET TimeZone = 'UTC'")  # session settings are per cursor
            every = range(self._range_count()) if old else sorted(ranges)
            for index in every:
                parts = []
                if files := ranges.get(index):
                    # read batch by batch, one ahead: the dataset's default read-ahead held
                    # about 300 MB more at the peak of a 10-million-row month
                    data = pads.dataset([str(f) for f in files], format="ipc")
                    scan = data.scanner(batch_readahead=1, fragment_readahead=1).to_reader()
                    con.register("__range_rows", scan)
                    parts.append(f"SELECT {cols} FROM __range_rows")
                if old:
                    # no key of the delivery is stored (checked), so the month is a union
                    parts.append(
                        f"SELECT {cols} FROM read_parquet({_sql_list(old)}) "
                        f"WHERE {self._range_predicate(index)}"
                    )
                union = " UNION ALL ".join(parts)
                reader = con.execute(f"{union} ORDER BY {order}").fetch_record_batch(
                    WRITE_BATCH_ROWS
                )
                try:
                    for batch in _prefetched(reader):
                        writer.write_table(pa.Table.from_batches([batch]).cast(target))
                        rows += batch.num_rows
                finally:
                    reader.close()
                if files:
                    con.unregister("__range_rows")
                    for file in files:  # written out: give the disk back
                        file.unlink()
        finally:
            writer.close()
            con.close()
        return name, path, rows

    def _write_layout(self) -> tuple[pa.Schema, list[str]]:
        """The stored Arrow schema and the columns worth a Parquet dictionary."""
        schema = self.schema
        target = pa.schema([f.with_nullable(True) for f in arrow_schema(schema)])
        # dictionaries pay off for low-cardinality columns; for ids they are wasted work
        near_unique = {*schema.key, schema.sort_by[0]}
        dictionary = [
            c.name
            for c in schema.columns
            if c.kind in (Kind.STRING, Kind.ENUM, Kind.LIST) and c.name not in near_unique
        ]
        return target, dictionary

    def run(self) -> list[Diagnostic]:
        outcome = self._split_path() if self._split_path_likely() else None
        if outcome is None:
            outcome = self._staged_path()
        rows_in_stage, _, bad, skipped, conflicts, replaced, accepted = outcome
        conflict_ord = np.array([c[0] for c in conflicts], np.int64)
        located = self.locate(np.concatenate([bad, conflict_ord]))
        faults = self.reasons(bad, located) + conflicts
        rejected_rows = {o for o, *_ in faults}
        r = self.report
        r.rows_read = int(rows_in_stage) + len(self.pre_rejects)
        r.accepted = accepted
        r.duplicates = skipped
        r.rejected = len(rejected_rows) + len(self.pre_rejects)
        r.replaced = replaced
        if r.rows_read != r.accepted + r.rejected + r.duplicates:  # pragma: no cover
            raise RuntimeError(f"{self.schema.name}: row accounting does not add up: {r}")
        diagnostics, rows_text = self.diagnostics(faults, located)
        if diagnostics:
            rel = f"rejects/{self.ingest_id}/{self.schema.name}.rejects.csv"
            path = self.txn.add_file(rel)
            write_rejects(path, diagnostics, rows_text)
            r.rejects_file = rel
        return diagnostics

    def _staged_path(self) -> _Outcome:
        """Validate into a staged Parquet file, resolve keys against it, then write.

        The general path: repeated keys inside the delivery, keys already stored (a replay, a
        correction, ``--replace``) and CSV files DuckDB's reader refuses all go this way.
        """
        self.fast_pass()
        staged = f"read_parquet({_lit(str(self.staged))})"
        rows_in_stage, rows_ok = self.con.execute(
            f"SELECT count(*), count_if(__ok) FROM {staged}"
        ).fetchone()
        bad = np.empty(0, np.int64)
        if rows_ok < rows_in_stage:
            found = self.con.execute(f"SELECT {ORDINAL} FROM {staged} WHERE NOT __ok").fetchnumpy()[
                ORDINAL
            ]
            bad = np.asarray(found, np.int64)
        self._progress("checking keys")
        skipped, conflicts, replaced = self.resolve_keys()
        conflict_ord = np.array([c[0] for c in conflicts], np.int64)
        self._progress("writing")
        accepted = self.write(conflict_ord, skipped, replaced, int(rows_ok))
        return int(rows_in_stage), int(rows_ok), bad, skipped, conflicts, replaced, accepted


def _prefetched(reader: pa.RecordBatchReader, depth: int = 1) -> Iterator[pa.RecordBatch]:
    """The reader's batches, fetched by a helper thread while the caller works on the last one.

    DuckDB (scanning the sorted rows into Arrow) and pyarrow (encoding Parquet) both release
    the GIL, so on two cores the fetch and the write overlap instead of taking turns.
    """
    slots: queue.Queue[pa.RecordBatch | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: pa.RecordBatch | BaseException | None) -> bool:
        # never block for good: the consumer may have stopped early (an error while writing)
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for batch in reader:
                if not put(batch):
                    return
            put(None)
        except BaseException as exc:
            put(exc)

    thread = threading.Thread(target=fetch, daemon=True)
    thread.start()
    try:
        while True:
            item = slots.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _sql_list(files: Sequence[str | Path]) -> str:
    return "[" + ", ".join(_lit(str(f)) for f in files) + "]"


def _connect(temp: Path) -> Any:
    import duckdb

    con = duckdb.connect(config={"threads": max(os.cpu_count() or 1, 1)})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = {_lit(str(temp))}")
    con.execute(f"SET memory_limit = {_lit(MEMORY_LIMIT)}")
    return con


def ingest_sources(
    sources: list[SourceFile],
    workspace: Path,
    *,
    replace: bool = False,
    progress: Progress | None = None,
    origin: str = "interchange",
    pre_rejects: dict[str, list[Diagnostic]] | None = None,
    hashes_of: list[Path] | None = None,
    superseded: dict[str, int] | None = None,
    wait: LockWait | None = None,
) -> IngestReport:
    """Validate and store already-located table files (see :func:`ingest_path`)."""
    started = time.perf_counter()
    ws = Workspace(workspace)
    ingest_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    report = IngestReport(ingest_id, str(workspace))
    files_to_hash = hashes_of or [s.path for s in sources]
    with ThreadPoolExecutor(1) as pool:
        hashing = pool.submit(lambda: {str(p): sha256_file(p) for p in files_to_hash})
        with ws.transaction(purpose="ingest", wait=wait) as txn:
            con = _connect(txn.scratch)
            try:
                diags: list[Diagnostic] = []
                for src in sources:
                    diags.extend(inspect_source(src, con))
                if diags:
                    raise DeliveryError(diags)
                for src in sources:
                    job = _TableIngest(con, src, txn, ingest_id, replace, progress)
                    report.diagnostics.extend(job.run())
                    report.tables[src.table] = job.report
            finally:
                con.close()
            if pre_rejects:
                _merge_adapter_rejects(report, pre_rejects, txn, ingest_id)
            for table, count in (superseded or {}).items():
                if table in report.tables:
                    report.tables[table].rows_read += count
                    report.tables[table].duplicates += count
            txn.log(
                {
                    "kind": "ingest",
                    "ingest_id": ingest_id,
                    "at": datetime.now(UTC).isoformat(),
                    "from": origin,
                    "replace": replace,
                    "files": hashing.result(),
                    "tables": {t: r.to_json() for t, r in report.tables.items()},
                }
            )
    report.seconds = time.perf_counter() - started
    return report


def _merge_adapter_rejects(
    report: IngestReport,
    pre: dict[str, list[Diagnostic]],
    txn: Transaction,
    ingest_id: str,
) -> None:
    """Records an adapter could not convert count as rejected rows of their table."""
    for table, diags in pre.items():
        if not diags:
            continue
        tr = report.tables.setdefault(table, TableReport(table, diags[0].source))
        tr.rows_read += len(diags)
        tr.rejected += len(diags)
        report.diagnostics.extend(diags)
        rel = tr.rejects_file or f"rejects/{ingest_id}/{table}.rejects.csv"
        path = txn.next_path / rel
        existing: list[list[str]] = []
        if path.exists():
            with path.open(encoding="utf-8", newline="") as handle:
                existing = list(csv.reader(handle))[1:]
        else:
            txn.add_file(rel)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["source", "line", "field", "code", "reason", "row"])
            writer.writerows(existing)
            for d in diags:
                writer.writerow([d.source, d.line, d.field, d.code, d.message, d.hint])
        tr.rejects_file = rel


ADAPTERS = ("interchange", "amazon-connect", "asterisk", "genesys", "mapped")


def ingest_path(
    path: str | os.PathLike[str],
    workspace: str | os.PathLike[str],
    *,
    source_format: str = "interchange",
    mapping: str | os.PathLike[str] | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    wait: LockWait | None = None,
) -> IngestReport:
    """Ingest a delivery into a workspace (created if absent).

    ``source_format`` is ``interchange`` (a folder of ``<table>.csv|.parquet``, or one such
    file) or an adapter: ``amazon-connect``, ``asterisk``, ``genesys``, ``mapped`` (needs
    ``mapping``, a YAML file). Raises :class:`DeliveryError` when nothing could be processed.
    While another process writes the workspace this waits for its lock as ``wait`` says (by
    default up to ten minutes), then ingests on top of what it wrote; :class:`WorkspaceBusy`
    when the wait runs out.
    """
    path = Path(path)
    workspace = Path(workspace)
    if source_format == "interchange":
        return ingest_sources(
            find_sources(path), workspace, replace=replace, progress=progress, wait=wait
        )
    if source_format not in ADAPTERS:
        raise DeliveryError(
            [
                _diag(
                    str(path),
                    "D003",
                    f"unknown format {source_format!r}",
                    hint="one of " + ", ".join(ADAPTERS),
                )
            ]
        )
    from callpact.data.adapters import convert
    from callpact.data.adapters.mapped import MappingError

    workspace.mkdir(parents=True, exist_ok=True)
    # not under .staging: a transaction clears that folder when it starts
    tmp = workspace / f".adapter-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        if not path.exists():
            raise DeliveryError([_diag(str(path), "D002", "no such file or folder")])
        try:
            converted = convert(
                source_format, path, tmp, mapping=Path(mapping) if mapping else None
            )
        except MappingError as exc:
            raise DeliveryError(exc.diagnostics) from exc
        sources = [
            SourceFile(
                t,
                f,
                "parquet",
                display=converted.display.get(t, str(path)),
                source_columns=converted.source_columns.get(t, {}),
            )
            for t, f in converted.tables.items()
        ]
        return ingest_sources(
            sources,
            workspace,
            replace=replace,
            progress=progress,
            origin=source_format,
            pre_rejects=converted.rejects,
            hashes_of=converted.inputs,
            superseded=converted.superseded,
            wait=wait,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass(frozen=True)
class CheckedRow:
    """A row that broke no row rule: its canonical values by column (a timestamp as an aware
    UTC ``datetime``, a null as ``None`` or the column's default) and the physical line where
    its record starts (Parquet: the 1-based row number)."""

    line: int
    values: dict[str, Any]


@dataclass(frozen=True)
class CheckedTable:
    """One table file read and checked by :func:`check_table_file`."""

    source: str
    columns: tuple[str, ...]  # the header as delivered
    rows: tuple[CheckedRow, ...]  # the rows that broke no rule, in file order
    diagnostics: tuple[Diagnostic, ...]  # every broken rule, and any problem with the file

    def column_of(self, name: str) -> int:
        """The 1-based column of ``name`` in the file (0 when the file has no such column)."""
        return self.columns.index(name) + 1 if name in self.columns else 0


def check_table_file(table: str, path: Path, *, display: str | None = None) -> CheckedTable:
    """Read one interchange table file (``.csv`` or ``.parquet``) and check every row against
    the table's row rules, storing nothing.

    The reading and the rules of :func:`ingest_path`: timestamps need an offset and come back in
    UTC, an empty field is null (or the column's default), and each broken rule is a diagnostic
    naming the file, line, field and what was expected (codes ``R0xx``-``R2xx``); a file that
    cannot be read or lacks a required column gives its ``D0xx`` diagnostics and no rows. Keys
    are not compared (there is no workspace): what a repeated key means is the caller's rule.
    Everything is held in memory, for a small table a service takes whole (incidents).
    """
    kind = "parquet" if path.suffix.lower() == ".parquet" else "csv"
    src = SourceFile(table, path, kind, display=display or str(path))
    if not path.is_file():
        return CheckedTable(src.display, (), (), (_diag(src.display, "D002", "no such file"),))
    with tempfile.TemporaryDirectory(prefix="callpact-check-") as scratch:
        con = _connect(Path(scratch))
        try:
            problems = inspect_source(src, con)
            if problems:
                return CheckedTable(src.display, tuple(src.columns), (), tuple(problems))
            check = _TableCheck(con, src, Path(scratch))
            check.fast_pass()
            # back in file order: the staged rows are not (see _TableCheck._numbered)
            staged = pq.read_table(check.staged).sort_by(ORDINAL)
            ok = np.asarray(staged.column("__ok").to_numpy(zero_copy_only=False), bool)
            ordinals = np.asarray(staged.column(ORDINAL).to_numpy(), np.int64)
            located = check.locate(ordinals)
            diagnostics, _ = check.diagnostics(check.reasons(ordinals[~ok], located), located)
            values = staged.select(list(check.schema.names)).to_pylist()
        finally:
            con.close()
    rows = tuple(
        CheckedRow(located.lines[o], v)
        for o, v, passed in zip(ordinals.tolist(), values, ok.tolist(), strict=True)
        if passed
    )
    return CheckedTable(src.display, tuple(src.columns), rows, tuple(diagnostics))


def report_json(report: IngestReport) -> str:
    return json.dumps(report.to_json(), indent=2)
