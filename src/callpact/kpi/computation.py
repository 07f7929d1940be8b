"""One period's KPIs over one backend: the expressions, their shared pieces, the assembly.

A :class:`Computation` compiles each KPI definition to Ibis (:mod:`callpact.kpi.expressions`),
builds what several KPIs share once (outages, trainees, agent-time pieces, exclusion counts),
runs the aggregates on its :class:`~callpact.kpi.backends.Backend` and turns their additive
rows (``num``, ``den``, ``sq`` per bucket) into :class:`~callpact.kpi.results.KpiResult`.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

import ibis.expr.types as ir
import pyarrow as pa

from callpact.kpi import agent_time
from callpact.kpi import expressions as kx
from callpact.kpi.backends import Backend
from callpact.kpi.definitions import (
    PROPORTIONS,
    KpiDefinition,
    Program,
    open_hours_rules,
)
from callpact.kpi.localtime import (
    DAY_US,
    US,
    local_bounds_us,
    month_days,
    offset_segments,
)
from callpact.kpi.results import KpiResult, KpiStatus
from callpact.kpi.row_groups import customer_ranges, row_group_spans
from callpact.kpi.stats import t_interval, wilson_interval

ByOption = Literal["period", "week", "day", "interval"]
CONTACT_METRICS = frozenset(
    {"service_level", "abandon_rate", "short_abandon_rate", "transfer_rate", "asa", "aht"}
)
#: survey KPIs and QA: responses joined to the contacts, several KPIs per join
RESPONSE_METRICS = frozenset({"csat", "nps", "ces", "qa_score"})
AGENT_TIME_METRICS = frozenset({"occupancy", "schedule_adherence"})


# ---------------------------------------------------------------------------------------------
# Computing


def _split_list(text: Any) -> tuple[str, ...] | None:
    if text is None or str(text).strip() == "":
        return None
    return tuple(part.strip() for part in str(text).split(",") if part.strip())


def _label(bucket_us: int, span: kx.Span) -> str | None:
    if span.by == "period":
        return None
    local = datetime(1970, 1, 1) + timedelta(microseconds=bucket_us)  # noqa: DTZ001 (wall clock)
    if span.by == "day":
        return local.date().isoformat()
    if span.by == "week":
        year, week, _ = local.date().isocalendar()
        return f"{year}-W{week:02d}"
    return local.strftime("%Y-%m-%dT%H:%M")


def _excluded_by_bucket(
    rows: Sequence[Mapping[str, Any]],
) -> dict[tuple[int, str], dict[str, int]]:
    """Exclusion counts per (bucket, group): ``x_<kind>`` columns and ``excluded``."""
    return {
        (int(row["bucket"]), str(row["grp"] or "")): {
            k.removeprefix("x_"): int(v or 0)
            for k, v in row.items()
            if k.startswith("x_") or k == "excluded"
        }
        for row in rows
    }


def _accumulate(
    into: dict[tuple[int, str], dict[str, Any]], key: tuple[int, str], row: Mapping[str, Any]
) -> None:
    """Add an aggregate row (``num``, ``den``, ``sq``: all additive) into ``into[key]``."""
    total = into.setdefault(key, {"num": 0.0, "den": 0, "sq": None})
    total["num"] += float(row["num"] or 0.0)
    total["den"] += int(row["den"] or 0)
    if row["sq"] is not None:
        total["sq"] = (total["sq"] or 0.0) + float(row["sq"])


def _status(definition: KpiDefinition, value: float | None, sample: int) -> KpiStatus:
    if value is None or sample <= 0 or sample < definition.min_sample:
        return KpiStatus.NOT_MEASURABLE
    met = definition.meets(value)
    if met is None:
        return KpiStatus.NOT_MEASURABLE
    return KpiStatus.MET if met else KpiStatus.MISSED


class Computation:
    """The expressions of one period over one backend (shared pieces built once)."""

    def __init__(
        self,
        program: Program,
        backend: Backend,
        source: Any,
        month: str,
        *,
        by: ByOption = "period",
        interval_minutes: int = 30,
        definitions: Sequence[KpiDefinition] = (),
        per_queue: bool = False,
        accepted_outages: Collection[str] | None = None,
    ) -> None:
        self.program = program
        self.backend = backend
        self.source = source
        zone = program.zone
        first, end = month_days(month)
        lo, hi = local_bounds_us(first, end, zone)
        look_ahead = max(
            [int(d.param("window_days")) for d in definitions if d.metric == "fcr"] or [0]
        )
        segments = offset_segments(zone, lo - DAY_US, hi + (look_ahead + 2) * DAY_US)
        self.span = kx.Span(month, first, end, lo, hi, segments, by, interval_minutes, per_queue)
        self._outages: tuple[Any, ...] | None = None
        self.accepted_outages = None if accepted_outages is None else frozenset(accepted_outages)
        self._grids: tuple[kx.SlotGrid, ...] | None = None
        self._pieces: dict[kx.OpenHours | None, ir.Table] = {}
        self._over: dict[float, tuple[tuple[kx.SlotGrid, ir.Table], ...]] = {}
        self._excluded: dict[Any, dict[tuple[int, str], dict[str, int]]] = {}

    def table(self, name: str) -> ir.Table:
        return self.backend.table(self.source, name)

    def windows(self, definition: KpiDefinition) -> kx.OpenHours | None:
        if definition.hours is None:
            return None
        weekly, closed = open_hours_rules(definition.hours, self.span.first, self.span.end)
        return kx.OpenHours(weekly, closed)

    # -- exclusion inputs ---------------------------------------------------------------------

    def outages(self) -> tuple[Any, ...]:
        if self._outages is None:
            o = self.table("outages")
            if self.accepted_outages is not None:
                # only the outages the client accepted exclude anything (an empty list matches
                # no row: outage_id is never empty)
                o = o.filter(o.outage_id.isin(sorted(self.accepted_outages) or [""]))
            o = o.select(
                o.channels,
                o.queues,
                s_us=kx.epoch_us(o, "starts_at"),
                e_us=kx.epoch_us(o, "ends_at"),
            )
            rows = self.backend.execute(o).to_pylist()
            self._outages = tuple(
                (
                    int(r["s_us"]),
                    int(r["e_us"]),
                    _split_list(r["channels"]),
                    _split_list(r["queues"]),
                )
                for r in rows
            )
        return self._outages

    def trainees(self, days: int) -> ir.Table | None:
        if days <= 0:
            return None
        agents = self.backend.execute(
            self.table("agents").select("agent_id", "training_completed_on")
        ).to_pylist()
        zone = self.program.zone
        rows = []
        for agent in agents:
            done = agent["training_completed_on"]
            if done is None:
                continue
            start, stop = local_bounds_us(done, done + timedelta(days=days), zone)
            rows.append((agent["agent_id"], start, stop))
        table = pa.table(
            {
                "agent_id": pa.array([r[0] for r in rows], pa.string()),
                "exempt_from_us": pa.array([r[1] for r in rows], pa.int64()),
                "exempt_until_us": pa.array([r[2] for r in rows], pa.int64()),
            }
        )
        return self.backend.small_table("cp_trainees", table)

    def grids(self) -> tuple[kx.SlotGrid, ...]:
        """The (length, phase) grids of the period's forecast intervals (usually one)."""
        if self._grids is None:
            forecast = kx.forecast_slots(self.table("forecast"), self.span, None)
            rows = self.backend.execute(kx.slot_grids(forecast)).to_pylist()
            pairs = sorted((int(r["size_us"]), int(r["phase_us"])) for r in rows)
            self._grids = tuple(kx.SlotGrid(size, phase) for size, phase in pairs)
        return self._grids

    def agent_pieces(self, windows: kx.OpenHours | None) -> ir.Table:
        """The period's buckets cut to the open hours, as a small table of UTC pieces that
        occupancy and adherence join (see :mod:`callpact.kpi.agent_time`); once per hours."""
        if windows not in self._pieces:
            pieces = agent_time.time_pieces(self.span, windows)
            table = agent_time.pieces_table(pieces)
            self._pieces[windows] = self.backend.small_table("cp_agent_pieces", table)
        return self._pieces[windows]

    def over_forecast(self, tolerance: float) -> tuple[tuple[kx.SlotGrid, ir.Table], ...]:
        """Per grid, the (queue, interval) pairs whose offered volume exceeded forecast × (1 +
        tolerance): computed once per period and tolerance, then joined as a small table by
        every KPI that declares the exclusion (instead of a subquery scanning the contacts
        again inside each KPI's query)."""
        if tolerance not in self._over:
            everything = KpiDefinition("volume", "abandon_rate")
            contacts = kx.contact_frame(self.table("contacts"), everything, self.span)
            forecast = kx.forecast_slots(self.table("forecast"), self.span, None)
            out: list[tuple[kx.SlotGrid, ir.Table]] = []
            for grid in self.grids():
                over = kx.over_forecast_slots(contacts, forecast, tolerance, grid)
                rows = self.backend.execute(over)
                out.append((grid, self.backend.small_table("cp_over_forecast", rows)))
            self._over[tolerance] = tuple(out)
        return self._over[tolerance]

    def exclusion_data(self, definition: KpiDefinition) -> kx.ExclusionData:
        kinds = {e.kind: e for e in definition.exclusions}
        outages = self.outages() if "declared_outages" in kinds else ()
        trainees = (
            self.trainees(definition.trainee_exemption_days)
            if "trainees_in_exemption" in kinds
            else None
        )
        volume = kinds.get("volume_above_forecast")
        over = self.over_forecast(volume.tolerance or 0.0) if volume is not None else ()
        return kx.ExclusionData(outages, trainees, over)

    # -- one KPI ------------------------------------------------------------------------------

    def expressions(
        self, definition: KpiDefinition, *, part: kx.CustomerPart = kx.EVERY_CUSTOMER
    ) -> tuple[ir.Table, ir.Table | None]:
        """The KPI's aggregate and its exclusion counts (None when it declares none); FCR's
        aggregate over one ``part`` of the customers (see :meth:`fcr_parts`)."""
        definition.validate()
        metric = definition.metric
        span = self.span
        windows = self.windows(definition)
        if metric == "verbatim_fidelity":
            return kx.verbatim_aggregate(self.table("verbatim_judgements"), span), None
        if metric == "occupancy":
            pieces = self.agent_pieces(windows)
            return agent_time.occupancy_aggregate(self.table("agent_states"), pieces, span), None
        if metric == "schedule_adherence":
            pieces = self.agent_pieces(windows)
            states = self.table("agent_states")
            return (
                agent_time.adherence_aggregate(self.table("schedules"), states, pieces, span),
                None,
            )
        data = self.exclusion_data(definition)
        contacts = self.table("contacts")
        if metric == "fcr":
            until = self.fcr_until_us(definition)
            frame = kx.contact_frame(contacts, definition, span, hi_us=until)
            frame = kx.flag_exclusions(frame, definition, data)
            aggregate = kx.fcr_aggregate(
                frame,
                definition,
                span,
                windows,
                part=part,
                partitioned=self.backend.partitioned_windows,
            )
            in_period = frame.filter(frame.off_us < span.hi_us, kx.in_hours(frame, windows))
        else:
            frame = kx.contact_frame(contacts, definition, span)
            frame = frame.filter(kx.in_hours(frame, windows))
            frame = kx.flag_exclusions(frame, definition, data)
            in_period = frame
            if metric in CONTACT_METRICS:
                aggregate = kx.contact_aggregate(frame, [definition])
            elif metric == "interval_service_level":
                aggregate = kx.interval_service_level_aggregate(frame, definition, span)
            elif metric == "forecast_accuracy":
                aggregate = kx.forecast_accuracy_aggregate(
                    frame, self.table("forecast"), definition, span, self.grids()
                )
            else:
                raise ValueError(f"{definition.kpi_id}: no engine for metric {metric!r}")
        counts = kx.exclusion_counts(in_period, definition) if definition.exclusions else None
        return aggregate, counts

    def fusion_key(self, definition: KpiDefinition) -> Any:
        """KPIs of one family with equal keys read the same contacts: one query computes them
        all (contact KPIs in one scan, survey KPIs and QA in one join)."""
        if definition.metric in CONTACT_METRICS:
            family = "contacts"
        elif definition.metric in RESPONSE_METRICS:
            family = "responses"
        else:
            return None
        return (
            family,
            definition.scope,
            self.windows(definition),
            definition.exclusions,
            definition.trainee_exemption_days,
            str(definition.params.get("short_abandon_s", 5)),
        )

    def fused_results(
        self, definitions: Sequence[KpiDefinition], *, rollup: bool = False
    ) -> tuple[list[KpiResult], ir.Table]:
        """Several KPIs of one fusion key, in one query (plus the exclusion counts)."""
        first = definitions[0]
        for definition in definitions:
            definition.validate()
        frame = kx.contact_frame(self.table("contacts"), first, self.span)
        frame = frame.filter(kx.in_hours(frame, self.windows(first)))
        frame = kx.flag_exclusions(frame, first, self.exclusion_data(first))
        if first.metric in CONTACT_METRICS:
            # the exclusion counts come with the contact KPIs' own scan
            aggregate = kx.contact_aggregate(frame, definitions)
            rows = self.backend.execute(aggregate).to_pylist()
            excluded = self._excluded.setdefault(
                self._contacts_key(first), _excluded_by_bucket(rows)
            )
        else:
            aggregate = kx.response_aggregate(
                frame, self.table("surveys"), self.table("qa_evaluations"), definitions
            )
            rows = self.backend.execute(aggregate, joins_as_written=True).to_pylist()
            counts = kx.exclusion_counts(frame, first) if first.exclusions else None
            excluded = self.excluded_counts(first, counts)
        out: list[KpiResult] = []
        for i, definition in enumerate(definitions):
            by_bucket = {
                (int(r["bucket"]), str(r["grp"] or "")): {
                    "num": r[f"num_{i}"],
                    "den": r[f"den_{i}"],
                    "sq": r[f"sq_{i}"],
                }
                for r in rows
                # a bucket only another KPI of the join has responses in is none of this one's
                if first.metric in CONTACT_METRICS or r[f"den_{i}"]
            }
            out += self._assemble(definition, by_bucket, excluded, rollup=rollup)
        return out, aggregate

    def results(
        self, definition: KpiDefinition, *, rollup: bool = False
    ) -> tuple[list[KpiResult], ir.Table]:
        """The KPI's results per bucket; with ``rollup`` also over the whole period, summed
        from the buckets (every aggregate column is additive), at no extra query."""
        if self.fusion_key(definition) is not None:
            return self.fused_results([definition], rollup=rollup)
        parts = self.fcr_parts(definition) if definition.metric == "fcr" else [kx.EVERY_CUSTOMER]
        aggregate, counts = self.expressions(definition, part=parts[0])
        # agent time meets its UTC days before their pieces (see agent_time._in_pieces); left
        # to reorder, DuckDB joined days to pieces first and tested every piece on every state
        as_written = definition.metric in AGENT_TIME_METRICS
        rows = self.backend.execute(aggregate, joins_as_written=as_written).to_pylist()
        for part in parts[1:]:
            more, _ = self.expressions(definition, part=part)
            rows += self.backend.execute(more).to_pylist()
        excluded = self.excluded_counts(definition, counts)
        by_bucket: dict[tuple[int, str], dict[str, Any]] = {}
        for row in rows:
            _accumulate(by_bucket, (int(row["bucket"]), str(row["grp"] or "")), row)
        return self._assemble(definition, by_bucket, excluded, rollup=rollup), aggregate

    def _contacts_key(self, definition: KpiDefinition) -> Any:
        """What decides which contacts of the period a KPI counts exclusions over."""
        return (
            definition.scope,
            self.windows(definition),
            definition.exclusions,
            definition.trainee_exemption_days,
        )

    def excluded_counts(
        self, definition: KpiDefinition, counts: ir.Table | None
    ) -> dict[tuple[int, str], dict[str, int]]:
        """Contacts each exclusion left out, per bucket. KPIs over the same contacts (scope,
        hours, exclusions) have the same counts: the first to need them runs ``counts``."""
        if counts is None:
            return {}
        key = self._contacts_key(definition)
        if key not in self._excluded:
            rows = self.backend.execute(counts).to_pylist()
            self._excluded[key] = _excluded_by_bucket(rows)
        return self._excluded[key]

    def fcr_until_us(self, definition: KpiDefinition) -> int:
        """End of FCR's look-ahead: the window and two days for any offset change."""
        return self.span.hi_us + (int(definition.param("window_days")) + 2) * DAY_US

    def fcr_parts(self, definition: KpiDefinition) -> list[kx.CustomerPart]:
        """The disjoint sets of customers FCR's window takes in turn, one pass each.

        DuckDB's window holds its whole input in memory: at 50M contacts a month that is more
        than the machine should give one query. Each pass holds at most ``backend.window_rows``
        contacts and the parts add up (every repeat is a contact of the same customer). Where
        the files are clustered by customer, as a workspace's are, the parts are ranges of ids
        at row-group edges, so each pass reads only its own row groups; otherwise hash buckets
        of the id, each pass reading every row. Spark spills its sorts: one pass.
        """
        limit = self.backend.window_rows
        if limit is None:
            return [kx.EVERY_CUSTOMER]
        until = self.fcr_until_us(definition)
        c = self.table("contacts")
        off = kx.epoch_us(c, "offered_at")
        in_span = c.filter(off >= self.span.lo_us, off < until)
        (counted,) = self.backend.execute(in_span.aggregate(n=in_span.count())).to_pylist()
        if int(counted["n"]) <= limit:
            return [kx.EVERY_CUSTOMER]
        spans = row_group_spans(self.source.parquet_files("contacts"), self.span.lo_us, until)
        ranges = customer_ranges(spans, limit) if spans is not None else None
        if ranges is not None:
            return [kx.CustomerPart(lo, hi) for lo, hi in ranges]
        buckets = -(-int(counted["n"]) // limit)
        return [kx.CustomerPart(bucket=i, buckets=buckets) for i in range(buckets)]

    def _assemble(
        self,
        definition: KpiDefinition,
        by_bucket: Mapping[tuple[int, str], Mapping[str, Any]],
        excluded: Mapping[tuple[int, str], Mapping[str, int]],
        *,
        rollup: bool,
    ) -> list[KpiResult]:
        out = self._build(definition, by_bucket, excluded, by_bucket_labels=True)
        if rollup and self.span.by != "period" and definition.metric != "verbatim_fidelity":
            summed: dict[tuple[int, str], dict[str, Any]] = {}
            for (_, group), row in by_bucket.items():
                _accumulate(summed, (0, group), row)
            counted: dict[tuple[int, str], dict[str, int]] = {}
            for (_, group), kinds in excluded.items():
                into_counts = counted.setdefault((0, group), {})
                for kind, n in kinds.items():
                    into_counts[kind] = into_counts.get(kind, 0) + n
            out += self._build(definition, summed, counted, by_bucket_labels=False)
        return out

    def _build(
        self,
        definition: KpiDefinition,
        by_bucket: Mapping[tuple[int, str], Mapping[str, Any]],
        excluded: Mapping[tuple[int, str], Mapping[str, int]],
        *,
        by_bucket_labels: bool,
    ) -> list[KpiResult]:
        buckets = sorted(set(by_bucket) | set(excluded)) or [(0, "")]
        out = []
        for bucket, group in buckets:
            row = by_bucket.get((bucket, group), {"num": 0.0, "den": 0, "sq": None})
            value, sample, ci = self._value(definition, row)
            counted = dict(excluded.get((bucket, group), {}))
            total = int(counted.pop("excluded", 0))
            label = (
                _label(bucket, self.span)
                if by_bucket_labels and definition.metric != "verbatim_fidelity"
                else None
            )
            out.append(
                KpiResult(
                    kpi_id=definition.kpi_id,
                    metric=definition.metric,
                    period=self.span.label,
                    bucket=label,
                    value=value,
                    sample=sample,
                    ci=ci,
                    target=definition.target,
                    direction=definition.direction,
                    status=_status(definition, value, sample),
                    excluded=total,
                    excluded_by={e.kind: counted.get(e.kind, 0) for e in definition.exclusions},
                    queue=group or None,
                )
            )
        return out

    @staticmethod
    def _value(
        definition: KpiDefinition, row: Mapping[str, Any]
    ) -> tuple[float | None, int, tuple[float, float] | None]:
        num = float(row["num"] or 0.0)
        den = int(row["den"] or 0)
        sq = row["sq"]
        metric = definition.metric
        if metric in ("occupancy", "schedule_adherence"):
            # time-weighted ratio: the sample is the denominator in whole seconds
            seconds = den // US
            return (None if den == 0 else num / den), seconds, None
        if den == 0:
            return None, 0, None
        if metric == "forecast_accuracy" and definition.param("method") == "wape":
            total = float(sq or 0.0)
            return (None if total == 0 else num / total), den, None
        value = num / den
        proportion = (
            metric in PROPORTIONS
            or (metric in ("csat", "ces") and sq is None)
            or (metric == "forecast_accuracy" and definition.param("method") == "within_tolerance")
        )
        if proportion:
            return value, den, wilson_interval(round(num), den)
        std = None
        if sq is not None and den >= 2:
            std = math.sqrt(max(0.0, (float(sq) - num * num / den) / (den - 1)))
        return value, den, t_interval(value, std, den)
