"""The KPI engine: a contract version's KPIs for one month, on DuckDB (default) or Spark.

``compute_scorecard(version, source, "2027-03")`` reads the tables of a
:class:`callpact.data.workspace.DataSource`, compiles each KPI of the version to an Ibis
expression (:mod:`callpact.kpi.expressions`), runs it on the chosen backend and returns a
:class:`Scorecard`: per KPI (and per day, ISO week or interval with ``by=``) the value, its
sample (the denominator), a confidence interval, the target, the status, and how many contacts
each declared exclusion left out. The rows a raw folder lost to ingest's row rules travel along
in ``Scorecard.rejected``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, Literal

from callpact.kpi.backends import (
    DEFAULT_KPI_MEMORY,
    WINDOW_BYTES_PER_ROW,
    Backend,
    DuckDBBackend,
    SparkBackend,
    make_backend,
    memory_bytes,
    spark_session,
)
from callpact.kpi.computation import (
    AGENT_TIME_METRICS,
    CONTACT_METRICS,
    RESPONSE_METRICS,
    ByOption,
    Computation,
)
from callpact.kpi.definitions import KpiDefinition, Program, definitions_from_version
from callpact.kpi.localtime import from_us
from callpact.kpi.results import KpiResult, KpiStatus, Scorecard

if TYPE_CHECKING:
    from callpact.contracts.model import ContractVersion

BackendName = Literal["duckdb", "spark"]


def compute(
    program: Program,
    definitions: Sequence[KpiDefinition],
    source: Any,
    month: str,
    *,
    by: ByOption | None = None,
    backend: Backend | None = None,
    interval_minutes: int = 30,
    explain: Sequence[str] = (),
    per_queue: bool = False,
    rollup: bool = False,
    accepted_outages: Collection[str] | None = None,
) -> Scorecard:
    """Every definition over one month of ``source``; see :func:`compute_scorecard`.

    ``accepted_outages``: the ids of the delivered outages the client accepted; only those
    exclude contacts (None: every outage the delivery declares, as the scorecard alone shows).

    ``per_queue`` breaks every result down by queue; ``rollup`` (with ``by``) adds the whole
    period's results, summed from the buckets instead of computed again.

    ``explain`` names KPIs whose query text is kept in ``Scorecard.queries`` (compiling SQL
    text costs as much as running a small query, so it is done only when asked)."""
    own = backend is None
    engine = backend if backend is not None else DuckDBBackend()
    try:
        results: list[KpiResult] = []
        queries: dict[str, str] = {}
        computations: dict[str, Computation] = {}
        by_id: dict[str, list[KpiResult]] = {}
        done: set[str] = set()
        for definition in definitions:
            if definition.kpi_id in done:
                continue
            chosen: ByOption = by or (
                "period" if definition.period == "month" else definition.period  # type: ignore[assignment]
            )
            if chosen not in computations:
                computations[chosen] = Computation(
                    program,
                    engine,
                    source,
                    month,
                    by=chosen,
                    interval_minutes=interval_minutes,
                    definitions=definitions,
                    per_queue=per_queue,
                    accepted_outages=accepted_outages,
                )
            computation = computations[chosen]
            key = computation.fusion_key(definition)
            group = [definition]
            if key is not None:
                group = [
                    d
                    for d in definitions
                    if d.kpi_id not in done
                    and computation.fusion_key(d) == key
                    and (by or d.period) == (by or definition.period)
                ]
                rows, aggregate = computation.fused_results(group, rollup=rollup)
            else:
                rows, aggregate = computation.results(definition, rollup=rollup)
            for i, d in enumerate(group):
                done.add(d.kpi_id)
                by_id[d.kpi_id] = [r for r in rows if r.kpi_id == d.kpi_id]
                if d.kpi_id in explain:
                    # a fused query computes several KPIs: say which columns are this one's
                    mine = f"-- {d.kpi_id}: num_{i}, den_{i}, sq_{i}\n" if key is not None else ""
                    queries[d.kpi_id] = mine + engine.sql(aggregate)
        for definition in definitions:
            results.extend(by_id.get(definition.kpi_id, []))
        return Scorecard(
            period=month,
            by=by or "period",
            backend=engine.name,
            results=results,
            rejected={k: v for k, v in dict(getattr(source, "rejected", {}) or {}).items() if v},
            queries=queries,
        )
    finally:
        if own:
            engine.close()


def compute_scorecard(
    version: ContractVersion,
    source: Any,
    month: str,
    *,
    by: ByOption | None = None,
    engine: BackendName | Backend = "duckdb",
    interval_minutes: int = 30,
    explain: Sequence[str] = (),
    accepted_outages: Collection[str] | None = None,
) -> Scorecard:
    """The month's results of every KPI of a contract version (settlement calls this).

    ``by`` None gives each KPI over its own period (a month for the usual annex); ``"day"``,
    ``"week"`` or ``"interval"`` break every KPI down by local day, ISO week or interval.
    """
    program, definitions = definitions_from_version(version)
    backend = engine if isinstance(engine, Backend) else make_backend(engine)
    try:
        return compute(
            program,
            definitions,
            source,
            month,
            by=by,
            backend=backend,
            interval_minutes=interval_minutes,
            explain=explain,
            accepted_outages=accepted_outages,
        )
    finally:
        if not isinstance(engine, Backend):
            backend.close()


__all__ = [
    "AGENT_TIME_METRICS",
    "CONTACT_METRICS",
    "DEFAULT_KPI_MEMORY",
    "RESPONSE_METRICS",
    "WINDOW_BYTES_PER_ROW",
    "Backend",
    "BackendName",
    "ByOption",
    "Computation",
    "DuckDBBackend",
    "KpiResult",
    "KpiStatus",
    "Scorecard",
    "SparkBackend",
    "compute",
    "compute_scorecard",
    "from_us",
    "make_backend",
    "memory_bytes",
    "spark_session",
]
