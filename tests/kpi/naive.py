"""A deliberately naive second implementation of the KPI semantics: plain Python over rows.

It shares nothing with the engine but the spec: local time comes from ``datetime.astimezone``
(wall-clock naive datetimes compared directly), hours from the contract's ``is_open`` (for agent
time, its rule applied minute by minute), waits from ``timedelta`` arithmetic, FCR from a
quadratic search for a repeat. Slow on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

Row = dict[str, Any]


@dataclass
class NaiveKpi:
    metric: str
    params: dict[str, Any]
    scope: Sequence[tuple[str, Sequence[str] | None]] = ()
    hours: Any = None  # a contracts HoursCalendar
    exclusions: Sequence[tuple[str, float | None]] = ()
    trainee_days: int = 0
    #: only contacts of this queue are measured (a result per queue); FCR's repeats still come
    #: from the whole scope
    queue: str | None = None


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    return local(moment, zone).strftime("%Y-%m")


def _wait(c: Row) -> timedelta:
    end = c["answered_at"] if c["answered_at"] is not None else c["ended_at"]
    result: timedelta = end - c["offered_at"]
    return result


def _short(c: Row, short_s: Any) -> bool:
    return c["answered_at"] is None and _wait(c) < timedelta(seconds=float(Decimal(str(short_s))))


def _in_channels(c: Row, kpi: NaiveKpi) -> bool:
    if (c.get("direction") or "inbound") != "inbound":
        return False
    if not kpi.scope:
        return True
    return any(
        c["channel"] == channel and (queues is None or c["queue"] in queues)
        for channel, queues in kpi.scope
    )


def in_scope(c: Row, kpi: NaiveKpi, month: str, zone: ZoneInfo) -> bool:
    if not _in_channels(c, kpi) or month_of(c["offered_at"], zone) != month:
        return False
    return kpi.hours is None or kpi.hours.is_open(c["offered_at"], zone)


def excluded_kinds(c: Row, kpi: NaiveKpi, zone: ZoneInfo, tables: dict[str, list[Row]]) -> set[str]:
    kinds: set[str] = set()
    for kind, tolerance in kpi.exclusions:
        if kind == "declared_outages":
            for o in tables.get("outages", []):
                channels = o["channels"].split(",") if o.get("channels") else None
                queues = o["queues"].split(",") if o.get("queues") else None
                if (
                    o["starts_at"] <= c["offered_at"] < o["ends_at"]
                    and (channels is None or c["channel"] in channels)
                    and (queues is None or c["queue"] in queues)
                ):
                    kinds.add(kind)
        elif kind == "trainees_in_exemption" and kpi.trainee_days > 0:
            for a in tables.get("agents", []):
                done = a.get("training_completed_on")
                if c["agent_id"] is not None and a["agent_id"] == c["agent_id"] and done:
                    day = local(c["offered_at"], zone).date()
                    if done <= day < done + timedelta(days=kpi.trainee_days):
                        kinds.add(kind)
        elif kind == "volume_above_forecast":
            for f in tables.get("forecast", []):
                start = f["interval_start"]
                stop = start + timedelta(minutes=f["interval_minutes"])
                if f["queue"] != c["queue"] or not start <= c["offered_at"] < stop:
                    continue
                actual = sum(
                    1
                    for x in tables["contacts"]
                    if x["queue"] == f["queue"]
                    and (x.get("direction") or "inbound") == "inbound"
                    and start <= x["offered_at"] < stop
                    and not _short(x, 5)
                )
                if actual > f["offered"] * (1 + (tolerance or 0.0)):
                    kinds.add(kind)
    return kinds


def naive_kpi(
    kpi: NaiveKpi, tables: dict[str, list[Row]], month: str, zone: ZoneInfo
) -> tuple[float | None, int, dict[str, int]]:
    """(value, sample, excluded per kind + total) of one KPI over one local month."""
    contacts = tables["contacts"]
    short_s = kpi.params.get("short_abandon_s", 5)
    scoped = [
        c for c in contacts if in_scope(c, kpi, month, zone) and kpi.queue in (None, c["queue"])
    ]
    kinds = {c["contact_id"]: excluded_kinds(c, kpi, zone, tables) for c in scoped}
    counts = {kind: sum(1 for k in kinds.values() if kind in k) for kind, _ in kpi.exclusions}
    counts["total"] = sum(1 for k in kinds.values() if k)
    kept = [c for c in scoped if not kinds[c["contact_id"]]]
    offered = [c for c in kept if not _short(c, short_s)]
    answered = [c for c in offered if c["answered_at"] is not None]
    m = kpi.metric

    def ratio(num: int, den: int) -> tuple[float | None, int, dict[str, int]]:
        return (num / den if den else None), den, counts

    def mean(values: list[float]) -> tuple[float | None, int, dict[str, int]]:
        return (sum(values) / len(values) if values else None), len(values), counts

    if m == "service_level":
        t = timedelta(seconds=float(kpi.params["threshold_s"]))
        variant = kpi.params.get("abandons", "counted")
        good = [c for c in answered if _wait(c) <= t]
        lost_within = [c for c in offered if c["answered_at"] is None and _wait(c) <= t]
        if variant == "excluded":
            return ratio(len(good), len(answered))
        if variant == "neutral_within":
            return ratio(len(good), len(offered) - len(lost_within))
        if variant == "met_within":
            return ratio(len(good) + len(lost_within), len(offered))
        return ratio(len(good), len(offered))
    if m == "abandon_rate":
        return ratio(len(offered) - len(answered), len(offered))
    if m == "short_abandon_rate":
        return ratio(len(kept) - len(offered), len(kept))
    if m == "transfer_rate":
        return ratio(sum(1 for c in answered if c["transferred"]), len(answered))
    if m == "asa":
        return mean([_wait(c).total_seconds() for c in answered])
    if m == "aht":
        return mean(
            [
                c["talk_s"] + (c["hold_s"] or 0) + (c["acw_s"] or 0)
                for c in answered
                if c["talk_s"] is not None
            ]
        )
    if m == "fcr":
        window = timedelta(days=int(kpi.params.get("window_days", 7)))
        same_queue = kpi.params.get("same_queue", False)
        later = [
            b
            for b in contacts
            if _in_channels(b, kpi) and not _short(b, short_s) and b["customer_id"] is not None
        ]
        base = [c for c in answered if c["customer_id"] is not None]
        resolved = 0
        for a in base:
            limit = local(a["offered_at"], zone) + window
            repeat = any(
                b["customer_id"] == a["customer_id"]
                and b["offered_at"] > a["offered_at"]
                and local(b["offered_at"], zone) <= limit
                and (not same_queue or b["queue"] == a["queue"])
                for b in later
            )
            resolved += not repeat
        return ratio(resolved, len(base))
    by_contact = {c["contact_id"]: c for c in offered}
    if m in ("csat", "nps", "ces"):
        responses = [s for s in tables.get("surveys", []) if s["contact_id"] in by_contact]
        if m == "csat":
            answers = [s["csat"] for s in responses if s["csat"] is not None]
            if kpi.params.get("method", "top_box") == "mean":
                return mean([float(a) for a in answers])
            top = int(kpi.params.get("top_box_from", 4))
            return ratio(sum(1 for a in answers if a >= top), len(answers))
        if m == "nps":
            answers = [s["nps"] for s in responses if s["nps"] is not None]
            promoters = sum(1 for a in answers if a >= 9)
            detractors = sum(1 for a in answers if a <= 6)
            return (
                ((promoters - detractors) / len(answers) if answers else None),
                len(answers),
                counts,
            )
        answers = [s["ces"] for s in responses if s["ces"] is not None]
        return mean([float(a) for a in answers])
    if m == "qa_score":
        evaluations = [e for e in tables.get("qa_evaluations", []) if e["contact_id"] in by_contact]
        return mean([0.0 if e["auto_fail"] else e["score"] / 100 for e in evaluations])
    raise ValueError(m)


def naive_fidelity(judgements: Iterable[Row], month: str) -> tuple[float | None, int]:
    items = [j for j in judgements if j["period"] == month]
    faithful = sum(1 for j in items if j["judgement"] == "faithful")
    return (faithful / len(items) if items else None), len(items)


def days_between(first: date, end: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((end - first).days)]


def _bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    year, number = (int(p) for p in month.split("-"))
    first = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + (number == 12), number % 12 + 1, 1, tzinfo=zone)
    return first, end


def naive_interval_service_level(
    kpi: NaiveKpi, tables: dict[str, list[Row]], month: str, zone: ZoneInfo
) -> tuple[float | None, int]:
    """Intervals (local wall clock) whose own SL reaches the target ÷ intervals with offers."""
    from fractions import Fraction

    minutes = int(kpi.params.get("interval_minutes", 30))
    threshold = timedelta(seconds=float(kpi.params["threshold_s"]))
    target = Fraction(str(kpi.params.get("interval_target", "0.80")))
    slots: dict[datetime, list[int]] = {}
    for c in tables["contacts"]:
        if not in_scope(c, kpi, month, zone) or _short(c, kpi.params.get("short_abandon_s", 5)):
            continue
        if excluded_kinds(c, kpi, zone, tables):
            continue
        wall = local(c["offered_at"], zone)
        slot = wall.replace(minute=wall.minute - wall.minute % minutes, second=0, microsecond=0)
        counts = slots.setdefault(slot, [0, 0])
        counts[1] += 1
        counts[0] += c["answered_at"] is not None and _wait(c) <= threshold
    passed = sum(1 for met, offered in slots.values() if Fraction(met, offered) >= target)
    return (passed / len(slots) if slots else None), len(slots)


def naive_forecast_accuracy(
    kpi: NaiveKpi, tables: dict[str, list[Row]], month: str, zone: ZoneInfo
) -> tuple[float | None, int]:
    """1 − Σ|A − F| ÷ ΣF over the forecast rows of the month, of the KPI's queues and of its
    interval length."""
    queues = {q for _, qs in kpi.scope for q in (qs or ())}
    minutes = int(kpi.params.get("interval_minutes", 30))
    first, end = _bounds(month, zone)
    offered = [
        c
        for c in tables["contacts"]
        if in_scope(c, kpi, month, zone)
        and not _short(c, kpi.params.get("short_abandon_s", 5))
        and not excluded_kinds(c, kpi, zone, tables)
    ]
    errors, total, rows = 0.0, 0.0, 0
    for f in tables.get("forecast", []):
        if not first <= f["interval_start"] < end or (queues and f["queue"] not in queues):
            continue
        if f["interval_minutes"] != minutes:
            continue
        stop = f["interval_start"] + timedelta(minutes=f["interval_minutes"])
        actual = sum(
            1
            for c in offered
            if c["queue"] == f["queue"] and f["interval_start"] <= c["offered_at"] < stop
        )
        errors += abs(actual - f["offered"])
        total += f["offered"]
        rows += 1
    return ((1 - errors / total) if total else None), rows


WORKING_STATES = ("available", "busy", "hold", "acw")
HANDLING_STATES = ("busy", "hold", "acw")
_MINUTE = timedelta(minutes=1)
Buckets = dict[str | None, tuple[float | None, int]]


def bucket_label(wall: datetime, by: str, interval_minutes: int = 30) -> str | None:
    """The result bucket of a local wall-clock time, as the engine labels it."""
    if by == "day":
        return wall.date().isoformat()
    if by == "week":
        year, week, _ = wall.date().isocalendar()
        return f"{year}-W{week:02d}"
    if by == "interval":
        start = wall.replace(minute=wall.minute - wall.minute % interval_minutes)
        return start.strftime("%Y-%m-%dT%H:%M")
    return None


def counted_parts(
    start: datetime,
    end: datetime,
    month: str,
    zone: ZoneInfo,
    *,
    hours: Any = None,
    by: str = "period",
) -> Iterable[tuple[str | None, datetime, datetime]]:
    """The parts of ``[start, end)`` that agent-time KPIs count, with their bucket: inside the
    local month, and inside the hours when given, judged like a contact offered then.

    The interval is cut at every whole UTC minute: the zone's offsets are whole minutes and the
    hours whole local minutes, so each cut lies in one local minute, open or closed as a whole.
    """
    first, stop = (b.astimezone(UTC) for b in _bounds(month, zone))
    a, b = max(start.astimezone(UTC), first), min(end.astimezone(UTC), stop)
    while a < b:
        nxt = min(b, a.replace(second=0, microsecond=0) + _MINUTE)
        wall = local(a, zone)
        if hours is None or _open(hours, wall):
            yield bucket_label(wall, by), a, nxt
        a = nxt


_DAY_WINDOWS: dict[tuple[Any, ...], tuple[tuple[int, int], ...]] = {}


def _open(hours: Any, wall: datetime) -> bool:
    """The contract's rule (``is_open``) for a local wall-clock minute: not a holiday, and the
    minute of the day inside one of the weekday's windows. A day's windows are cached: finding
    the holidays is slow."""
    key = (hours.calendar, hours.holidays, wall.date())
    if key not in _DAY_WINDOWS:
        closed = wall.date() in hours.holiday_dates(wall.date(), wall.date())
        _DAY_WINDOWS[key] = () if closed else tuple(hours.weekly.get(wall.weekday(), ()))
    minute = wall.hour * 60 + wall.minute
    return any(opens <= minute < closes for opens, closes in _DAY_WINDOWS[key])


def _us(d: timedelta) -> int:
    return d // timedelta(microseconds=1)


def _ratios(num: dict[str | None, timedelta], den: dict[str | None, timedelta]) -> Buckets:
    """Per bucket of ``den``: num ÷ den and den in whole seconds."""
    return {
        label: (_us(num.get(label, timedelta(0))) / _us(d), _us(d) // 1_000_000)
        for label, d in den.items()
    }


def naive_occupancy(
    tables: dict[str, list[Row]],
    month: str,
    zone: ZoneInfo,
    hours: Any = None,
    by: str = "period",
) -> Buckets:
    """Per bucket: (busy + hold + acw time) ÷ (that + available time), and the staffed seconds.

    Only the state time inside the month and the hours counts, each part in its own bucket.
    """
    handling: dict[str | None, timedelta] = {}
    staffed: dict[str | None, timedelta] = {}
    for s in tables.get("agent_states", []):
        if s["state"] not in WORKING_STATES:
            continue
        for label, a, b in counted_parts(
            s["started_at"], s["ended_at"], month, zone, hours=hours, by=by
        ):
            staffed[label] = staffed.get(label, timedelta(0)) + (b - a)
            if s["state"] in HANDLING_STATES:
                handling[label] = handling.get(label, timedelta(0)) + (b - a)
    return _ratios(handling, staffed)


def naive_adherence(
    tables: dict[str, list[Row]],
    month: str,
    zone: ZoneInfo,
    hours: Any = None,
    by: str = "period",
) -> Buckets:
    """Per bucket: scheduled work time in a working state ÷ scheduled work time, and the
    scheduled seconds; only the time inside the month and the hours counts."""
    scheduled: dict[str | None, timedelta] = {}
    adhered: dict[str | None, timedelta] = {}
    states = [s for s in tables.get("agent_states", []) if s["state"] in WORKING_STATES]

    def add(into: dict[str | None, timedelta], start: datetime, stop: datetime) -> None:
        for label, a, b in counted_parts(start, stop, month, zone, hours=hours, by=by):
            into[label] = into.get(label, timedelta(0)) + (b - a)

    for block in tables.get("schedules", []):
        if block["activity"] != "work":
            continue
        b0, b1 = block["starts_at"], block["ends_at"]
        add(scheduled, b0, b1)
        for s in states:
            s0, s1 = max(s["started_at"], b0), min(s["ended_at"], b1)
            if s["agent_id"] == block["agent_id"] and s0 < s1:
                add(adhered, s0, s1)
    return _ratios(adhered, scheduled)
