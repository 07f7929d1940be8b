"""The workspace: canonical tables as Parquet, an ingest log and rejects, switched atomically.

Layout of a workspace folder (default ``./callpact-data``)::

    CURRENT                       one line: the name of the live generation, e.g. gen-00000007
    gen-00000007/
      manifest.json               tables → Parquet files (relative), row counts
      ingest_log.jsonl            one JSON object per ingest: source files, SHA-256, time, counts
      tables/contacts/month=2027-01/part-<id>.parquet
      tables/contacts_history/…   replaced row versions (``ingest --replace``)
      tables/agents/all/part-<id>.parquet   (tables without a timestamp: one partition)
      rejects/<ingest-id>/contacts.rejects.csv
    .staging/                     work in progress; removed by the next writer

A writer never touches the live generation: it builds ``gen-N+1`` (hard-linking every file it
does not change), then replaces ``CURRENT`` with one atomic rename. A process killed at any
point before that rename leaves the live data, log and rejects exactly as they were. The
previous generation is kept (a reader that listed its files may still be reading them); older
ones are deleted by the next writer.

Partitions: contacts by the UTC month of ``offered_at``; every other table by the UTC month of
its own timestamp (``schema.TableSchema.partition_by``). Inside each contacts partition rows are
sorted by ``(customer_id, offered_at)`` (nulls last), so the KPI engine can find a customer's
repeat contacts (FCR) with a merge over one or two adjacent months instead of a global sort.

Public read API (used by the KPI engine, settlement and verbatim)::

    with open_source(path) as src:            # a workspace OR a raw interchange folder
        src.has_table("contacts") -> bool
        src.parquet_files("contacts") -> list[str]   # absolute paths; [] when absent
        src.dataset("contacts") -> pyarrow.dataset.Dataset (canonical schema)
        src.read_table("contacts", columns=None) -> pyarrow.Table
        src.rejected -> dict[str, int]        # rows rejected per table (raw folder: by the same
                                              # rules as ingest; workspace: over all ingests)
        src.duplicates -> dict[str, int]
        src.fingerprint("contacts") -> str    # SHA-256 hex, independent of row/file order

    Workspace(path).write_derived("verbatim_judgements", arrow_table)   # atomic, replaces
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from callpact.data.partitions import partition_names
from callpact.data.schema import TABLES, Kind, TableSchema, arrow_schema, history_arrow_schema

DEFAULT_WORKSPACE = Path("callpact-data")
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
INGEST_LOG = "ingest_log.jsonl"
STAGING = ".staging"
LOCK = ".lock"
FORMAT = "callpact-workspace"
FORMAT_VERSION = 1


# A second writer waits this long for the lock before giving up (a large ingest takes minutes).
DEFAULT_LOCK_WAIT_S = 600.0


class WorkspaceError(Exception):
    """The folder is not a usable workspace (corrupt pointer or manifest, locked, …)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _fsync_dir(path: Path) -> None:
    # Directory fsync makes the rename durable on POSIX; not available everywhere.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def is_workspace(path: Path) -> bool:
    return (path / CURRENT).is_file()


# ---------------------------------------------------------------------------------------------
# Fingerprints


def _fingerprint_row_sql(schema: TableSchema) -> str:
    """SQL for the canonical text of one row (documented in docs/interchange.md).

    Each value becomes text (timestamp → epoch microseconds, duration/number → round(x·10⁶) as an
    integer, boolean → true/false, date → YYYY-MM-DD, integer and string as they are), written
    as ``<UTF-8 byte length>:<text>``; a null is ``~``. Values are concatenated in schema order.
    """
    parts = []
    for col in schema.columns:
        name = f'"{col.name}"'
        if col.kind is Kind.TIMESTAMP:
            text = f"CAST(epoch_us({name}) AS VARCHAR)"
        elif col.kind in (Kind.DURATION, Kind.NUMBER):
            text = f"CAST(CAST(round({name} * 1000000) AS BIGINT) AS VARCHAR)"
        elif col.kind is Kind.BOOLEAN:
            text = f"CASE WHEN {name} THEN 'true' ELSE 'false' END"
        elif col.kind is Kind.DATE:
            text = f"strftime({name}, '%Y-%m-%d')"
        else:
            text = f"CAST({name} AS VARCHAR)"
        parts.append(
            f"CASE WHEN {name} IS NULL THEN '~' "
            f"ELSE CAST(strlen({text}) AS VARCHAR) || ':' || {text} END"
        )
    return " || ".join(parts) if parts else "''"


def fingerprint_files(table: str, files: list[str]) -> str:
    """SHA-256 of a table's rows, independent of row and file order.

    ``sha256("callpact-table-v1\\n" + table + "\\n" + sorted row digests, one per line)`` where a
    row digest is the hex SHA-256 of the row's canonical text (see ``_fingerprint_row_sql``).
    """
    import duckdb

    schema = TABLES[table]
    digest = hashlib.sha256(f"callpact-table-v1\n{table}\n".encode())
    if not files:
        return digest.hexdigest()
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        cols = ", ".join(f'"{c}"' for c in schema.names)
        rel = f"SELECT {cols} FROM read_parquet({_sql_list(files)}, union_by_name = true)"
        cur = con.execute(
            f"SELECT sha256({_fingerprint_row_sql(schema)}) AS h FROM ({rel}) ORDER BY h"
        )
        while True:
            batch = cur.fetchmany(100_000)
            if not batch:
                break
            digest.update("".join(f"{h}\n" for (h,) in batch).encode())
    finally:
        con.close()
    return digest.hexdigest()


def _sql_list(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


# ---------------------------------------------------------------------------------------------
# Read side


@dataclass
class DataSource:
    """Canonical tables ready to compute on, from a workspace or a validated raw folder.

    ``parquet_files(table)`` lists absolute paths of Parquet files with the canonical schema
    (``schema.arrow_schema(table)``); their union is the table. ``rejected[table]`` counts rows
    that were left out because a row rule failed (never silently dropped); ``duplicates[table]``
    counts exact repeats that were skipped.
    """

    root: Path
    kind: str  # "workspace" or "folder"
    files: dict[str, list[str]]
    rejected: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)
    rejects_files: dict[str, list[str]] = field(default_factory=dict)
    _tempdir: tempfile.TemporaryDirectory[str] | None = None

    def has_table(self, name: str) -> bool:
        return bool(self.files.get(name))

    def delivered_tables(self, month: str) -> set[str]:
        """The tables holding rows of ``month`` (YYYY-MM): a file in its month partition, or
        any file of a table kept whole (``month=all``, such as ``agents``)."""
        partitions = {f"month={month}", f"period={month}", "month=all"}
        return {
            name
            for name, paths in self.files.items()
            if any(Path(path).parent.name in partitions for path in paths)
        }

    def parquet_files(self, name: str) -> list[str]:
        if name not in TABLES and not name.endswith("_history"):
            raise KeyError(f"unknown table {name!r}")
        return list(self.files.get(name, []))

    def dataset(self, name: str) -> pads.Dataset:
        schema = (
            history_arrow_schema(name.removesuffix("_history"))
            if name.endswith("_history")
            else arrow_schema(name)
        )
        return pads.dataset(self.parquet_files(name), schema=schema, format="parquet")

    def read_table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        return self.dataset(name).to_table(columns=columns)

    def fingerprint(self, name: str) -> str:
        return fingerprint_files(name, self.parquet_files(name))

    def close(self) -> None:
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> DataSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------
# Write side


@dataclass
class Generation:
    """One immutable state of the workspace."""

    name: str
    path: Path
    manifest: dict[str, Any]

    @property
    def tables(self) -> dict[str, dict[str, Any]]:
        tables: dict[str, dict[str, Any]] = self.manifest["tables"]
        return tables

    def files(self, table: str) -> list[str]:
        entry = self.tables.get(table)
        if not entry:
            return []
        return [str(self.path / f) for f in entry["files"]]

    def ingest_log(self) -> list[dict[str, Any]]:
        log = self.path / INGEST_LOG
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text("utf-8").splitlines() if line]


class Workspace:
    """A workspace folder. Readers use :meth:`source`; writers use :meth:`transaction`."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_WORKSPACE) -> None:
        self.path = Path(path)

    # -- reading ------------------------------------------------------------------------------

    def current(self) -> Generation | None:
        pointer = self.path / CURRENT
        if not pointer.exists():
            return None
        name = pointer.read_text("utf-8").strip()
        gen_path = self.path / name
        try:
            manifest = json.loads((gen_path / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkspaceError(f"{pointer}: generation {name!r} is unreadable: {exc}") from exc
        if manifest.get("format") != FORMAT:
            raise WorkspaceError(f"{gen_path / MANIFEST}: not a callpact workspace manifest")
        return Generation(name, gen_path, manifest)

    def source(self) -> DataSource:
        gen = self.current()
        if gen is None:
            raise WorkspaceError(f"{self.path}: no workspace here (no {CURRENT} file)")
        # A replayed file is rejected again; count each source file (by SHA-256) once, with the
        # counts of its latest ingest.
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in gen.ingest_log():
            files = entry.get("files", {})
            for table, counts in entry.get("tables", {}).items():
                source = str(counts.get("source", ""))
                latest[(table, files.get(source, source))] = counts
        rejected: dict[str, int] = {}
        duplicates: dict[str, int] = {}
        rejects_files: dict[str, list[str]] = {}
        for (table, _), counts in latest.items():
            rejected[table] = rejected.get(table, 0) + int(counts.get("rejected", 0))
            duplicates[table] = duplicates.get(table, 0) + int(counts.get("duplicates", 0))
            if counts.get("rejects_file"):
                rejects_files.setdefault(table, []).append(str(gen.path / counts["rejects_file"]))
        files = {t: gen.files(t) for t in gen.tables}
        return DataSource(
            root=self.path,
            kind="workspace",
            files=files,
            rejected=rejected,
            duplicates=duplicates,
            rejects_files=rejects_files,
        )

    def ingest_log(self) -> list[dict[str, Any]]:
        gen = self.current()
        return gen.ingest_log() if gen else []

    # -- writing ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(
        self, *, purpose: str = "write", wait: LockWait | None = None
    ) -> Iterator[Transaction]:
        """Build the next generation; it goes live only if the block completes.

        One writer at a time: a second one waits for the lock (``wait``, by default up to
        :data:`DEFAULT_LOCK_WAIT_S`) and then builds on the generation the first one made, so
        nothing either wrote is lost; when the wait runs out it raises :class:`WorkspaceBusy`.
        """
        self.path.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.path / LOCK, purpose, wait or LockWait()):
            self._collect_garbage()
            staging = self.path / STAGING / uuid.uuid4().hex
            staging.mkdir(parents=True)
            txn = Transaction(self, self.current(), staging)
            try:
                yield txn
                txn._commit()
            finally:
                shutil.rmtree(staging, ignore_errors=True)

    def write_derived(self, name: str, table: pa.Table, *, partition: str | None = None) -> None:
        """Atomically write derived table ``name`` (e.g. ``verbatim_judgements``).

        Without ``partition`` the whole table is replaced. With ``partition`` (e.g.
        ``"period=2027-01"``) only that partition is replaced and the others are kept, so
        re-auditing one month replaces that month's verdicts and never duplicates them.
        The Arrow table must carry the table's required columns (extra columns are dropped,
        types are cast to the canonical schema; a value that does not fit raises
        ``ValueError``). Creates the workspace if needed.
        """
        schema = TABLES[name]
        if not schema.derived:
            raise ValueError(f"{name!r} is delivered data; load it with ingest, not write_derived")
        canonical = _conform(table, schema)
        with self.transaction(purpose=f"writing {name}") as txn:
            if partition is None:
                txn.replace_table(name, canonical)
            else:
                if "/" in partition or partition.startswith("."):
                    raise ValueError(f"bad partition name {partition!r}")
                order = [(c, "ascending") for c in schema.sort_by]
                out = txn.partition_dir(name, partition) / f"part-{uuid.uuid4().hex[:12]}.parquet"
                pq.write_table(canonical.sort_by(order), out)
                txn.set_partition(name, partition, [out], canonical.num_rows)
            txn.log(
                {
                    "kind": "derived",
                    "table": name,
                    "partition": partition,
                    "rows": canonical.num_rows,
                    "at": _now().isoformat(),
                }
            )

    def _collect_garbage(self) -> None:
        """Remove staging left by killed writers and generations older than the previous one."""
        shutil.rmtree(self.path / STAGING, ignore_errors=True)
        gen = self.current()
        keep = {gen.name, gen.manifest.get("previous")} if gen else set()
        for child in self.path.iterdir():
            if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)


def _conform(table: pa.Table, schema: TableSchema) -> pa.Table:
    target = arrow_schema(schema)
    missing = [n for n in schema.required_columns if n not in table.column_names]
    if missing:
        raise ValueError(f"{schema.name}: missing columns {missing}")
    arrays = []
    for f in target:
        if f.name in table.column_names:
            col = table.column(f.name)
            if pa.types.is_timestamp(col.type) and col.type.tz is None:
                raise ValueError(f"{schema.name}.{f.name}: timestamps must be timezone-aware")
            arrays.append(col.cast(f.type))
        else:
            arrays.append(pa.nulls(table.num_rows, f.type))
    out = pa.Table.from_arrays(arrays, schema=target.remove_metadata())
    col_values = {c.name: c.values for c in schema.columns if c.kind is Kind.ENUM}
    for name, values in col_values.items():
        bad = set(out.column(name).drop_null().unique().to_pylist()) - set(values)
        if bad:
            raise ValueError(f"{schema.name}.{name}: values {sorted(bad)} not in {list(values)}")
    return out


@dataclass(frozen=True, slots=True)
class LockWait:
    """How a writer waits for the workspace lock another writer holds.

    ``timeout_s`` bounds the wait (0: refuse at once); ``on_wait`` is told once, when the wait
    begins, who holds the lock (its ``holder`` text, e.g. ``ingest by pid 4711 since …``) and
    how long the writer will wait, so a command can say why it is not moving.
    """

    timeout_s: float = DEFAULT_LOCK_WAIT_S
    on_wait: Callable[[str, float], None] | None = None
    poll_s: float = 0.2


class WorkspaceBusy(WorkspaceError):  # noqa: N818 - reads well where it is caught
    """Another process holds the workspace lock (``path`` is the workspace), and it was not
    released in time."""

    def __init__(self, path: Path, holder: str, waited_s: float) -> None:
        self.path = path
        self.holder = holder
        self.waited_s = waited_s
        waited = f" after waiting {waited_s:.0f} s" if waited_s > 0 else ""
        super().__init__(f"{path}: another callpact process is writing ({holder}){waited}")


def _holder(path: Path) -> str:
    """What the process holding the lock wrote into the lock file when it took it."""
    try:
        text = path.read_text("utf-8").strip()
    except OSError:
        return "holder unknown"
    return text or "holder unknown"


@contextlib.contextmanager
def _exclusive_lock(path: Path, purpose: str, wait: LockWait) -> Iterator[None]:
    """The workspace's writer lock, waited for up to ``wait.timeout_s``; while it is held the
    lock file says who holds it (``purpose``, pid and since when) for a writer that waits."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: a create-exclusive lock file
        fcntl = None  # type: ignore[assignment]
    if fcntl is None:  # pragma: no cover
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError as exc:
            raise WorkspaceBusy(path.parent, _holder(path), 0.0) from exc
        try:
            yield
        finally:
            os.close(fd)
            path.unlink(missing_ok=True)
        return
    with path.open("a+", encoding="utf-8") as handle:
        started = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                waited = time.monotonic() - started
                if waited >= wait.timeout_s:
                    waited_s = waited if wait.timeout_s > 0 else 0.0
                    raise WorkspaceBusy(path.parent, _holder(path), waited_s) from exc
                if not told and wait.on_wait is not None:
                    wait.on_wait(_holder(path), wait.timeout_s)
                told = True
                time.sleep(min(wait.poll_s, max(wait.timeout_s - waited, 0.0)))
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{purpose} by pid {os.getpid()} since {_now().isoformat()}\n")
            handle.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.seek(0)
                handle.truncate()
                handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Transaction:
    """The next generation under construction (see :meth:`Workspace.transaction`).

    Files are written under the staging folder's ``next/`` directory; unchanged partitions of
    the previous generation are hard-linked in at commit.
    """

    def __init__(self, workspace: Workspace, base: Generation | None, staging: Path) -> None:
        self.workspace = workspace
        self.base = base
        self.staging = staging
        self.next_name = f"gen-{(int(base.name[4:]) + 1) if base else 1:08d}"
        self.next_path = staging / "next"
        self.next_path.mkdir()
        # table → partition → list of relative files (None = keep the base's files)
        self._replaced: dict[str, dict[str, list[str]]] = {}
        self._whole: set[str] = set()
        self._rows: dict[str, dict[str, int]] = {}
        self._log: list[dict[str, Any]] = []
        self._extra_files: list[str] = []

    @property
    def scratch(self) -> Path:
        """A scratch folder for intermediate files; deleted with the staging area."""
        path = self.staging / "scratch"
        path.mkdir(exist_ok=True)
        return path

    def base_files(self, table: str) -> list[str]:
        return self.base.files(table) if self.base else []

    def base_partitions(self, table: str) -> dict[str, list[str]]:
        """Partition name → absolute files of the live generation."""
        if not self.base or table not in self.base.tables:
            return {}
        parts: dict[str, list[str]] = {}
        for rel in self.base.tables[table]["files"]:
            parts.setdefault(Path(rel).parent.name, []).append(str(self.base.path / rel))
        return parts

    def base_rows(self, table: str, partition: str) -> int:
        """Rows of ``table``'s ``partition`` in the live generation (0 when absent)."""
        entry = self.base.tables.get(table) if self.base else None
        return int((entry or {}).get("rows", {}).get(partition, 0))

    def partition_dir(self, table: str, partition: str) -> Path:
        """Where to write new files of ``table``'s ``partition`` (e.g. ``month=2027-01``)."""
        path = self.next_path / "tables" / table / partition
        path.mkdir(parents=True, exist_ok=True)
        return path

    def set_partition(self, table: str, partition: str, files: list[Path], rows: int) -> None:
        """Declare the new content of one partition (files written under partition_dir)."""
        rel = [str(f.relative_to(self.next_path)) for f in files]
        self._replaced.setdefault(table, {})[partition] = rel
        self._rows.setdefault(table, {})[partition] = rows

    def replace_table(self, table: str, data: pa.Table) -> None:
        """Replace a whole (small) table with ``data``, one partition per month."""
        schema = TABLES[table]
        self._whole.add(table)
        self._replaced[table] = {}
        self._rows[table] = {}
        if data.num_rows == 0:
            return
        order = [(c, "ascending") for c in schema.sort_by]
        data = data.sort_by(order)
        names = partition_names(schema, data)
        for part in sorted(set(names.to_pylist())):
            mask = pc.equal(names, part)
            chunk = data.filter(mask)
            out = self.partition_dir(table, part) / f"part-{uuid.uuid4().hex[:12]}.parquet"
            pq.write_table(chunk, out)
            self.set_partition(table, part, [out], chunk.num_rows)

    def add_file(self, relative: str) -> Path:
        """A new non-table file of the next generation (rejects); returns where to write it."""
        path = self.next_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self._extra_files.append(relative)
        return path

    def log(self, entry: Mapping[str, Any]) -> None:
        self._log.append(dict(entry))

    def _commit(self) -> None:
        ws = self.workspace
        base = self.base
        nxt = self.next_path
        tables: dict[str, dict[str, Any]] = {}
        # carry over the base's files: link unchanged partitions, rejects, log
        if base:
            for table, entry in base.tables.items():
                replaced = self._replaced.get(table, {})
                kept = []
                for rel in entry["files"]:
                    part = Path(rel).parent.name
                    if table in self._whole or part in replaced:
                        continue
                    _link_or_copy(base.path / rel, nxt / rel)
                    kept.append(rel)
                tables[table] = {
                    "files": kept,
                    "rows": {
                        p: n
                        for p, n in entry.get("rows", {}).items()
                        if table not in self._whole and p not in replaced
                    },
                }
            rejects = base.path / "rejects"
            if rejects.exists():
                for src in rejects.rglob("*"):
                    if src.is_file():
                        _link_or_copy(src, nxt / src.relative_to(base.path))
        for table, parts in self._replaced.items():
            entry = tables.setdefault(table, {"files": [], "rows": {}})
            for part, rel_files in parts.items():
                entry["files"].extend(rel_files)
                entry["rows"][part] = self._rows[table][part]
        for entry in tables.values():
            entry["files"].sort()
        tables = {t: e for t, e in sorted(tables.items()) if e["files"]}
        log_lines = base.ingest_log() if base else []
        log_lines.extend(self._log)
        with (nxt / INGEST_LOG).open("w", encoding="utf-8") as handle:
            for line in log_lines:
                handle.write(json.dumps(line, sort_keys=True) + "\n")
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generation": self.next_name,
            "previous": base.name if base else None,
            "written_at": _now().isoformat(),
            "tables": tables,
        }
        (nxt / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
        final = ws.path / self.next_name
        if final.exists():  # a leftover of a killed writer that got this far
            shutil.rmtree(final)
        nxt.replace(final)
        pointer_tmp = ws.path / f"{CURRENT}.tmp"
        with pointer_tmp.open("w", encoding="utf-8") as handle:
            handle.write(self.next_name + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # the one atomic step: before it the old generation is live, after it the new one
        pointer_tmp.replace(ws.path / CURRENT)
        _fsync_dir(ws.path)
