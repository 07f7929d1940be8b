"""Agent-time KPIs — occupancy and schedule adherence — as backend-neutral Ibis expressions.

Contact KPIs count a contact when its ``offered_at`` is inside the period, the hours of
operation and a bucket. Agent time is counted the same way, instant by instant: a second of an
agent state (or of a schedule block) counts when a contact offered at that second would, and it
counts in the bucket that contact would fall in. A state over local midnight therefore adds to
two days, and a state that starts before the hours open adds only its time after they open.

The instants that count form a few thousand UTC intervals a month — the *pieces*: each local
bucket (day, ISO week, interval, or the whole period) cut to the open hours. They are built here
in plain Python from the zone's offset segments (:func:`time_pieces`), with the very arithmetic
the engine applies to ``offered_at`` (:func:`callpact.kpi.expressions.local_us`,
:func:`~callpact.kpi.expressions.bucket_of`, :func:`~callpact.kpi.expressions.in_hours`), so
both kinds of KPI agree on every DST change and holiday. The engine registers them as a small
table (``p_lo, p_hi, bucket, day``: cut at UTC midnights); each KPI joins its intervals to the
UTC days they touch and then to those days' pieces, and sums the clipped lengths. No backend
time-zone function, only comparisons, integer arithmetic, CASE, a union and joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from callpact.kpi.expressions import KEYS, OpenHours, Span, epoch_us, finish_aggregate
from callpact.kpi.localtime import DAY_US, US

#: states an agent handles contacts in (occupancy's numerator)
HANDLING_STATES = ("busy", "hold", "acw")
#: states that count as staffed (occupancy's denominator) and as adhering to a work block
WORKING_STATES = ("available", *HANDLING_STATES)
#: a ratio of times has no spread of values (``sq`` of the aggregate rows)
_NO_SPREAD = ibis.literal(None, type="float64")


@dataclass(frozen=True, slots=True)
class Piece:
    """UTC instants ``[lo_us, hi_us)`` inside one bucket (local µs of its start) and the hours."""

    lo_us: int
    hi_us: int
    bucket: int


def _bucket_grid(span: Span) -> tuple[int, int] | None:
    """(length, phase) of the local buckets in local µs, as :func:`bucket_of` cuts them;
    None for the whole period (one bucket, 0)."""
    if span.by == "day":
        return DAY_US, 0
    if span.by == "week":
        return 7 * DAY_US, 4 * DAY_US  # Mondays: 1970-01-01 was a Thursday
    if span.by == "interval":
        return span.interval_minutes * 60 * US, 0
    return None


def _open_local(lo: int, hi: int, hours: OpenHours | None) -> Iterator[tuple[int, int]]:
    """The open parts of the local wall-clock range ``[lo, hi)``, day by day."""
    weekly = dict(hours.weekly) if hours is not None else {}
    closed = frozenset(hours.closed_days) if hours is not None else frozenset()
    day = lo // DAY_US
    while day * DAY_US < hi:
        midnight = day * DAY_US
        if hours is None:
            windows: tuple[tuple[int, int], ...] = ((0, DAY_US),)
        elif day in closed:
            windows = ()
        else:
            windows = weekly.get((day + 3) % 7, ())  # weekday, Monday = 0
        for opens, closes in windows:
            start, stop = max(lo, midnight + opens), min(hi, midnight + closes)
            if start < stop:
                yield start, stop
        day += 1


def _split(lo: int, hi: int, grid: tuple[int, int] | None) -> Iterator[tuple[int, int, int]]:
    """``[lo, hi)`` (local µs) cut at the bucket boundaries: (start, stop, bucket start)."""
    if grid is None:
        yield lo, hi, 0
        return
    size, phase = grid
    start = lo
    while start < hi:
        bucket = start - (start - phase) % size
        stop = min(hi, bucket + size)
        yield start, stop, bucket
        start = stop


def time_pieces(span: Span, hours: OpenHours | None) -> tuple[Piece, ...]:
    """The instants of the period that agent-time KPIs count, as UTC pieces with their bucket.

    Within one offset segment local time is UTC plus a constant, so the local buckets and open
    windows map back to UTC by subtracting it. A DST change splits a piece (its two halves keep
    one bucket); a fall-back repeats an hour's local bucket, and both instants count in it, as
    contacts offered in either would. Touching pieces of one bucket are merged.
    """
    grid = _bucket_grid(span)
    segments = span.segments
    out: list[Piece] = []
    for i, segment in enumerate(segments):
        # the first segment's offset also holds before it, as in :func:`local_us`
        start = span.lo_us if i == 0 else max(segment.from_us, span.lo_us)
        stop = span.hi_us if i + 1 == len(segments) else min(segments[i + 1].from_us, span.hi_us)
        if start >= stop:
            continue
        offset = segment.offset_us
        for open_lo, open_hi in _open_local(start + offset, stop + offset, hours):
            for lo, hi, bucket in _split(open_lo, open_hi, grid):
                piece = Piece(lo - offset, hi - offset, bucket)
                last = out[-1] if out else None
                if last is not None and last.hi_us == piece.lo_us and last.bucket == bucket:
                    out[-1] = Piece(last.lo_us, piece.hi_us, bucket)
                else:
                    out.append(piece)
    return tuple(out)


def _utc_days(piece: Piece) -> Iterator[Piece]:
    """The piece cut at UTC midnights: each part lies in one UTC day (the joins' equality key)."""
    lo = piece.lo_us
    while lo < piece.hi_us:
        hi = min(piece.hi_us, (lo // DAY_US + 1) * DAY_US)
        yield Piece(lo, hi, piece.bucket)
        lo = hi


def pieces_table(pieces: tuple[Piece, ...]) -> pa.Table:
    """The pieces as the small table the aggregates join: ``p_lo, p_hi, bucket`` and the UTC
    day number ``day`` of each (int64), cut so that no piece spans two UTC days."""
    cut = [part for piece in pieces for part in _utc_days(piece)]
    return pa.table(
        {
            "p_lo": pa.array([p.lo_us for p in cut], pa.int64()),
            "p_hi": pa.array([p.hi_us for p in cut], pa.int64()),
            "bucket": pa.array([p.bucket for p in cut], pa.int64()),
            "day": pa.array([p.lo_us // DAY_US for p in cut], pa.int64()),
        }
    )


def _in_pieces(t: ir.Table, pieces: ir.Table) -> tuple[ir.Table, ir.IntegerValue]:
    """``t``'s intervals ``[a, b)`` joined with the pieces they overlap, and the overlap (µs).

    An interval first meets the UTC days it touches (a range join with the period's few dozen
    days), then the pieces of each day on the day's number: an equality join. A range join
    straight to the pieces tests every piece against every state (1,500 intervals a month by
    interval: 2.6 s on DuckDB and 20 s on a local Spark for a million states).
    """
    days = pieces.select(d=pieces.day).distinct()
    days = days.mutate(d_lo=days.d * DAY_US, d_hi=(days.d + 1) * DAY_US)
    by_day = t.join(days, [t.b > days.d_lo, t.a < days.d_hi])
    j = by_day.join(
        pieces, [by_day.d == pieces.day, by_day.b > pieces.p_lo, by_day.a < pieces.p_hi]
    )
    return j, ibis.least(j.b, j.p_hi) - ibis.greatest(j.a, j.p_lo)


def occupancy_aggregate(states: ir.Table, pieces: ir.Table, span: Span) -> ir.Table:
    """Occupancy: time in ``busy``, ``hold`` or ``acw`` ÷ that time plus ``available`` time.

    Only the state time inside the pieces counts (the period, the KPI's hours), each part in
    its own bucket: ``num`` and ``den`` are microseconds.
    """
    s = states.filter(states.state.isin(list(WORKING_STATES)))
    s = s.select("state", a=epoch_us(s, "started_at"), b=epoch_us(s, "ended_at"))
    s = s.filter(s.b > s.a, s.b > span.lo_us, s.a < span.hi_us)
    j, overlap = _in_pieces(s, pieces)
    j = j.mutate(dur=overlap, grp=ibis.literal(""))
    handling = ibis.ifelse(j.state.isin(list(HANDLING_STATES)), j.dur, 0)
    agg = j.group_by([*KEYS]).aggregate(num=handling.sum(), den=j.dur.sum(), sq=_NO_SPREAD)
    return finish_aggregate(agg)


def adherence_aggregate(
    schedules: ir.Table, states: ir.Table, pieces: ir.Table, span: Span
) -> ir.Table:
    """Schedule adherence: scheduled ``work`` time the agent spent in a working state
    (``available``, ``busy``, ``hold``, ``acw``) ÷ scheduled ``work`` time.

    Each block's overlaps with the agent's working states are stacked under the blocks
    themselves, and the stack meets the pieces once (:func:`_in_pieces`): the numerator and
    the denominator are clipped to the same period, hours and buckets. Microseconds.
    """
    w = schedules.filter(schedules.activity == "work")
    w = w.select("agent_id", ws=epoch_us(w, "starts_at"), we=epoch_us(w, "ends_at"))
    w = w.filter(w.we > w.ws, w.we > span.lo_us, w.ws < span.hi_us)
    s = states.filter(states.state.isin(list(WORKING_STATES)))
    s = s.select(s_agent=s.agent_id, ss=epoch_us(s, "started_at"), se=epoch_us(s, "ended_at"))
    s = s.filter(s.se > span.lo_us, s.ss < span.hi_us)
    o = w.join(s, [w.agent_id == s.s_agent, s.se > w.ws, s.ss < w.we])
    adhered = o.select(
        a=ibis.greatest(o.ss, o.ws), b=ibis.least(o.se, o.we), adhered=ibis.literal(True)
    )
    scheduled = w.select(a=w.ws, b=w.we, adhered=ibis.literal(False))
    stacked = scheduled.union(adhered)  # UNION ALL: equal intervals all count
    j, overlap = _in_pieces(stacked, pieces)
    j = j.mutate(dur=overlap, grp=ibis.literal(""))
    agg = j.group_by([*KEYS]).aggregate(
        num=ibis.ifelse(j.adhered, j.dur, 0).sum(),
        den=ibis.ifelse(j.adhered, 0, j.dur).sum(),
        sq=_NO_SPREAD,
    )
    return finish_aggregate(agg)
