"""Pure governance rules: deadlines, removal clock, Wilson outcome, incident clock, AHT
trajectory, document status, cure clock. Hand-worked numbers; scipy as an independent oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest

from callpact.contracts.cure import CureDecisionFact, check_decision, cure_period
from callpact.governance.aht_plan.rules import (
    addition_date,
    measure_overdue,
    status_on,
    target_for_month,
    withdrawal_date,
)
from callpact.governance.deadlines import (
    Deadline,
    DeadlineUnit,
    add_business_days,
    deadline_after,
    month_bounds,
    parse_deadline,
)
from callpact.governance.document.rules import DocumentStatus, document_status
from callpact.governance.incident.rules import IncidentRecord, ReportingStatus, assess_reporting
from callpact.governance.notice.rules import CureState, cure_clock
from callpact.governance.removal.rules import ClockState, removal_clock
from callpact.governance.terms import TrainingOutcomeRule
from callpact.governance.training.outcome import Verdict, judge_group, wilson_interval

CHICAGO = ZoneInfo("America/Chicago")
TZ = "America/Chicago"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1h", Deadline(1, DeadlineUnit.HOURS)),
        ("4 hours", Deadline(4, DeadlineUnit.HOURS)),
        ("30m", Deadline(30, DeadlineUnit.MINUTES)),
        ("3 days", Deadline(3, DeadlineUnit.DAYS)),
        ("2 business_days", Deadline(2, DeadlineUnit.BUSINESS_DAYS)),
        ("2 business days", Deadline(2, DeadlineUnit.BUSINESS_DAYS)),
    ],
)
def test_deadlines_read_as_the_annex_writes_them(text: str, expected: Deadline) -> None:
    assert parse_deadline(text) == expected


@pytest.mark.parametrize("text", ["soon", "1 fortnight", "-1h", ""])
def test_unreadable_deadlines_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="deadline"):
        parse_deadline(text)


def test_two_business_days_from_friday_end_on_tuesday_night() -> None:
    detected = datetime(2027, 1, 8, 15, 0, tzinfo=CHICAGO)  # a Friday
    due = deadline_after(detected, "2 business_days", TZ)
    assert due == datetime(2027, 1, 13, 0, 0, tzinfo=CHICAGO)  # midnight after Tuesday
    assert due.tzinfo is UTC


def test_business_days_skip_holidays() -> None:
    detected = datetime(2027, 1, 8, 15, 0, tzinfo=CHICAGO)
    due = deadline_after(detected, "2 business_days", TZ, holidays={date(2027, 1, 11)})
    assert due == datetime(2027, 1, 14, 0, 0, tzinfo=CHICAGO)


def test_a_saturday_detection_counts_from_monday() -> None:
    assert add_business_days(date(2027, 1, 9), 1) == date(2027, 1, 11)


def test_hour_deadlines_are_elapsed_time_across_the_spring_dst_change() -> None:
    detected = datetime(2027, 3, 14, 1, 30, tzinfo=CHICAGO)  # CST, the night clocks jump
    due = deadline_after(detected, "1h", TZ)
    assert due - detected == timedelta(hours=1)
    assert due.astimezone(CHICAGO).hour == 3  # 01:30 CST + 1h = 03:30 CDT


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline_after(datetime(2027, 1, 1), "1h", TZ)  # noqa: DTZ001 - on purpose


def test_month_bounds_are_local_midnights() -> None:
    start, end = month_bounds("2027-12", TZ)
    assert start == datetime(2027, 12, 1, tzinfo=CHICAGO)
    assert end == datetime(2028, 1, 1, tzinfo=CHICAGO)


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)),
    st.integers(min_value=0, max_value=40),
)
def test_business_day_arithmetic_against_a_plain_count(day: date, count: int) -> None:
    result = add_business_days(day, count)
    weekdays_between = sum(
        1 for k in range(1, (result - day).days + 1) if (day + timedelta(days=k)).weekday() < 5
    )
    assert weekdays_between == count
    assert count == 0 or result.weekday() < 5


# -- removal requests ---------------------------------------------------------------------

REQUESTED = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)


def test_removal_clock_counts_calendar_days_from_the_request() -> None:
    clock = removal_clock(
        requested_at=REQUESTED,
        response_days=5,
        replacement_days=10,
        responded_at=None,
        response=None,
        replaced_at=None,
        now=REQUESTED + timedelta(days=5),
    )
    assert clock.response_due == datetime(2027, 1, 9, 15, 0, tzinfo=UTC)
    assert clock.replacement_due == datetime(2027, 1, 14, 15, 0, tzinfo=UTC)
    assert clock.response is ClockState.PENDING  # exactly at the deadline is still in time
    late = removal_clock(
        requested_at=REQUESTED,
        response_days=5,
        replacement_days=10,
        responded_at=None,
        response=None,
        replaced_at=None,
        now=REQUESTED + timedelta(days=5, seconds=1),
    )
    assert late.response is ClockState.OVERDUE
    assert late.overdue


def test_a_late_answer_and_a_contested_request() -> None:
    clock = removal_clock(
        requested_at=REQUESTED,
        response_days=5,
        replacement_days=10,
        responded_at=REQUESTED + timedelta(days=6),
        response="contested",
        replaced_at=None,
        now=REQUESTED + timedelta(days=30),
    )
    assert clock.response is ClockState.LATE
    assert clock.replacement is ClockState.NOT_REQUIRED
    assert not clock.overdue


# -- training outcome ---------------------------------------------------------------------

RULE = TrainingOutcomeRule(Decimal("0.75"), Decimal("0.90"), 5)


def test_wilson_two_of_three_by_hand() -> None:
    # z = Φ⁻¹(0.95) = 1.6448536, z² = 2.7055434, n = 3, p̂ = 2/3
    # denominator 1 + z²/n = 1.9018478; centre (p̂ + z²/2n)/den = 1.1175906/1.9018478 = 0.5876341
    # margin z·√(p̂q̂/n + z²/4n²)/den = 1.6448536·0.3863005/1.9018478 = 0.3341003
    low, high = wilson_interval(2, 3, 0.90)
    assert low == pytest.approx(0.2535338, abs=1e-6)
    assert high == pytest.approx(0.9217344, abs=1e-6)


def test_two_of_three_is_inconclusive_not_67_percent() -> None:
    outcome = judge_group(2, 3, RULE)
    assert outcome.verdict is Verdict.INCONCLUSIVE
    assert "under 5" in outcome.reason
    assert outcome.pass_rate == pytest.approx(2 / 3)


def test_nineteen_of_twenty_pass_nine_of_ten_is_inconclusive_one_of_ten_fails() -> None:
    # 19/20: den 1.1352772, centre 0.8963790, margin 0.0923863 → lower 0.8039927 ≥ 0.75
    passed = judge_group(19, 20, RULE)
    assert passed.lower_bound == pytest.approx(0.80399, abs=1e-4)
    assert passed.verdict is Verdict.PASSED
    # 9/10: lower 0.6523 < 0.75 ≤ upper 0.9774
    assert judge_group(9, 10, RULE).verdict is Verdict.INCONCLUSIVE
    # 1/10: den 1.2705543, centre 0.1851770, margin 0.1625410 → upper 0.3477180 < 0.75
    failed = judge_group(1, 10, RULE)
    assert failed.upper_bound == pytest.approx(0.347718, abs=1e-5)
    assert failed.verdict is Verdict.FAILED


@given(
    st.integers(min_value=1, max_value=400).flatmap(
        lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
    ),
    st.sampled_from([0.80, 0.90, 0.95, 0.99]),
)
def test_wilson_agrees_with_scipy_and_brackets_the_rate(kn: tuple[int, int], conf: float) -> None:
    k, n = kn
    low, high = wilson_interval(k, n, conf)
    oracle = binomtest(k, n).proportion_ci(conf, method="wilson")
    assert low == pytest.approx(float(oracle.low), abs=1e-9)
    assert high == pytest.approx(float(oracle.high), abs=1e-9)
    assert 0.0 <= low <= k / n <= high <= 1.0
    if k == 0:
        assert low == 0.0
    if k == n:
        assert high == 1.0


# -- incidents -----------------------------------------------------------------------------

DEADLINES = {"critical": "1h", "major": "4h", "minor": "2 business_days"}


def _assess(severity: str, detected: datetime, reported: datetime | None, now: datetime) -> tuple:
    record = IncidentRecord("I1", "legal_threat", severity, detected, detected, reported)
    result = assess_reporting(
        record,
        notification_deadlines=DEADLINES,
        time_zone=TZ,
        liability_per_late_report=Decimal(250),
        liability_per_unreported_case=Decimal(1000),
        now=now,
    )
    return result.status, result.liability


def test_incident_statuses_and_liabilities() -> None:
    detected = datetime(2027, 1, 8, 15, 0, tzinfo=CHICAGO)  # Friday
    tuesday_late = datetime(2027, 1, 12, 23, 59, tzinfo=CHICAGO)
    wednesday = datetime(2027, 1, 13, 0, 1, tzinfo=CHICAGO)
    assert _assess("minor", detected, tuesday_late, wednesday) == (ReportingStatus.ON_TIME, 0)
    assert _assess("minor", detected, wednesday, wednesday) == (ReportingStatus.LATE, 250)
    assert _assess("minor", detected, None, wednesday) == (ReportingStatus.UNREPORTED, 1000)
    assert _assess("minor", detected, None, tuesday_late) == (ReportingStatus.PENDING, 0)
    one_hour = detected + timedelta(hours=1)
    assert _assess("critical", detected, one_hour, wednesday) == (ReportingStatus.ON_TIME, 0)
    assert _assess("critical", detected, one_hour + timedelta(seconds=1), wednesday)[0] is (
        ReportingStatus.LATE
    )


def test_an_unknown_severity_is_an_error() -> None:
    with pytest.raises(ValueError, match="no notification deadline"):
        _assess("catastrophic", REQUESTED, None, REQUESTED)


# -- AHT plan ------------------------------------------------------------------------------

TRAJECTORY = {"2027-03": 460, "2027-06": 440, "2027-09": 420}


@pytest.mark.parametrize(
    ("month", "target"),
    [
        ("2026-12", Fraction(480)),
        ("2027-01", Fraction(480)),
        ("2027-02", Fraction(470)),  # halfway from 480 (Jan) to 460 (Mar)
        ("2027-03", Fraction(460)),
        ("2027-04", Fraction(1360, 3)),  # 460 − 20·1/3
        ("2027-09", Fraction(420)),
        ("2028-05", Fraction(420)),
    ],
)
def test_target_trajectory_by_hand(month: str, target: Fraction) -> None:
    assert (
        target_for_month(month, start_month="2027-01", baseline_s=480, trajectory=TRAJECTORY)
        == target
    )


def test_an_open_measure_is_overdue_the_day_after_its_due_date() -> None:
    due = date(2027, 2, 15)
    assert not measure_overdue(status="planned", due_on=due, today=due)
    assert measure_overdue(status="in_progress", due_on=due, today=date(2027, 2, 16))
    assert not measure_overdue(status="done", due_on=due, today=date(2027, 9, 1))


# Versions of 1 January, 1 July and 1 October, with the measures each lists.
LISTINGS = [
    (date(2027, 1, 1), {"kb-search", "acw-macros"}),
    (date(2027, 7, 1), {"kb-search", "callback-offer"}),
    (date(2027, 10, 1), {"callback-offer"}),
]


@pytest.mark.parametrize(
    ("measure_id", "withdrawn_on"),
    [
        ("acw-macros", date(2027, 7, 1)),  # the first version after the last one listing it
        ("kb-search", date(2027, 10, 1)),
        ("callback-offer", None),  # the newest version lists it
        ("coaching", None),  # no version lists it: added by hand, not the annex's to withdraw
    ],
)
def test_a_measure_is_withdrawn_by_the_first_version_no_longer_listing_it(
    measure_id: str, withdrawn_on: date | None
) -> None:
    assert withdrawal_date(LISTINGS, measure_id) == withdrawn_on


def test_a_measure_listed_again_later_is_not_withdrawn() -> None:
    relisted = [*LISTINGS, (date(2028, 1, 1), {"callback-offer", "acw-macros"})]
    assert withdrawal_date(relisted, "acw-macros") is None
    assert withdrawal_date(LISTINGS[:1], "acw-macros") is None


def test_a_withdrawal_closes_an_open_measure_from_its_day_and_keeps_a_finished_one() -> None:
    day = date(2027, 7, 1)
    assert status_on(status="in_progress", withdrawn_on=day, day=date(2027, 6, 30)) == (
        "in_progress"
    )
    assert status_on(status="in_progress", withdrawn_on=day, day=day) == "withdrawn"
    assert status_on(status="planned", withdrawn_on=day, day=date(2028, 1, 1)) == "withdrawn"
    assert status_on(status="done", withdrawn_on=day, day=day) == "done"
    assert status_on(status="dropped", withdrawn_on=day, day=day) == "dropped"
    assert status_on(status="planned", withdrawn_on=None, day=day) == "planned"
    # withdrawn, a measure is never overdue
    assert not measure_overdue(status="withdrawn", due_on=date(2027, 3, 31), today=day)


@pytest.mark.parametrize(
    ("measure_id", "effective_from"),
    [
        ("acw-macros", None),  # the first version lists it: in the plan from the start
        ("kb-search", None),
        ("callback-offer", date(2027, 7, 1)),  # the first version listing it
        ("coaching", None),  # no version lists it: added by hand, in the plan when added
    ],
)
def test_a_measure_takes_effect_with_the_first_version_listing_it(
    measure_id: str, effective_from: date | None
) -> None:
    assert addition_date(LISTINGS, measure_id) == effective_from


def test_a_measure_listed_first_later_takes_effect_with_that_later_version() -> None:
    # a corrected file that moves the addition to 1 October moves the date with it
    moved = [LISTINGS[0], (date(2027, 7, 1), {"kb-search"}), LISTINGS[2]]
    assert addition_date(moved, "callback-offer") == date(2027, 10, 1)
    # one that lists it from the start puts it in the plan from the start
    from_start = [(date(2027, 1, 1), {"callback-offer"}), *LISTINGS[1:]]
    assert addition_date(from_start, "callback-offer") is None


def test_a_measure_is_not_yet_in_force_before_the_amendment_adding_it() -> None:
    day = date(2027, 7, 1)
    for status in ("planned", "in_progress", "done"):
        assert (
            status_on(status=status, withdrawn_on=None, day=date(2027, 6, 30), effective_from=day)
            == "not_yet_in_force"
        )
    assert status_on(status="planned", withdrawn_on=None, day=day, effective_from=day) == (
        "planned"
    )
    # added by one amendment, withdrawn by a later one
    later = date(2027, 10, 1)
    assert [
        status_on(status="planned", withdrawn_on=later, day=d, effective_from=day)
        for d in (date(2027, 6, 30), day, later)
    ] == ["not_yet_in_force", "planned", "withdrawn"]
    # not in force, a measure is never overdue, however long past its due date
    assert not measure_overdue(status="not_yet_in_force", due_on=date(2027, 3, 31), today=day)


# -- documents -----------------------------------------------------------------------------


def test_document_status_uses_the_contract_local_date() -> None:
    due = date(2027, 1, 15)
    late_evening = datetime(2027, 1, 15, 23, 30, tzinfo=CHICAGO)  # already Jan 16 in UTC
    assert (
        document_status(due_on=due, submitted_at=late_evening, now=late_evening, time_zone=TZ)
        is DocumentStatus.SUBMITTED
    )
    next_day = datetime(2027, 1, 16, 0, 30, tzinfo=CHICAGO)
    assert (
        document_status(due_on=due, submitted_at=None, now=late_evening, time_zone=TZ)
        is DocumentStatus.PENDING
    )
    assert (
        document_status(due_on=due, submitted_at=None, now=next_day, time_zone=TZ)
        is DocumentStatus.OVERDUE
    )
    assert (
        document_status(due_on=due, submitted_at=next_day, now=next_day, time_zone=TZ)
        is DocumentStatus.SUBMITTED_LATE
    )


# -- cure decisions ------------------------------------------------------------------------


def _clock(decisions: list[CureDecisionFact], today: date, *, noticed: date | None = None):  # type: ignore[no-untyped-def]
    return cure_clock(
        "2027-01",
        decisions,
        default_days=30,
        notice_required=noticed is not None,
        noticed_on=noticed or date(2027, 2, 1),
        today=today,
    )


def test_cure_period_granted_then_extended() -> None:
    granted = CureDecisionFact("grant", 30, date(2027, 2, 3))
    clock = _clock([granted], date(2027, 3, 4))
    assert clock == type(clock)(CureState.IN_CURE, date(2027, 3, 4))  # Feb 3 + 29 days
    extended = _clock(
        [granted, CureDecisionFact("extend", 10, date(2027, 3, 1))], date(2027, 3, 15)
    )
    assert extended.cure_ends_on == date(2027, 3, 14)
    assert extended.state is CureState.CURE_PERIOD_OVER


def test_cure_period_opens_on_the_notice_or_by_itself() -> None:
    # notice_required: the notice's day opens 30 days (Feb 10 .. Mar 11)
    noticed = _clock([], date(2027, 3, 11), noticed=date(2027, 2, 10))
    assert noticed == type(noticed)(CureState.IN_CURE, date(2027, 3, 11))
    assert _clock([], date(2027, 3, 12), noticed=date(2027, 2, 10)).state is (
        CureState.CURE_PERIOD_OVER
    )
    # without it: the day after the breached month (Feb 1 .. Mar 2), whatever the notice's day
    automatic = _clock([], date(2027, 3, 2))
    assert automatic == type(automatic)(CureState.IN_CURE, date(2027, 3, 2))
    # the governance clock and settlement's cure period are one rule
    period = cure_period(
        "2027-01", period_days=30, notice_required=True, noticed_on=date(2027, 2, 10)
    )
    assert (period.starts_on, period.ends_on) == (date(2027, 2, 10), date(2027, 3, 11))
    assert cure_period(
        "2027-12", period_days=1, notice_required=False, noticed_on=None
    ).starts_on == date(2028, 1, 1)


def test_waiver_and_decision_order() -> None:
    waived = [CureDecisionFact("waive", None, date(2027, 2, 3))]
    assert _clock(waived, date(2027, 2, 3)).state is CureState.WAIVED
    assert check_decision([], "extend", 5, running=False) == (
        "grant a cure period before extending it"
    )
    assert check_decision([], "extend", 5, running=True) is None  # the notice opened it
    assert check_decision(waived, "grant", None, running=True) is not None
    assert check_decision([], "grant", None, running=False) is None
