"""Small cases worked by hand, one per KPI and variant (America/Chicago, January = UTC−6).

Voice contacts c1…c7 are offered on 2027-01-05 at 10:0i local (16:0i Z):

    c1 answered after 10 s      c5 abandoned after 4.999999 s (short)
    c2 answered after 30 s      c6 abandoned after 5 s (not short, within 30 s)
    c3 answered after 30.000001 s  c7 abandoned after 40 s
    c4 answered after 45 s (agent A9, a trainee)
c8 is answered after 20 s at 2027-01-31 23:59:59.999999 local (in January); c9 one µs later, on
1 February local (out); c10 is outbound; c11 and c12 are chat.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from callpact.contracts import HoursCalendar
from callpact.data.schema import arrow_schema
from callpact.kpi.definitions import Exclusion, KpiDefinition, Program
from callpact.kpi.engine import ByOption, DuckDBBackend, KpiResult, KpiStatus, compute

from .kpi_data import FolderSource, write_tables
from .naive import naive_adherence, naive_occupancy

VOICE = (("voice", ("members",)),)
BOTH = (("voice", ("members",)), ("chat", ("members-chat",)))
JAN5 = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)


def _c(
    cid: str,
    offered: datetime,
    wait_s: float,
    answered: bool,
    *,
    customer: str | None = None,
    channel: str = "voice",
    queue: str = "members",
    talk: float | None = None,
    hold: float = 0.0,
    acw: float = 0.0,
    agent: str = "A1",
    transferred: bool = False,
    direction: str = "inbound",
) -> dict[str, Any]:
    wait = timedelta(microseconds=round(wait_s * 1_000_000))
    return {
        "contact_id": cid,
        "channel": channel,
        "direction": direction,
        "queue": queue,
        "offered_at": offered,
        "answered_at": offered + wait if answered else None,
        "ended_at": offered + wait + timedelta(seconds=talk or 0),
        "talk_s": talk if answered else None,
        "hold_s": hold,
        "acw_s": acw,
        "agent_id": agent if answered else None,
        "customer_id": customer,
        "transferred": transferred,
        "disposition": None,
    }


def _minute(i: int) -> datetime:
    return JAN5 + timedelta(minutes=i)


def _local(y: int, m: int, d: int, h: int, mi: int) -> datetime:
    # January and February in Chicago: UTC−6
    return (
        datetime(y, m, d, h + 6, mi, tzinfo=UTC)
        if h + 6 < 24
        else datetime(y, m, d, h + 6 - 24, mi, tzinfo=UTC) + timedelta(days=1)
    )


def tables() -> dict[str, list[dict[str, Any]]]:
    end_of_january = datetime(2027, 2, 1, 6, 0, tzinfo=UTC) - timedelta(microseconds=1)
    contacts = [
        _c("c1", _minute(1), 10, True, customer="K1", talk=100, acw=10),
        _c("c2", _minute(2), 30, True, customer="K2", talk=200, hold=5, transferred=True),
        _c("c3", _minute(3), 30.000001, True, talk=300),
        _c(
            "c4", _minute(4), 45, True, customer="K1", talk=50, acw=50, agent="A9", transferred=True
        ),
        _c("c5", _minute(5), 4.999999, False, customer="K2"),
        _c("c6", _minute(6), 5, False, customer="K3"),
        _c("c7", _minute(7), 40, False),
        _c("c8", end_of_january, 20, True, customer="K4", talk=150, acw=30),
        _c("c9", end_of_january + timedelta(microseconds=1), 20, True, customer="K4", talk=60),
        _c("c10", _minute(8), 1, True, talk=10, direction="outbound"),
        _c(
            "c11",
            _minute(9),
            100,
            True,
            customer="K5",
            channel="chat",
            queue="members-chat",
            talk=400,
        ),
        # exactly 7 local days after c2: a repeat of c2 (≤ is inclusive), in another queue
        _c(
            "c12",
            _minute(2) + timedelta(days=7),
            60,
            False,
            customer="K2",
            channel="chat",
            queue="members-chat",
        ),
    ]
    surveys = [
        {
            "contact_id": cid,
            "responded_at": JAN5 + timedelta(days=1),
            "csat": csat,
            "nps": nps,
            "ces": ces,
        }
        for cid, csat, nps, ces in (
            ("c1", 5, 10, 2),
            ("c2", 4, 9, 6),
            ("c3", 3, 7, None),
            ("c4", None, 8, None),
            ("c5", 1, 0, 1),
            ("c9", 1, 0, 1),
            ("c11", 2, 0, None),
        )
    ]
    evaluations = [
        {
            "evaluation_id": f"e{cid}",
            "contact_id": cid,
            "agent_id": "A1",
            "evaluated_at": JAN5 + timedelta(days=2),
            "score": score,
            "auto_fail": fail,
        }
        for cid, score, fail in (
            ("c1", 90.0, False),
            ("c2", 80.0, True),
            ("c4", 70.0, False),
            ("c9", 10.0, False),
        )
    ]
    agents = [
        {
            "agent_id": "A1",
            "role": "operator",
            "hired_on": None,
            "training_completed_on": None,
            "admitted_on": None,
        },
        {
            "agent_id": "A9",
            "role": "operator",
            "hired_on": None,
            "training_completed_on": date(2027, 1, 3),
            "admitted_on": None,
        },
    ]
    outages = [
        {
            "outage_id": "o1",
            "starts_at": _minute(0) + timedelta(seconds=30),
            "ends_at": _minute(1) + timedelta(seconds=30),
            "channels": "voice",
            "queues": None,
            "reason": "trunk",
        },
    ]
    forecast = [
        {
            "queue": "members",
            "interval_start": JAN5,
            "interval_minutes": 30,
            "offered": 5.0,
            "aht_s": 300.0,
        },
        {
            "queue": "members",
            "interval_start": JAN5 + timedelta(minutes=30),
            "interval_minutes": 30,
            "offered": 2.0,
            "aht_s": 300.0,
        },
    ]
    states = [
        ("available", _local(2027, 1, 5, 10, 0), _local(2027, 1, 5, 10, 30)),
        ("busy", _local(2027, 1, 5, 10, 30), _local(2027, 1, 5, 11, 30)),
        ("acw", _local(2027, 1, 5, 11, 30), _local(2027, 1, 5, 11, 45)),
        ("break", _local(2027, 1, 5, 11, 45), _local(2027, 1, 5, 12, 0)),
        # crosses the period start: only the hour after local midnight counts
        ("busy", _local(2026, 12, 31, 23, 0), _local(2027, 1, 1, 1, 0)),
    ]
    agent_states = [
        {"agent_id": "A1", "state": s, "started_at": a, "ended_at": b} for s, a, b in states
    ]
    schedules = [
        {
            "agent_id": "A1",
            "activity": "work",
            "starts_at": _local(2027, 1, 5, 10, 0),
            "ends_at": _local(2027, 1, 5, 12, 0),
        },
        {
            "agent_id": "A1",
            "activity": "lunch",
            "starts_at": _local(2027, 1, 5, 12, 0),
            "ends_at": _local(2027, 1, 5, 13, 0),
        },
    ]
    return {
        "contacts": contacts,
        "surveys": surveys,
        "qa_evaluations": evaluations,
        "agents": agents,
        "outages": outages,
        "forecast": forecast,
        "agent_states": agent_states,
        "schedules": schedules,
    }


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> FolderSource:
    root = Path(tmp_path_factory.mktemp("hand"))
    src = write_tables(tables(), root)
    judgements = pa.table(
        {
            "feedback_id": ["f1", "f2", "f3", "f4"],
            "judgement": ["faithful", "faithful", "paraphrased", "distorted"],
            "audited_at": pa.array([JAN5] * 4, pa.timestamp("us", tz="UTC")),
            "period": ["2027-01", "2027-01", "2027-01", "2027-02"],
        }
    )
    full = {
        f.name: judgements[f.name] if f.name in judgements.column_names else pa.nulls(4, f.type)
        for f in arrow_schema("verbatim_judgements")
    }
    pq.write_table(pa.table(full), root / "verbatim_judgements.parquet")
    return src


_BACKEND: list[DuckDBBackend] = []


def run(source: FolderSource, *definitions: KpiDefinition, by: Any = None) -> list[KpiResult]:
    # one connection for the module: its Parquet views are created once
    if not _BACKEND:
        _BACKEND.append(DuckDBBackend())
    card = compute(
        Program("America/Chicago"), definitions, source, "2027-01", by=by, backend=_BACKEND[0]
    )
    return card.results


def one(
    source: FolderSource,
    metric: str,
    params: dict[str, Any] | None = None,
    scope: Any = VOICE,
    **kw: Any,
) -> KpiResult:
    (result,) = run(source, KpiDefinition("k", metric, params or {}, scope, **kw))
    return result


HAND = [
    # metric, params, scope, value, sample
    ("service_level", {"threshold_s": 30}, VOICE, 3 / 7, 7),
    ("service_level", {"threshold_s": 30, "abandons": "excluded"}, VOICE, 3 / 5, 5),
    ("service_level", {"threshold_s": 30, "abandons": "neutral_within"}, VOICE, 3 / 6, 6),
    ("service_level", {"threshold_s": 30, "abandons": "met_within"}, VOICE, 4 / 7, 7),
    ("service_level", {"threshold_s": 30, "short_abandon_s": 6}, VOICE, 3 / 6, 6),
    ("abandon_rate", {}, VOICE, 2 / 7, 7),
    ("short_abandon_rate", {}, VOICE, 1 / 8, 8),
    ("asa", {}, VOICE, 135.000001 / 5, 5),
    ("aht", {}, VOICE, (110 + 205 + 300 + 100 + 180) / 5, 5),
    ("transfer_rate", {}, VOICE, 2 / 5, 5),
    ("fcr", {}, BOTH, 2 / 5, 5),
    ("fcr", {"window_days": 6}, BOTH, 3 / 5, 5),
    ("fcr", {"same_queue": True}, BOTH, 3 / 5, 5),
    ("fcr", {}, VOICE, 2 / 4, 4),  # c12 (chat) is no repeat of c2 when the KPI is voice only
    ("csat", {}, BOTH, 2 / 4, 4),
    ("csat", {"top_box_from": 3}, BOTH, 3 / 4, 4),
    ("csat", {"method": "mean"}, BOTH, 14 / 4, 4),
    ("nps", {}, BOTH, (2 - 1) / 5, 5),
    ("ces", {}, BOTH, 8 / 2, 2),
    ("ces", {"method": "top_box"}, BOTH, 1 / 2, 2),
    ("qa_score", {}, BOTH, (0.9 + 0 + 0.7) / 3, 3),
    ("interval_service_level", {"threshold_s": 30}, VOICE, 1 / 2, 2),
    ("interval_service_level", {"threshold_s": 30, "interval_target": 0.3}, VOICE, 2 / 2, 2),
    ("forecast_accuracy", {}, VOICE, 1 - 3 / 7, 2),
    ("forecast_accuracy", {"method": "mean_interval"}, VOICE, (0.8 + 0) / 2, 2),
    ("forecast_accuracy", {"method": "within_tolerance", "tolerance": 0.2}, VOICE, 1 / 2, 2),
    ("verbatim_fidelity", {}, (), 2 / 3, 3),
    ("occupancy", {}, (), 135 / 165, 165 * 60),
    ("schedule_adherence", {}, (), 105 / 120, 120 * 60),
]


@pytest.mark.parametrize(("metric", "params", "scope", "value", "sample"), HAND)
def test_hand_worked(  # noqa: PLR0917 (pytest passes the parameters by name)
    source: FolderSource,
    metric: str,
    params: dict[str, Any],
    scope: Any,
    value: float,
    sample: int,
) -> None:
    result = one(source, metric, params, scope)
    assert result.sample == sample
    assert result.value is not None
    assert math.isclose(result.value, value, rel_tol=1e-12)


def test_exclusions_are_counted_per_kind(source: FolderSource) -> None:
    result = one(
        source,
        "service_level",
        {"threshold_s": 30},
        VOICE,
        exclusions=(Exclusion("declared_outages"), Exclusion("trainees_in_exemption")),
        trainee_exemption_days=14,
    )
    # c1 (outage) and c4 (A9 within 14 days of training) out: c2, c8 in time of c2 c3 c6 c7 c8
    assert result.value == pytest.approx(2 / 5)
    assert result.sample == 5
    assert dict(result.excluded_by) == {"declared_outages": 1, "trainees_in_exemption": 1}
    assert result.excluded == 2
    short_window = one(
        source,
        "service_level",
        {"threshold_s": 30},
        VOICE,
        exclusions=(Exclusion("trainees_in_exemption"),),
        trainee_exemption_days=2,
    )
    assert short_window.excluded == 0  # 3 + 2 days ends on 5 January 00:00, before c4


@pytest.mark.parametrize(
    ("accepted", "excluded"), [(None, 1), ({"o1"}, 1), (set(), 0), ({"o9"}, 0)]
)
def test_only_accepted_outages_exclude(
    source: FolderSource, accepted: set[str] | None, excluded: int
) -> None:
    """c1 falls in outage o1: it is excluded when every declared outage counts (None) or o1 was
    accepted, and counts when none or only another outage was."""
    definition = KpiDefinition(
        "sl",
        "service_level",
        {"threshold_s": 30},
        VOICE,
        exclusions=(Exclusion("declared_outages"),),
    )
    (result,) = compute(
        Program("America/Chicago"), [definition], source, "2027-01", accepted_outages=accepted
    ).results
    assert dict(result.excluded_by) == {"declared_outages": excluded}
    assert result.sample == 7 - excluded


def test_kpis_over_the_same_contacts_share_exclusion_counts(source: FolderSource) -> None:
    """Service level, FCR and CSAT over the same scope and exclusions report the same counts
    together (where the count is run once) as each alone; a KPI with a shorter trainee window
    counts its own."""
    excluding = {
        "exclusions": (Exclusion("declared_outages"), Exclusion("trainees_in_exemption")),
        "trainee_exemption_days": 14,
    }
    together = [
        KpiDefinition("sl", "service_level", {"threshold_s": 30}, VOICE, **excluding),
        KpiDefinition("fcr", "fcr", {}, VOICE, **excluding),
        KpiDefinition("csat", "csat", {}, VOICE, **excluding),
        KpiDefinition(
            "short-window",
            "csat",
            {},
            VOICE,
            exclusions=(Exclusion("trainees_in_exemption"),),
            trainee_exemption_days=2,
        ),
    ]
    program = Program("America/Chicago")
    shared = compute(program, together, source, "2027-01", backend=DuckDBBackend()).results
    for definition, result in zip(together, shared, strict=True):
        (alone,) = compute(program, [definition], source, "2027-01").results
        assert (result.excluded, dict(result.excluded_by)) == (
            alone.excluded,
            dict(alone.excluded_by),
        ), definition.kpi_id
    assert [r.excluded for r in shared] == [2, 2, 2, 0]


def test_volume_above_forecast_excludes_the_whole_interval(source: FolderSource) -> None:
    # 16:00Z interval: forecast 5, offered 6 (c5 is short) → above 5 × 1.15 = 5.75
    over = one(
        source,
        "service_level",
        {"threshold_s": 30},
        VOICE,
        exclusions=(Exclusion("volume_above_forecast", 0.15),),
    )
    assert over.excluded == 7  # c1…c7, the short abandon included
    assert (over.value, over.sample) == (1.0, 1)
    within = one(
        source,
        "service_level",
        {"threshold_s": 30},
        VOICE,
        exclusions=(Exclusion("volume_above_forecast", 0.25),),
    )
    assert within.excluded == 0


def test_status_and_min_sample(source: FolderSource) -> None:
    met = one(source, "service_level", {"threshold_s": 30}, VOICE, target=_d("0.4"), min_sample=7)
    assert met.status is KpiStatus.MET
    missed = one(source, "abandon_rate", {}, VOICE, target=_d("0.2"), direction="at_most")
    assert missed.status is KpiStatus.MISSED
    thin = one(source, "service_level", {"threshold_s": 30}, VOICE, target=_d("0.4"), min_sample=8)
    assert thin.status is KpiStatus.NOT_MEASURABLE
    assert thin.value == pytest.approx(3 / 7)


def test_by_day_and_interval(source: FolderSource) -> None:
    days = run(source, KpiDefinition("k", "service_level", {"threshold_s": 30}, VOICE), by="day")
    assert {(r.bucket, r.sample) for r in days} == {("2027-01-05", 6), ("2027-01-31", 1)}
    weeks = run(source, KpiDefinition("k", "aht", {}, VOICE), by="week")
    assert {r.bucket for r in weeks} == {"2027-W01", "2027-W04"}
    slots = run(source, KpiDefinition("k", "abandon_rate", {}, VOICE), by="interval")
    assert {r.bucket for r in slots} == {"2027-01-05T10:00", "2027-01-31T23:30"}


def _d(text: str) -> Any:
    from decimal import Decimal

    return Decimal(text)


def test_rollup_of_days_equals_the_month(source: FolderSource) -> None:
    definitions = [
        KpiDefinition(f"k{i}", metric, params, scope)
        for i, (metric, params, scope, _, _) in enumerate(HAND)
        if metric != "verbatim_fidelity"
    ]
    program = Program("America/Chicago")
    month = compute(program, definitions, source, "2027-01", backend=_backend())
    rolled = compute(
        program, definitions, source, "2027-01", by="day", rollup=True, backend=_backend()
    )
    whole = {r.kpi_id: r for r in rolled.results if r.bucket is None}
    for r in month.results:
        assert whole[r.kpi_id].sample == r.sample, r.kpi_id
        assert whole[r.kpi_id].value == pytest.approx(r.value, rel=1e-12), r.kpi_id
        if r.ci is not None:
            assert whole[r.kpi_id].ci == pytest.approx(r.ci, rel=1e-6), r.kpi_id
    by_queue = compute(
        program, definitions[:1], source, "2027-01", per_queue=True, backend=_backend()
    )
    assert {(r.queue, r.sample) for r in by_queue.results} == {("members", 7)}


def _backend() -> DuckDBBackend:
    if not _BACKEND:
        _BACKEND.append(DuckDBBackend())
    return _BACKEND[0]


def test_fcr_repeat_after_the_clocks_fall_back(tmp_path: Path) -> None:
    """a on 31 October 01:30 CDT: its window ends 7 November 01:30 local. The customer's next
    contact, 01:45 CDT, is past that; the one after it, 01:20 CST (an hour later as an instant,
    after the clocks fell back), is inside it: a repeat. c is the same with its second contact
    at 01:35 CST, outside: no repeat. So one of the two is resolved at first contact."""
    cdt, cst = timedelta(hours=5), timedelta(hours=6)
    a_at = datetime(2027, 10, 31, 1, 30, tzinfo=UTC) + cdt
    c_at = a_at + timedelta(minutes=1)  # 01:31 CDT, window until 7 November 01:31
    contacts = [
        _c("a", a_at, 10, True, customer="K1", talk=60),
        _c("a2", datetime(2027, 11, 7, 1, 45, tzinfo=UTC) + cdt, 10, True, customer="K1"),
        _c("a3", datetime(2027, 11, 7, 1, 20, tzinfo=UTC) + cst, 10, True, customer="K1"),
        _c("c", c_at, 10, True, customer="K2", talk=60),
        _c("c2", datetime(2027, 11, 7, 1, 45, tzinfo=UTC) + cdt, 10, True, customer="K2"),
        _c("c3", datetime(2027, 11, 7, 1, 35, tzinfo=UTC) + cst, 10, True, customer="K2"),
    ]
    source = write_tables({"contacts": contacts}, tmp_path)
    card = compute(
        Program("America/Chicago"),
        [KpiDefinition("fcr", "fcr", {"window_days": 7}, VOICE)],
        source,
        "2027-10",
    )
    (result,) = card.results
    assert (result.value, result.sample) == (1 / 2, 2)


# ---------------------------------------------------------------------------------------------
# Agent time with hours and buckets: March 2027 in Chicago (CST, UTC−6, until 14 March 02:00,
# when the clocks skip to 03:00 CDT, UTC−5). Agent A1, local times:
#
#   states   s1 available  Tue 2 Mar 07:30–08:30    s4 available  Sat 13 Mar 22:00 – Mon 15 Mar
#            s2 busy       Tue 2 Mar 08:30–09:30                  02:00 (27 h: 14 March has 23)
#            s6 break      Tue 2 Mar 09:30–10:00    s5 busy       Wed 17 Mar 10:00–12:00
#            s3 busy       Tue 2 Mar 23:00 – Wed 3 Mar 01:00
#   work     w1 2 Mar 07:00–10:00, w2 2 Mar 22:00 – 3 Mar 02:00, w3 14 Mar 01:00–04:00 (2 h),
#            w4 17 Mar 09:00–13:00
#
# Hours: mon-sat 08:00-18:00 and sun 01:30-03:30 (on 14 March: 01:30–02:00 and 03:00–03:30,
# one hour), 17 March a holiday.

CHICAGO = ZoneInfo("America/Chicago")
AGENT_HOURS = HoursCalendar.model_validate(
    {"calendar": ["mon-sat 08:00-18:00", "sun 01:30-03:30"], "holidays": ["2027-03-17"]}
)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=CHICAGO).astimezone(UTC)


def agent_tables() -> dict[str, list[dict[str, Any]]]:
    states = [
        ("available", _at(2, 7, 30), _at(2, 8, 30)),
        ("busy", _at(2, 8, 30), _at(2, 9, 30)),
        ("break", _at(2, 9, 30), _at(2, 10)),
        ("busy", _at(2, 23), _at(3, 1)),
        ("available", _at(13, 22), _at(15, 2)),
        ("busy", _at(17, 10), _at(17, 12)),
    ]
    work = [
        (_at(2, 7), _at(2, 10)),
        (_at(2, 22), _at(3, 2)),
        (_at(14, 1), _at(14, 4)),
        (_at(17, 9), _at(17, 13)),
    ]
    return {
        "agent_states": [
            {"agent_id": "A1", "state": s, "started_at": a, "ended_at": b} for s, a, b in states
        ],
        "schedules": [
            {"agent_id": "A1", "activity": "work", "starts_at": a, "ends_at": b} for a, b in work
        ],
    }


MINUTES = 60
AGENT_TIME_HAND: list[tuple[str, bool, ByOption, dict[str | None, tuple[float, int]]]] = [
    # metric, with hours, by, {bucket: (value, sample in seconds)}
    ("occupancy", False, "period", {None: (300 / 1980, 1980 * MINUTES)}),
    # s1 + s2 (07:30–09:30) count from 08:00: 90 min; s3 and s4 at night, s5 on the holiday:
    # only s4's hour inside 14 March's Sunday window
    ("occupancy", True, "period", {None: (60 / 150, 150 * MINUTES)}),
    (
        "occupancy",
        False,
        "day",
        {
            "2027-03-02": (120 / 180, 180 * MINUTES),  # s1, s2 and s3 until midnight
            "2027-03-03": (1.0, 60 * MINUTES),  # s3 after midnight
            "2027-03-13": (0.0, 120 * MINUTES),
            "2027-03-14": (0.0, 23 * 60 * MINUTES),  # the 23-hour day
            "2027-03-15": (0.0, 120 * MINUTES),
            "2027-03-17": (1.0, 120 * MINUTES),
        },
    ),
    (
        "occupancy",
        True,
        "day",
        {"2027-03-02": (60 / 90, 90 * MINUTES), "2027-03-14": (0.0, 60 * MINUTES)},
    ),
    (
        "occupancy",
        False,
        "week",
        {
            "2027-W09": (180 / 240, 240 * MINUTES),
            "2027-W10": (0.0, 1500 * MINUTES),  # s4 until Monday 00:00
            "2027-W11": (120 / 240, 240 * MINUTES),
        },
    ),
    (
        "occupancy",
        True,
        "interval",
        {
            "2027-03-02T08:00": (0.0, 30 * MINUTES),
            "2027-03-02T08:30": (1.0, 30 * MINUTES),
            "2027-03-02T09:00": (1.0, 30 * MINUTES),
            "2027-03-14T01:30": (0.0, 30 * MINUTES),
            "2027-03-14T03:00": (0.0, 30 * MINUTES),  # 02:00–03:00 never happened
        },
    ),
    ("schedule_adherence", False, "period", {None: (480 / 780, 780 * MINUTES)}),
    # w1 from 08:00 (s1 and s2 until 09:30), w3's open hour; w2 at night, w4 on the holiday
    ("schedule_adherence", True, "period", {None: (150 / 180, 180 * MINUTES)}),
    (
        "schedule_adherence",
        False,
        "day",
        {
            "2027-03-02": (180 / 300, 300 * MINUTES),  # w1 (s6 is a break) and w2 until midnight
            "2027-03-03": (60 / 120, 120 * MINUTES),  # w2 after midnight
            "2027-03-14": (1.0, 120 * MINUTES),
            "2027-03-17": (120 / 240, 240 * MINUTES),
        },
    ),
    (
        "schedule_adherence",
        True,
        "day",
        {"2027-03-02": (90 / 120, 120 * MINUTES), "2027-03-14": (1.0, 60 * MINUTES)},
    ),
]


@pytest.fixture(scope="module")
def march(tmp_path_factory: pytest.TempPathFactory) -> FolderSource:
    return write_tables(agent_tables(), Path(tmp_path_factory.mktemp("agent-time")))


@pytest.mark.parametrize(("metric", "with_hours", "by", "expected"), AGENT_TIME_HAND)
def test_agent_time_counts_inside_the_hours_and_splits_at_buckets(
    march: FolderSource,
    metric: str,
    with_hours: bool,
    by: ByOption,
    expected: dict[str | None, tuple[float, int]],
) -> None:
    hours = AGENT_HOURS if with_hours else None
    definition = KpiDefinition("k", metric, hours=hours)
    card = compute(
        Program("America/Chicago"),
        [definition],
        march,
        "2027-03",
        by=by,
        backend=DuckDBBackend(),  # its own: a backend keeps the tables of the first source
    )
    naive = naive_occupancy if metric == "occupancy" else naive_adherence
    engine = {r.bucket: (r.value, r.sample) for r in card.results}
    oracle = naive(agent_tables(), "2027-03", CHICAGO, hours, by)  # agrees with the hand too
    for got in (engine, oracle):
        assert got.keys() == expected.keys()
        for bucket, (value, sample) in expected.items():
            assert got[bucket][1] == sample, bucket
            assert got[bucket][0] == pytest.approx(value, rel=1e-12), bucket
