"""Every KPI as an Ibis expression: backend-neutral, no SQL dialect of its own.

The building blocks, in the order a KPI uses them:

* :func:`contact_frame` — inbound contacts of the KPI's channels and queues whose ``offered_at``
  falls in a span, with exact integer columns: ``off_us`` (epoch µs), ``wait_us``, ``local_us``
  (local wall-clock µs, from :mod:`callpact.kpi.localtime` offsets), ``answered``, ``short``.
* :func:`flag_exclusions` — one boolean column per declared exclusion, plus ``excluded``.
* :func:`bucket_of` — the result bucket (whole period, local day, ISO week, interval).
* one ``*_aggregate`` per metric family, each returning rows ``bucket, grp, num, den, sq``: the
  value is ``num ÷ den``, the sample ``den``; ``sq`` is Σx² of a mean's values (its spread),
  or Σ forecast for WAPE. All three add up across buckets, so a month rolls up from its days.

Only operations that both DuckDB and Spark compile identically are used: comparisons of
timestamps with whole-second literals, ``delta(…, unit="microsecond")``, integer arithmetic,
CASE, joins and anti-joins, and for FCR one LEAD window and a list aggregate with its unnest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from callpact.kpi.definitions import KpiDefinition
from callpact.kpi.localtime import DAY_US, US, OffsetSegment, from_us

By = Literal["period", "week", "day", "interval"]
EPOCH = ibis.timestamp("1970-01-01 00:00:00", timezone="UTC")
#: every aggregate groups by these: the local bucket and ``grp`` (the queue, or "" when results
#: are not broken down by queue)
KEYS = ("bucket", "grp")


@dataclass(frozen=True, slots=True)
class Span:
    """One period to compute: local days ``[first, end)`` = instants ``[lo_us, hi_us)``.

    ``segments`` cover the period and the FCR look-ahead; ``windows`` are the KPI's open hours
    (None: around the clock).
    """

    label: str
    first: date
    end: date
    lo_us: int
    hi_us: int
    segments: tuple[OffsetSegment, ...]
    by: By = "period"
    interval_minutes: int = 30
    per_queue: bool = False


@dataclass(frozen=True, slots=True)
class SlotGrid:
    """Forecast intervals of one length whose starts share one phase (start mod length).

    A contact's interval is then arithmetic, ``off − (off − phase) mod size``, and matching
    contacts to intervals is a join on equality instead of a range join (which DuckDB runs as
    a hash join on the queue with every interval of the queue tested: 10 s for 1M contacts).
    Intervals of one grid never overlap, so a contact has at most one of each grid.
    """

    size_us: int
    phase_us: int

    def start_of(self, us: ir.IntegerValue) -> ir.IntegerValue:
        return us - (us - self.phase_us) % self.size_us


@dataclass(frozen=True, slots=True)
class ExclusionData:
    """Small inputs for exclusions, read once per period (outages are a handful of rows)."""

    outages: tuple[tuple[int, int, tuple[str, ...] | None, tuple[str, ...] | None], ...] = ()
    trainees: ir.Table | None = None  # agent_id, exempt_from_us, exempt_until_us
    #: intervals whose volume exceeded the forecast: (grid, table of queue, slot_us) per grid
    over_forecast: tuple[tuple[SlotGrid, ir.Table], ...] = ()


@dataclass(frozen=True, slots=True)
class CustomerPart:
    """One of several disjoint sets of customers that FCR's window takes in turn: the ids in
    ``[lo, hi)`` (``None``: unbounded), and of those the ``bucket``-th of ``buckets`` hash
    buckets. ``EVERY_CUSTOMER`` is every customer."""

    lo: str | None = None
    hi: str | None = None
    bucket: int = 0
    buckets: int = 1

    def conditions(self, customer_id: ir.StringValue) -> list[ir.BooleanValue]:
        out = []
        if self.lo is not None:
            out.append(customer_id >= self.lo)
        if self.hi is not None:
            out.append(customer_id < self.hi)
        if self.buckets > 1:
            # a hash may be negative on some backends
            n = self.buckets
            out.append((customer_id.hash() % n + n) % n == self.bucket)
        return out


EVERY_CUSTOMER = CustomerPart()


def epoch_us(table: ir.Table, column: str) -> ir.IntegerValue:
    """Exact epoch microseconds of a timestamp column (integers, never float seconds).

    Every backend adapter exposes ``<column>_us`` next to each timestamp column when it loads a
    table (DuckDB ``epoch_us``, Spark ``unix_micros``, Arrow casts): Ibis's portable
    ``delta(…, "microsecond")`` is exact too, but DuckDB evaluates it through its ICU calendar
    at a thirtieth of the speed.
    """
    name = f"{column}_us"
    if name in table.columns:
        return table[name]
    return table[column].delta(EPOCH, unit="microsecond")


def timestamp_literal(us: int) -> ir.TimestampScalar:
    # Literals stay whole seconds: a period or window bound is a local midnight or a clock time.
    return ibis.literal(from_us(us))


def local_us(us: ir.IntegerValue, segments: Sequence[OffsetSegment]) -> ir.IntegerValue:
    """``utc_us + offset`` where the offset comes from the zone's segments (CASE, no tz SQL)."""
    if len(segments) == 1:
        return us + segments[0].offset_us
    branches = [(us >= seg.from_us, seg.offset_us) for seg in reversed(segments[1:])]
    return us + ibis.cases(*branches, else_=segments[0].offset_us)


def bucket_of(local: ir.IntegerValue, span: Span) -> ir.IntegerValue:
    """Start of the local bucket in local µs (0 for the whole period)."""
    if span.by == "day":
        return local - local % DAY_US
    if span.by == "week":
        # 1970-01-01 was a Thursday: +3 days makes Monday the start of a week (ISO).
        return local - (local + 3 * DAY_US) % (7 * DAY_US)
    if span.by == "interval":
        size = span.interval_minutes * 60 * US
        return local - local % size
    return ibis.literal(0, type="int64")


def _scope_filter(t: ir.Table, scope: Sequence[tuple[str, tuple[str, ...] | None]]) -> Any:
    """Whether a contact's (channel, queue) is one of the scope's pairs.

    A channel with ``None`` queues covers all of its queues, with ``()`` none. Written as one
    CASE on the queue (``WHEN q THEN channel IN (channels listing q or listing no queue)``)
    rather than an OR of ANDs: DuckDB evaluates it in 60 % of the time at 10M contacts, and
    the scope filter runs in every scan.
    """
    if not scope:
        return ibis.literal(True)
    every_queue = sorted({channel for channel, queues in scope if queues is None})
    listed: dict[str, set[str]] = {}
    for channel, queues in scope:
        for queue in queues or ():
            listed.setdefault(queue, set()).add(channel)
    otherwise: Any = t.channel.isin(every_queue) if every_queue else ibis.literal(False)
    if not listed:
        return otherwise
    return t.queue.cases(
        *(
            (queue, t.channel.isin(sorted(chs | set(every_queue))))
            for queue, chs in sorted(listed.items())
        ),
        else_=otherwise,
    )


def contact_frame(
    contacts: ir.Table,
    definition: KpiDefinition,
    span: Span,
    *,
    lo_us: int | None = None,
    hi_us: int | None = None,
    short_abandon_us: int | None = None,
) -> ir.Table:
    """Inbound contacts of the KPI's channels and queues offered in ``[lo_us, hi_us)``."""
    lo = span.lo_us if lo_us is None else lo_us
    hi = span.hi_us if hi_us is None else hi_us
    t = contacts.filter(
        contacts.direction == "inbound",
        _scope_filter(contacts, definition.scope),
        contacts.offered_at >= timestamp_literal(lo),
        contacts.offered_at < timestamp_literal(hi),
    )
    off = epoch_us(t, "offered_at")
    answered = t.answered_at.notnull()
    # wait_s = (answered_at or ended_at) − offered_at, in whole microseconds
    wait = epoch_us(t, "answered_at").coalesce(epoch_us(t, "ended_at")) - off
    short_us = (
        short_abandon_us
        if short_abandon_us is not None
        else int(Decimal(str(definition.params.get("short_abandon_s", 5))) * US)
    )
    local = local_us(off, span.segments)
    # One projection (not a chain of them): Ibis compiles a flat select much faster.
    return t.mutate(
        off_us=off,
        answered=answered,
        wait_us=wait,
        short=~answered & (wait < short_us),
        local_us=local,
        bucket=bucket_of(local, span),
        grp=t.queue if span.per_queue else ibis.literal(""),
    )


@dataclass(frozen=True, slots=True)
class OpenHours:
    """Hours of operation as local wall-clock rules: weekday → [(open µs, close µs)] of the
    day, and the local days (epoch day numbers) closed for a holiday."""

    weekly: tuple[tuple[int, tuple[tuple[int, int], ...]], ...]
    closed_days: tuple[int, ...]


def in_hours(t: ir.Table, hours: OpenHours | None) -> ir.BooleanValue:
    """Whether ``local_us`` falls inside the hours: arithmetic on wall-clock µs, no time zone."""
    if hours is None:
        return ibis.literal(True)
    day = (t.local_us - t.local_us % DAY_US) // DAY_US
    clock = t.local_us % DAY_US
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday (weekday 3, Monday = 0)
    out: Any = ibis.literal(False)
    for wd, windows in hours.weekly:
        for opens, closes in windows:
            out = out | ((weekday == wd) & (clock >= opens) & (clock < closes))
    if hours.closed_days:
        out = out & ~day.isin(list(hours.closed_days))
    return out


def flag_exclusions(t: ir.Table, definition: KpiDefinition, data: ExclusionData) -> ir.Table:
    """Add ``x_<kind>`` per declared exclusion and ``excluded`` (any of them)."""
    flags: list[str] = []
    for exclusion in definition.exclusions:
        name = f"x_{exclusion.kind}"
        if name in flags:
            continue
        if exclusion.kind == "declared_outages":
            cond: Any = ibis.literal(False)
            for start, stop, channels, queues in data.outages:
                one = (t.off_us >= start) & (t.off_us < stop)
                if channels is not None:
                    one = one & t.channel.isin(list(channels))
                if queues is not None:
                    one = one & t.queue.isin(list(queues))
                cond = cond | one
            t = t.mutate(**{name: cond})
        elif exclusion.kind == "trainees_in_exemption" and data.trainees is not None:
            tr = data.trainees
            t = t.left_join(tr, t.agent_id == tr.agent_id).drop("agent_id_right")
            t = t.mutate(
                **{
                    name: (
                        t.exempt_from_us.notnull()
                        & (t.off_us >= t.exempt_from_us)
                        & (t.off_us < t.exempt_until_us)
                    ).fill_null(False)
                }
            ).drop("exempt_from_us", "exempt_until_us")
        elif exclusion.kind == "volume_above_forecast":
            cond = ibis.literal(False)
            for i, (grid, over) in enumerate(data.over_forecast):
                o = over.select(_o_queue=over.queue, _o_slot=over.slot_us)
                t = t.mutate(_slot=grid.start_of(t.off_us))
                t = t.left_join(o, [t.queue == o._o_queue, t._slot == o._o_slot])
                t = t.mutate(**{f"_over{i}": t._o_slot.notnull()})
                t = t.drop("_o_queue", "_o_slot", "_slot")
                cond = cond | t[f"_over{i}"]
            t = t.mutate(**{name: cond}).drop(
                *(f"_over{i}" for i in range(len(data.over_forecast)))
            )
        else:
            t = t.mutate(**{name: ibis.literal(False)})
        flags.append(name)
    any_flag: Any = ibis.literal(False)
    for name in flags:
        any_flag = any_flag | t[name]
    return t.mutate(excluded=any_flag)


def handle_us(t: ir.Table) -> ir.IntegerValue:
    """A contact's handle time, talk + hold + after-call work, in whole microseconds (a null
    hold or after-call work is 0). Null where ``talk_s`` is: AHT's sample and settlement's
    billed handle time take the answered contacts where it is not."""
    handle_s = t.talk_s + t.hold_s.fill_null(0.0) + t.acw_s.fill_null(0.0)
    return (handle_s * US).round().cast("int64")


def _count(cond: ir.BooleanValue) -> ir.IntegerScalar:
    return ibis.ifelse(cond, 1, 0).sum().fill_null(0)


def finish_aggregate(grouped: ir.Table) -> ir.Table:
    """The rows every aggregate returns: ``bucket, grp`` and ``num`` (float64), ``den`` (int64),
    ``sq`` (float64)."""
    return grouped.select(
        *KEYS,
        num=grouped.num.cast("float64"),
        den=grouped.den.cast("int64"),
        sq=grouped.sq.cast("float64"),
    )


def exclusion_counts(t: ir.Table, definition: KpiDefinition) -> ir.Table:
    """Contacts left out per exclusion kind, and in total, per bucket."""
    aggs = {f"x_{e.kind}": _count(t[f"x_{e.kind}"]) for e in definition.exclusions}
    aggs["excluded"] = _count(t.excluded)
    return t.group_by([*KEYS]).aggregate(**aggs)


# ---------------------------------------------------------------------------------------------
# Metric families


def contact_conditions(t: ir.Table, definition: KpiDefinition) -> tuple[Any, Any]:
    """Per contact: ``(counts, in_sample)`` of a rate KPI — whether the contact adds to the
    numerator and to the denominator. The aggregate and the drill-down
    (:mod:`callpact.kpi.drilldown`) both count these, so a tile and its rows cannot disagree."""
    metric = definition.metric
    keep = ~t.excluded
    offered = keep & ~t.short
    answered = offered & t.answered
    if metric == "service_level":
        threshold = definition.seconds_us("threshold_s")
        within = answered & (t.wait_us <= threshold)
        abandoned_within = offered & ~t.answered & (t.wait_us <= threshold)
        variant = definition.param("abandons")
        num, den = within, offered
        if variant == "excluded":
            den = answered
        elif variant == "neutral_within":
            den = offered & ~abandoned_within
        elif variant == "met_within":
            num = within | abandoned_within
        return num, den
    if metric == "abandon_rate":
        return offered & ~t.answered, offered
    if metric == "short_abandon_rate":
        return keep & t.short, keep
    if metric == "transfer_rate":
        return answered & t.transferred, answered
    if metric in ("asa", "aht"):
        return ibis.literal(False), answered
    raise ValueError(f"{metric} is not a contact metric")


def contact_value_us(t: ir.Table, definition: KpiDefinition) -> Any:
    """Per contact, the µs an ASA or AHT KPI averages (null outside its sample)."""
    _, answered = contact_conditions(t, definition)
    measure = t.wait_us if definition.metric == "asa" else handle_us(t)
    return ibis.ifelse(answered, measure, ibis.null("int64"))


def contact_measures(t: ir.Table, definition: KpiDefinition) -> tuple[Any, Any, Any]:
    """``(num, den, sq)`` aggregates of service level, abandon rates, ASA, AHT or transfer
    rate over flagged in-scope contacts; several KPIs over one frame share one scan."""
    metric = definition.metric
    null_sq = ibis.literal(None, type="float64")
    if metric in ("asa", "aht"):
        x_us = contact_value_us(t, definition)
        x = x_us.cast("float64") / US
        # Integer microseconds add up exactly: the mean does not depend on the order in which a
        # parallel engine adds the rows, so it is the same to the last digit on every run.
        return x_us.sum().cast("float64") / US, x_us.count(), (x * x).sum()
    num, den = contact_conditions(t, definition)
    return _count(num), _count(den), null_sq


def _measure_columns(measures: Sequence[tuple[Any, Any, Any]]) -> dict[str, Any]:
    """``num_i, den_i, sq_i`` columns of the i-th KPI of a fused query."""
    columns: dict[str, Any] = {}
    for i, (num, den, sq) in enumerate(measures):
        columns[f"num_{i}"] = num.cast("float64")
        columns[f"den_{i}"] = den.cast("int64")
        columns[f"sq_{i}"] = sq.cast("float64")
    return columns


def contact_aggregate(t: ir.Table, definitions: Sequence[KpiDefinition]) -> ir.Table:
    """One scan for several contact KPIs sharing a frame: ``num_i, den_i, sq_i`` per KPI, and
    the exclusion counts of the frame (``x_<kind>``, ``excluded``)."""
    columns = _measure_columns([contact_measures(t, d) for d in definitions])
    for exclusion in definitions[0].exclusions:
        columns[f"x_{exclusion.kind}"] = _count(t[f"x_{exclusion.kind}"])
    columns["excluded"] = _count(t.excluded)
    return t.group_by([*KEYS]).aggregate(**columns)


def interval_service_level_aggregate(
    t: ir.Table, definition: KpiDefinition, span: Span
) -> ir.Table:
    """Share of intervals with offered contacts whose own service level meets the target."""
    minutes = int(definition.param("interval_minutes"))
    size = minutes * 60 * US
    threshold = definition.seconds_us("threshold_s")
    target = Fraction(str(definition.param("interval_target")))
    keep = ~t.excluded
    offered = keep & ~t.short
    answered = offered & t.answered
    variant = definition.param("abandons")
    abandoned_within = offered & ~t.answered & (t.wait_us <= threshold)
    num = _count(answered & (t.wait_us <= threshold))
    den = _count(offered)
    if variant == "excluded":
        den = _count(answered)
    elif variant == "neutral_within":
        den = _count(offered & ~abandoned_within)
    elif variant == "met_within":
        num = _count((answered & (t.wait_us <= threshold)) | abandoned_within)
    per_interval = (
        t.mutate(slot=t.local_us - t.local_us % size)
        .group_by([*KEYS, "slot"])
        .aggregate(met=num, offered=den)
    )
    # met ÷ offered ≥ p/q compared as integers: met·q ≥ p·offered
    counted = per_interval.filter(per_interval.offered > 0)
    passed = (counted.met * target.denominator) >= (counted.offered * target.numerator)
    agg = counted.group_by([*KEYS]).aggregate(
        num=_count(passed), den=counted.count(), sq=ibis.literal(None, type="float64")
    )
    return finish_aggregate(agg)


def fcr_aggregate(
    candidates: ir.Table,
    definition: KpiDefinition,
    span: Span,
    windows: OpenHours | None,
    *,
    part: CustomerPart = EVERY_CUSTOMER,
    partitioned: bool = True,
) -> ir.Table:
    """FCR: answered contacts with a customer whose customer made no repeat contact.

    ``candidates`` are the KPI's contacts from the period start to past the look-ahead, flagged
    for exclusions. A repeat b of a: same customer, not a short abandon, b.off_us > a.off_us and
    local(b) ≤ local(a) + window. ``part`` keeps one of several disjoint sets of customers
    only: the parts' aggregates add up to the whole.

    ``partitioned`` picks the window's shape, never its result: a LEAD per customer
    (``PARTITION BY``), or one LEAD over all contacts ordered by customer and instant whose
    neighbour counts only when it is the same customer's. Spark needs the first (a window with
    no partition runs on one node); DuckDB runs the second 0.4–0.5 s faster at 10M contacts,
    one sort instead of a hash partitioning and a sort per partition.

    The customer's next contact (a LEAD; the MIN over a range frame it replaced made the query
    1.7× slower at 10M contacts) decides almost every contact: within the limit it is a repeat;
    past the limit by more than the zone's largest offset change, so is every later one, and
    there is none. Two cases stay open and are settled by an anti-join with the candidates,
    which touches only those few customers: the next contact is at the same instant (a tie is
    no repeat, a later one may be), or it is just past the limit and a fall-back of the clocks
    after it could bring a later contact back under the limit.
    """
    window_us = int(definition.param("window_days")) * DAY_US
    offsets = [s.offset_us for s in span.segments]
    slack = max(offsets) - min(offsets)
    c = candidates.filter(
        ~candidates.short,
        candidates.customer_id.notnull(),
        *part.conditions(candidates.customer_id),
    )
    keys = ["customer_id"]
    if definition.param("same_queue") is True:
        keys.append("queue")
    if definition.param("same_channel") is True:
        keys.append("channel")
    # The window sorts every row it carries: only the keys, the instant, the group and whether
    # the contact is measured go through it; local times and buckets are derived after it.
    # Where the groups are known in advance (one group, or the scope's listed queues) both
    # travel as one small integer, the group's number or -1 when not measured, instead of a
    # string and a flag: 0.25–0.5 s and 0.3 GB less at 10M contacts.
    measured = _measured(c, span, windows)
    groups = _known_groups(definition, span)
    if groups is None:
        c = c.select(*dict.fromkeys([*keys, "off_us", "grp"]), measured=measured)
    else:
        number = c.queue.cases(*((q, i) for i, q in enumerate(groups)), else_=-1)
        number = number if len(groups) > 1 else ibis.literal(0)
        c = c.select(*keys, "off_us", group=ibis.ifelse(measured, number, -1).cast("int32"))
    if partitioned:
        later = ibis.window(group_by=[c[k] for k in keys], order_by=c.off_us)
        a = c.mutate(next_off=c.off_us.lead().over(later))
    else:
        later = ibis.window(order_by=[*(c[k] for k in keys), c.off_us])
        same: Any = ibis.literal(True)
        for k in keys:
            same = same & (c[k].lead().over(later) == c[k])
        a = c.mutate(next_off=ibis.ifelse(same, c.off_us.lead().over(later), ibis.null("int64")))
    if groups is None:
        a = a.filter(a.measured)
    else:
        a = a.filter(a.group >= 0)
        name = a.group.cases(*((i, q) for i, q in enumerate(groups)), else_="")
        a = a.mutate(grp=name if len(groups) > 1 else ibis.literal(groups[0]))
    local = local_us(a.off_us, span.segments)
    until = local + window_us
    next_local = local_us(a.next_off, span.segments)
    tie = a.next_off == a.off_us
    a = a.mutate(
        bucket=bucket_of(local, span),
        until=until,
        repeat_next=(~tie & (next_local <= until)).fill_null(False),
        open_case=(tie | ((next_local > until) & (next_local <= until + slack))).fill_null(False),
    )
    # The open cases ride along the aggregate as a list (few rows): the window's output then has
    # one consumer and is never materialised.
    open_row = ibis.struct({k: a[k] for k in [*keys, "off_us", "until"]})
    decided = a.group_by([*KEYS]).aggregate(
        num=_count(~a.repeat_next & ~a.open_case),
        den=a.count(),
        open_rows=open_row.collect(where=a.open_case),
    )
    opened = decided.select(*KEYS, row=decided.open_rows.unnest())
    undecided = opened.select(*KEYS, *(opened.row[k].name(k) for k in [*keys, "off_us", "until"]))
    # ... against the customer's later contacts: an open case with no repeat is resolved
    q = c.select(*[c[k].name(f"q_{k}") for k in keys], q_off=c.off_us)
    q = q.mutate(q_local=local_us(q.q_off, span.segments))
    resolved = undecided.anti_join(
        q,
        [
            *(undecided[k] == q[f"q_{k}"] for k in keys),
            q.q_off > undecided.off_us,
            q.q_local <= undecided.until,
        ],
    )
    late = resolved.group_by([*KEYS]).aggregate(late=resolved.count())
    joined = decided.left_join(late, [decided[k] == late[k] for k in KEYS])
    return finish_aggregate(
        joined.select(
            *KEYS,
            num=joined.num + joined.late.fill_null(0),
            den=joined.den,
            sq=ibis.literal(None, type="float64"),
        )
    )


def _known_groups(definition: KpiDefinition, span: Span) -> list[str] | None:
    """The result groups FCR can number before its window: "" alone, or (per queue) the
    queues the scope lists; None when a channel of the scope takes any queue."""
    if not span.per_queue:
        return [""]
    if not definition.scope or any(queues is None for _, queues in definition.scope):
        return None
    return sorted({q for _, queues in definition.scope for q in queues or ()}) or None


def _measured(c: ir.Table, span: Span, windows: OpenHours | None) -> ir.BooleanValue:
    """The contacts FCR measures: answered, not excluded, offered in the period and hours."""
    return (
        c.answered
        & ~c.excluded
        & (c.off_us >= span.lo_us)
        & (c.off_us < span.hi_us)
        & in_hours(c, windows)
    )


def response_measures(r: ir.Table, definition: KpiDefinition) -> tuple[Any, Any, Any]:
    """``(num, den, sq)`` of a survey KPI (CSAT, NPS, CES) or QA over joined responses.

    ``r`` holds survey rows (``survey``) and QA evaluations (``~survey``) of in-scope contacts.
    """
    metric = definition.metric
    null_sq = ibis.literal(None, type="float64")
    if metric == "qa_score":
        evaluation = ~r.survey
        failed = r.auto_fail.fill_null(False)
        # Scores in millionths of a point add up exactly (see asa/aht): the same mean every run.
        micro = ibis.ifelse(failed, 0, (r.score * 1_000_000).round().cast("int64"))
        micro = ibis.ifelse(evaluation, micro, ibis.null("int64"))
        x = micro.cast("float64") / 100_000_000
        return micro.sum().cast("float64") / 100_000_000, _count(evaluation), (x * x).sum()
    if metric not in ("csat", "nps", "ces"):
        raise ValueError(f"{metric} is not a survey or QA metric")
    answer = r[metric]
    given = r.survey & answer.notnull()
    if metric == "nps":
        x = ibis.cases((answer >= 9, 1.0), (answer <= 6, -1.0), else_=0.0)
        x = ibis.ifelse(given, x, ibis.null("float64"))
        return x.sum(), _count(given), (x * x).sum()
    method = definition.param("method")
    if (metric == "csat" and method != "mean") or (metric == "ces" and method == "top_box"):
        top = int(definition.param("top_box_from"))
        return _count(given & (answer >= top)), _count(given), null_sq
    x = ibis.ifelse(given, answer.cast("float64"), ibis.null("float64"))
    return x.sum(), _count(given), (x * x).sum()


def response_aggregate(
    t: ir.Table,
    surveys: ir.Table,
    evaluations: ir.Table,
    definitions: Sequence[KpiDefinition],
) -> ir.Table:
    """CSAT, NPS, CES and QA of in-scope contacts in one join: ``num_i, den_i, sq_i`` per KPI.

    Surveys and QA evaluations are stacked into one table of responses, so the contacts are
    scanned and joined once however many of these KPIs share the frame. A response belongs to
    the period (and bucket) of its contact's ``offered_at``.
    """
    base = t.filter(~t.excluded, ~t.short).select("contact_id", *KEYS)
    null_int = ibis.literal(None, type="int64")
    parts = []
    if any(d.metric != "qa_score" for d in definitions):
        parts.append(
            surveys.select(
                "contact_id",
                survey=ibis.literal(True),
                csat=surveys.csat.cast("int64"),
                nps=surveys.nps.cast("int64"),
                ces=surveys.ces.cast("int64"),
                score=ibis.literal(None, type="float64"),
                auto_fail=ibis.literal(None, type="boolean"),
            )
        )
    if any(d.metric == "qa_score" for d in definitions):
        parts.append(
            evaluations.select(
                "contact_id",
                survey=ibis.literal(False),
                csat=null_int,
                nps=null_int,
                ces=null_int,
                score=evaluations.score.cast("float64"),
                auto_fail=evaluations.auto_fail,
            )
        )
    stacked = parts[0] if len(parts) == 1 else parts[0].union(parts[1])
    # contacts on the probe side, the (far fewer) responses hashed
    r = base.join(stacked, base.contact_id == stacked.contact_id)
    columns = _measure_columns([response_measures(r, d) for d in definitions])
    return r.group_by([*KEYS]).aggregate(**columns)


def verbatim_aggregate(judgements: ir.Table, span: Span) -> ir.Table:
    """Audited feedback items judged faithful ÷ audited items of the period (its YYYY-MM)."""
    month = span.first.strftime("%Y-%m")
    j = judgements.filter(judgements.period == month)
    agg = j.group_by(bucket=ibis.literal(0, type="int64"), grp=ibis.literal("")).aggregate(
        num=_count(j.judgement == "faithful"),
        den=j.count(),
        sq=ibis.literal(None, type="float64"),
    )
    return finish_aggregate(agg)


def actual_per_slot(t: ir.Table, grid: SlotGrid) -> ir.Table:
    """Offered contacts (short abandons out) per queue and interval start of one grid."""
    x = t.filter(~t.short).mutate(slot_us=grid.start_of(t.off_us))
    return x.group_by(["queue", "slot_us"]).aggregate(actual=x.count())


def slot_grids(forecast: ir.Table) -> ir.Table:
    """The forecast's distinct (size_us, phase_us): usually one, e.g. 30 minutes on the hour."""
    size = forecast.interval_minutes.cast("int64") * (60 * US)
    return forecast.select(size_us=size, phase_us=forecast.slot_us % size).distinct()


def over_forecast_slots(
    contacts: ir.Table, forecast: ir.Table, tolerance: float, grid: SlotGrid
) -> ir.Table:
    """(queue, slot_us) of the grid's forecast intervals whose offered contacts (short abandons
    out) exceeded the forecast by more than ``tolerance``. An interval with no contact is
    never over (its forecast is not negative), so an inner join suffices."""
    size = forecast.interval_minutes.cast("int64") * (60 * US)
    f = forecast.filter(size == grid.size_us, forecast.slot_us % size == grid.phase_us)
    a = actual_per_slot(contacts, grid)
    j = f.join(a, [f.queue == a.queue, f.slot_us == a.slot_us])
    over = j.filter(j.actual > j.offered * (1.0 + tolerance))
    return over.select("queue", "slot_us")


def forecast_slots(forecast: ir.Table, span: Span, queues: Sequence[str] | None) -> ir.Table:
    f = forecast.mutate(slot_us=epoch_us(forecast, "interval_start"))
    f = f.filter(f.slot_us >= span.lo_us, f.slot_us < span.hi_us)
    if queues is not None:
        f = f.filter(f.queue.isin(list(queues)))
    return f


def forecast_accuracy_aggregate(
    t: ir.Table,
    forecast: ir.Table,
    definition: KpiDefinition,
    span: Span,
    grids: Sequence[SlotGrid],
) -> ir.Table:
    """Forecast accuracy over the forecast's intervals (see docs/kpis.md for the methods).

    ``grids`` are the forecast's (size, phase) pairs: the KPI's interval length picks its own.
    """
    minutes = int(definition.param("interval_minutes"))
    size = minutes * 60 * US
    queues = sorted({q for _, qs in definition.scope for q in (qs or ())}) or None
    f = forecast_slots(forecast, span, queues)
    f = f.filter(f.interval_minutes == minutes)
    kept = t.filter(~t.excluded)
    per_grid = [actual_per_slot(kept, g) for g in grids if g.size_us == size]
    if not per_grid:  # no forecast interval of this length: no interval to score
        per_grid = [actual_per_slot(kept, SlotGrid(size, 0))]
    a = per_grid[0].union(*per_grid[1:]) if len(per_grid) > 1 else per_grid[0]
    j = f.left_join(a, [f.queue == a.queue, f.slot_us == a.slot_us])
    j = j.mutate(
        actual=j.actual.fill_null(0).cast("float64"),
        bucket=bucket_of(local_us(j.slot_us, span.segments), span),
        grp=j.queue if span.per_queue else ibis.literal(""),
    )
    error = (j.actual - j.offered).abs()
    method = definition.param("method")
    null_std = ibis.literal(None, type="float64")
    if method == "within_tolerance":
        tolerance = float(Decimal(str(definition.param("tolerance"))))
        agg = j.group_by([*KEYS]).aggregate(
            num=_count(error <= j.offered * tolerance), den=j.count(), sq=null_std
        )
    elif method == "mean_interval":
        jj = j.filter(j.offered > 0)
        x = ibis.greatest(1.0 - (jj.actual - jj.offered).abs() / jj.offered, 0.0)
        agg = jj.group_by([*KEYS]).aggregate(num=x.sum(), den=x.count(), sq=(x * x).sum())
    else:
        # WAPE: 1 − Σ|A − F| ÷ ΣF; reported as num = ΣF − Σ|A − F| over den = ΣF would lose the
        # interval count, so the sample is the number of intervals and value is computed below.
        agg = j.group_by([*KEYS]).aggregate(
            num=j.offered.sum() - error.sum(), den=j.count(), sq=j.offered.sum()
        )
    return finish_aggregate(agg)
