"""The backends a month's KPIs run on: DuckDB (default, in-process) or Spark (a cluster).

A :class:`Backend` gives the workspace's tables as Ibis tables (each timestamp column with its
``<column>_us`` twin in epoch microseconds) and runs the engine's expressions to Arrow.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from typing import Any

import ibis
import ibis.backends.duckdb  # the default backend: loaded with the engine, not by its first query
import ibis.expr.types as ir
import pyarrow as pa

from callpact.data.schema import arrow_schema

# ---------------------------------------------------------------------------------------------
# Backends


class Backend:
    """Tables of a data source as Ibis tables on one backend."""

    name: str = ""
    #: most contacts one FCR window may hold (None: the backend spills, no limit)
    window_rows: int | None = None
    #: FCR's LEAD per customer partition (True) or over one order by customer (False; see
    #: :func:`callpact.kpi.expressions.fcr_aggregate`)
    partitioned_windows: bool = True

    def __init__(self, con: Any) -> None:
        self.con = con
        self._tables: dict[str, ir.Table] = {}

    def _load(self, name: str, files: list[str], timestamps: list[str]) -> ir.Table:
        raise NotImplementedError

    def table(self, source: Any, name: str) -> ir.Table:
        """The table with ``<column>_us`` (epoch µs, int64) beside each timestamp column."""
        if name not in self._tables:
            files = list(source.parquet_files(name)) if source.has_table(name) else []
            if files:
                self._tables[name] = self._load(name, files, _timestamps(name))
            else:
                empty = _with_us(arrow_schema(name).empty_table())
                self._tables[name] = self.small_table(f"cp_{name}", empty)
        return self._tables[name]

    def small_table(self, name: str, data: pa.Table) -> ir.Table:
        """A small table made here (exemptions, an absent table) for the backend to join."""
        return ibis.memtable(data)

    def execute(self, expr: ir.Table, *, joins_as_written: bool = False) -> pa.Table:
        """Run ``expr``. ``joins_as_written``: the engine knows which side of each join is the
        small one (written on the right) better than the backend's estimate does."""
        return self.con.to_pyarrow(expr)

    def sql(self, expr: ir.Table) -> str:
        return str(ibis.to_sql(expr, dialect=self.name))

    def close(self) -> None:
        return None


class DuckDBBackend(Backend):
    name = "duckdb"
    partitioned_windows = False

    def __init__(self) -> None:
        con = ibis.backends.duckdb.Backend().connect()
        # What does not fit in memory spills to a temporary folder of our own (DuckDB's default
        # would be ``.tmp`` in the user's working directory).
        self._spill = tempfile.TemporaryDirectory(prefix="callpact-kpi-")
        con.raw_sql(f"SET temp_directory = '{self._spill.name}'")
        # DuckDB would keep up to 80 % of the machine's memory in its buffers across queries
        # (5.7 GB at 50M contacts); within 2 GB the same month runs as fast.
        limit = os.environ.get("CALLPACT_KPI_MEMORY", DEFAULT_KPI_MEMORY)
        con.raw_sql(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
        # The window does not spill: about 140 bytes of the limit per contact it holds.
        rows = os.environ.get("CALLPACT_KPI_WINDOW_ROWS")
        self.window_rows = int(rows) if rows else memory_bytes(limit) // WINDOW_BYTES_PER_ROW
        con.raw_sql("SET TimeZone = 'UTC'")
        con.raw_sql("SET enable_progress_bar = false")
        # Results are keyed and ordered by callpact, never by scan order: let DuckDB stream.
        con.raw_sql("SET preserve_insertion_order = false")
        self._small_tables = itertools.count()
        super().__init__(con)

    def close(self) -> None:
        self._spill.cleanup()

    def small_table(self, name: str, data: pa.Table) -> ir.Table:
        # registered with DuckDB itself: the queries then need no Ibis memtable hooks; a name of
        # its own each time, so a period computed later never replaces an earlier one's table
        unique = f"{name}_{next(self._small_tables)}"
        self.con.con.register(unique, data)
        return self.con.table(unique)

    def execute(self, expr: ir.Table, *, joins_as_written: bool = False) -> pa.Table:
        # Arrow straight from DuckDB, cast to the expression's schema (DuckDB sums counts into
        # 128-bit integers): Ibis's to_pyarrow converts through a module that imports pandas,
        # 0.3 s of every run.
        sql = self.con.compile(expr)
        schema = expr.schema().to_pyarrow()
        if not joins_as_written:
            return self.con.con.sql(sql).to_arrow_table().cast(schema)
        # After the scope filters DuckDB estimates the contacts at a few percent of their real
        # number and hashes them instead of the responses: the join took 1.2 s instead of 0.65 s
        # at 10M contacts.
        self.con.raw_sql("SET disabled_optimizers = 'join_order,build_side_probe_side'")
        try:
            return self.con.con.sql(sql).to_arrow_table().cast(schema)
        finally:
            self.con.raw_sql("RESET disabled_optimizers")

    def _load(self, name: str, files: list[str], timestamps: list[str]) -> ir.Table:
        paths = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        derived = "".join(f', epoch_us("{c}") AS "{c}_us"' for c in timestamps)
        self.con.raw_sql(
            f'CREATE OR REPLACE VIEW "cp_{name}" AS SELECT *{derived} '
            f"FROM read_parquet([{paths}], union_by_name = true)"
        )
        return self.con.table(f"cp_{name}")


class SparkBackend(Backend):
    """PySpark through Ibis. ``CALLPACT_SPARK_MASTER`` (e.g. ``spark://host:7077``) or
    ``CALLPACT_SPARK_REMOTE`` (Spark Connect, ``sc://host:15002``) points it at a cluster; by
    default a local session with two cores starts."""

    name = "pyspark"

    def __init__(self, session: Any | None = None) -> None:
        if session is None:
            session = spark_session()
        self.session = session
        self._small_tables = itertools.count()
        super().__init__(ibis.pyspark.connect(session))

    def small_table(self, name: str, data: pa.Table) -> ir.Table:
        # a temporary view of the session, like the workspace's tables: an Ibis memtable is a
        # table of no backend, and joining one to the session's views (an absent table's empty
        # stand-in, say) failed with ConflictingValuesError
        unique = f"{name}_{next(self._small_tables)}"
        self.session.createDataFrame(data).createOrReplaceTempView(unique)
        return self.con.table(unique)

    def _load(self, name: str, files: list[str], timestamps: list[str]) -> ir.Table:
        from pyspark.sql import functions

        frame = self.session.read.parquet(*files)
        for column in timestamps:
            frame = frame.withColumn(f"{column}_us", functions.unix_micros(frame[column]))
        view = f"cp_{name}"
        frame.createOrReplaceTempView(view)
        return self.con.table(view)


DEFAULT_KPI_MEMORY = "2GB"
WINDOW_BYTES_PER_ROW = 140
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def memory_bytes(text: str) -> int:
    """``"2GB"`` → 2·10⁹, ``"1.5GiB"`` → 1.5·2³⁰ (DuckDB's memory units)."""
    number = text.strip().upper().rstrip("S")
    digits = number.rstrip("KMGTIB ")
    unit = number[len(digits) :].strip()
    try:
        return int(float(digits) * _UNITS[unit])
    except (KeyError, ValueError):
        raise ValueError(f"memory {text!r} is not like 2GB or 1500MB") from None


def _timestamps(name: str) -> list[str]:
    return [f.name for f in arrow_schema(name) if pa.types.is_timestamp(f.type)]


def _with_us(table: pa.Table) -> pa.Table:
    for column in [f.name for f in table.schema if pa.types.is_timestamp(f.type)]:
        table = table.append_column(f"{column}_us", table[column].cast(pa.int64()))
    return table


def spark_session() -> Any:
    from pyspark.sql import SparkSession

    remote = os.environ.get("CALLPACT_SPARK_REMOTE")
    builder = SparkSession.builder.appName("callpact-kpi")
    if remote:
        builder = builder.remote(remote)
    else:
        builder = builder.master(os.environ.get("CALLPACT_SPARK_MASTER", "local[2]"))
        builder = builder.config("spark.ui.enabled", "false").config(
            "spark.sql.shuffle.partitions", "4"
        )
    return builder.config("spark.sql.session.timeZone", "UTC").getOrCreate()


def make_backend(name: str) -> Backend:
    if name == "duckdb":
        return DuckDBBackend()
    if name in ("spark", "pyspark"):
        return SparkBackend()
    raise ValueError(f"unknown engine {name!r}; use duckdb or spark")
