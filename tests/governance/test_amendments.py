"""An amendment that changes governance terms mid-term, on SQLite and PostgreSQL: every version is
stored and audited, and each rule reads the version in force on the day it is about (an incident
by its detection, a removal request by its request, a breach notice by its issue, a training
group by its session's day, role rules by the check, an AHT target by its month)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from governance_world import (
    T0,
    World,
    add_operator,
    annex_terms,
    prepare_training,
    schedule_three,
)
from sqlalchemy import select

from callpact.governance.aht_plan import service as aht
from callpact.governance.audit import service as audit
from callpact.governance.audit.models import AuditEntry
from callpact.governance.contract.service import get_contract, register_contract
from callpact.governance.document import service as documents
from callpact.governance.errors import GovernanceError
from callpact.governance.incident import service as incidents
from callpact.governance.incident.rules import ReportingStatus
from callpact.governance.notice import service as notices
from callpact.governance.removal import service as removals
from callpact.governance.staff import service as staff
from callpact.governance.terms import (
    GovernanceTerms,
    PlannedMeasure,
    RequiredDocument,
    RoleRule,
    TermsSchedule,
    TermsVersion,
    TrainingOutcomeRule,
)
from callpact.governance.training import service as training
from callpact.governance.training.outcome import Verdict

CID = "northwind-harbor-2027"
CHICAGO = ZoneInfo("America/Chicago")
AMENDED_ON = date(2027, 7, 1)
CLIENT, VENDOR = "Northwind Health Plan", "Harbor Contact Solutions"


def _amended() -> GovernanceTerms:
    """From 2027-07-01: major incidents within 2h (was 4h) at 500 per late report (was 250),
    removal answers within 3 days (was 5), a 15-day cure (was 30)."""
    base = annex_terms()
    return dataclasses.replace(
        base,
        notification_deadlines={**base.notification_deadlines, "major": "2h"},
        liability_per_late_report=Decimal(500),
        removal_response_days=3,
        cure_period_days=15,
    )


def _versions(amended: GovernanceTerms | None = None, on: date = AMENDED_ON) -> list[TermsVersion]:
    """The base terms from 1 January and ``amended`` (default: :func:`_amended`) from ``on``."""
    return [
        TermsVersion(date(2027, 1, 1), annex_terms()),
        TermsVersion(on, amended or _amended()),
    ]


def _amend(world: World, amended: GovernanceTerms | None = None, *, on: date = AMENDED_ON) -> None:
    register_contract(
        world.session,
        world.client_admin,
        _versions(amended, on),
        client=CLIENT,
        vendor=VENDOR,
        now=T0,
    )


def _actions(world: World, entity_type: str) -> list[str]:
    return list(
        world.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == entity_type)
            .order_by(AuditEntry.seq)
        )
    )


def test_terms_on_picks_the_version_in_force(world: World) -> None:
    _amend(world)
    contract = world.contract
    assert [row.effective_from for row in contract.terms_versions] == [date(2027, 1, 1), AMENDED_ON]
    assert contract.terms_on(date(2026, 12, 1)).removal_response_days == 5  # before: the first
    assert contract.terms_on(date(2027, 6, 30)).removal_response_days == 5
    assert contract.terms_on(AMENDED_ON).removal_response_days == 3
    assert contract.terms_on(date(2028, 12, 31)).removal_response_days == 3
    assert contract.terms.removal_response_days == 5  # the terms as first signed
    # an instant reads its local date: 23:30 in Chicago on June 30 is July 1 in UTC
    late_june = datetime(2027, 6, 30, 23, 30, tzinfo=CHICAGO)
    assert contract.terms_at(late_june).removal_response_days == 5
    assert contract.terms_at(late_june + timedelta(hours=1)).removal_response_days == 3
    assert contract.schedule.for_month("2027-07").cure_period_days == 15
    with pytest.raises(TypeError, match="local date"):
        contract.terms_on(late_june)


def test_registering_an_amendment_adds_its_version_and_logs_it(world: World) -> None:
    assert _actions(world, "governed_contract_terms") == ["add_terms"]
    _amend(world)
    assert _actions(world, "governed_contract_terms") == ["add_terms", "add_terms"]
    # the contract row holds the first version's terms, which an amendment leaves as they were
    assert _actions(world, "governed_contracts") == ["register"]
    # the same annex again changes no version: nothing more is logged for them
    _amend(world)
    assert _actions(world, "governed_contract_terms") == ["add_terms", "add_terms"]
    # a corrected amendment updates its version, logged with the terms before
    corrected = dataclasses.replace(_amended(), removal_response_days=4)
    _amend(world, corrected)
    assert _actions(world, "governed_contract_terms")[-1] == "amend_terms"
    assert world.contract.terms_on(AMENDED_ON).removal_response_days == 4
    world.session.commit()
    report = audit.verify(world.session)
    assert report.ok, report.problems


def test_the_schedule_is_parsed_once_until_a_version_is_registered(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    from_json = GovernanceTerms.from_json

    def counted(data: dict[str, Any]) -> GovernanceTerms:
        parsed.append(data["contract_id"])
        return from_json(data)

    monkeypatch.setattr(GovernanceTerms, "from_json", counted)
    contract = world.contract
    august, june = datetime(2027, 8, 2, 9, tzinfo=CHICAGO), datetime(2027, 6, 30, 9, tzinfo=CHICAGO)
    assert contract.terms_at(august).cure_period_days == 30  # the base terms alone
    _amend(world)  # a new version registered on this very object: the next read sees it
    assert contract.terms_at(august).cure_period_days == 15
    parsed.clear()
    for _ in range(3):  # as a list asks once per item
        assert contract.terms_at(june).cure_period_days == 30
        assert contract.terms_on(AMENDED_ON).cure_period_days == 15
    # a service looking the contract up again (its permission check) gets the same parsed one
    assert get_contract(world.session, world.client_viewer, CID) is contract
    assert contract.terms_at(august).cure_period_days == 15
    assert parsed == []  # parsed once for the object, not per call
    # and so does a corrected version
    _amend(world, dataclasses.replace(_amended(), cure_period_days=20))
    assert contract.terms_at(august).cure_period_days == 20
    assert contract.terms_at(june).cure_period_days == 30
    assert len(parsed) == 2  # both versions, parsed once more
    # the row read again from the database (a commit, another session): parsed again
    world.session.expire(contract)
    assert contract.terms_at(august).cure_period_days == 20
    world.session.refresh(contract)
    assert contract.terms_at(june).cure_period_days == 30
    assert len(parsed) == 6


def test_versions_must_be_of_one_contract_in_date_order() -> None:
    with pytest.raises(ValueError, match="different contracts"):
        TermsSchedule.of(
            [
                TermsVersion(date(2027, 1, 1), annex_terms()),
                TermsVersion(AMENDED_ON, annex_terms("another-contract")),
            ]
        )
    with pytest.raises(ValueError, match="increasing"):
        TermsSchedule.of([TermsVersion(AMENDED_ON, annex_terms())] * 2)


def test_an_amendment_cannot_be_registered_by_the_vendor(world: World) -> None:
    with pytest.raises(GovernanceError, match="only a client_admin"):
        register_contract(
            world.session, world.vendor_admin, _versions(), client=CLIENT, vendor=VENDOR, now=T0
        )


def _major(world: World, incident_id: str, detected: datetime, reported_after: timedelta) -> None:
    incidents.record_incident(
        world.session,
        world.vendor_manager,
        CID,
        incident_id=incident_id,
        category="legal_threat",
        severity="major",
        occurred_at=detected - timedelta(minutes=10),
        detected_at=detected,
        reported_at=detected + reported_after,
        now=detected + reported_after,
    )


def test_an_incident_is_judged_on_the_terms_in_force_when_it_was_detected(world: World) -> None:
    _amend(world)
    before = datetime(2027, 6, 29, 10, 0, tzinfo=CHICAGO)
    after = datetime(2027, 7, 6, 10, 0, tzinfo=CHICAGO)
    _major(world, "OLD-3H", before, timedelta(hours=3))  # within the old 4h
    _major(world, "OLD-5H", before + timedelta(hours=1), timedelta(hours=5))  # late at 250
    _major(world, "NEW-3H", after, timedelta(hours=3))  # late under the new 2h, at 500
    _major(world, "NEW-1H", after + timedelta(hours=1), timedelta(hours=1))  # within 2h
    views = incidents.list_incidents(
        world.session, world.client_viewer, CID, now=datetime(2027, 8, 1, tzinfo=CHICAGO)
    )
    assert [
        (v.incident.incident_ref, v.assessment.status, v.assessment.liability, v.assessment.due_at)
        for v in views
    ] == [
        ("OLD-3H", ReportingStatus.ON_TIME, Decimal(0), before + timedelta(hours=4)),
        ("OLD-5H", ReportingStatus.LATE, Decimal(250), before + timedelta(hours=5)),
        ("NEW-3H", ReportingStatus.LATE, Decimal(500), after + timedelta(hours=2)),
        ("NEW-1H", ReportingStatus.ON_TIME, Decimal(0), after + timedelta(hours=3)),
    ]
    # the July list holds July's incidents only, still each on its own version
    july = incidents.list_incidents(
        world.session,
        world.client_viewer,
        CID,
        now=datetime(2027, 8, 1, tzinfo=CHICAGO),
        month="2027-07",
    )
    assert [v.assessment.liability for v in july] == [Decimal(500), Decimal(0)]


def test_an_amendment_adding_a_severity_accepts_it_from_its_effective_date(world: World) -> None:
    base = annex_terms()
    amended = dataclasses.replace(
        base, notification_deadlines={**base.notification_deadlines, "trivial": "5 days"}
    )
    _amend(world, amended)

    def trivial(incident_id: str, detected: datetime) -> None:
        incidents.record_incident(
            world.session,
            world.vendor_manager,
            CID,
            incident_id=incident_id,
            category="safety",
            severity="trivial",
            occurred_at=detected,
            detected_at=detected,
            now=T0,
        )

    with pytest.raises(GovernanceError, match="severity 'trivial'"):
        trivial("T-JUNE", datetime(2027, 6, 15, 10, tzinfo=CHICAGO))
    trivial("T-JULY", datetime(2027, 7, 15, 10, tzinfo=CHICAGO))


def test_a_removal_request_runs_on_the_response_days_in_force_when_made(world: World) -> None:
    _amend(world)
    for person in ("A1", "A2"):
        add_operator(world, person, qualified=False)
    june = datetime(2027, 6, 28, 9, 0, tzinfo=CHICAGO)
    july = datetime(2027, 7, 2, 9, 0, tzinfo=CHICAGO)
    for person, at in (("A1", june), ("A2", july)):
        removals.request_removal(
            world.session, world.client_admin, CID, person, reason="rude to members", now=at
        )
    views = removals.list_removals(
        world.session, world.vendor_admin, CID, now=july + timedelta(days=4)
    )
    assert [v.clock.response_due for v in views] == [
        june + timedelta(days=5),  # asked before the amendment: 5 days, even if due after it
        july + timedelta(days=3),
    ]
    assert [v.clock.overdue for v in views] == [True, True]


def test_a_breach_notice_gets_the_cure_period_in_force_when_issued(world: World) -> None:
    _amend(world)
    june = datetime(2027, 6, 30, 9, 0, tzinfo=CHICAGO)
    july = datetime(2027, 7, 5, 9, 0, tzinfo=CHICAGO)
    made = [
        notices.issue_notice(
            world.session, world.client_admin, CID, kpi_id="sl-voice", month=month, now=at
        )
        for month, at in (("2027-05", june), ("2027-06", july))
    ]
    # both granted after the amendment: the notice's own date decides the default period
    decided = datetime(2027, 7, 8, 9, 0, tzinfo=CHICAGO)
    granted = [
        notices.decide_cure(
            world.session, world.client_admin, CID, notice.id, decision="grant", now=decided
        )
        for notice in made
    ]
    assert [g.days for g in granted] == [30, 15]
    views = notices.list_notices(world.session, world.client_viewer, CID, now=decided)
    # the day of the grant is the period's first day
    assert [v.clock.cure_ends_on for v in views] == [date(2027, 8, 6), date(2027, 7, 22)]


def test_role_rules_and_aht_targets_follow_the_amendment(world: World) -> None:
    """From 2027-07-01 an operator needs 0.90 at the admission exam (was 0.80) and the AHT
    plan aims at 400 s in September (was 420 s)."""
    base = annex_terms()
    stricter = dataclasses.replace(
        base,
        roles={**base.roles, "operator": RoleRule(("product_training",), Decimal("0.90"))},
        aht_trajectory={**base.aht_trajectory, "2027-09": 400},
    )
    _amend(world, stricter)
    add_operator(world, "A1")

    def findings(at: datetime) -> list[str]:
        checked = staff.admission_check(world.session, world.client_viewer, CID, as_of=at)
        return [f.person_id for f in checked]

    assert findings(datetime(2027, 6, 30, 12, tzinfo=CHICAGO)) == []
    assert findings(datetime(2027, 7, 1, 12, tzinfo=CHICAGO)) == ["A1"]
    points = aht.trajectory(world.session, world.client_viewer, CID, {}, ["2027-06", "2027-09"])
    assert [(p.month, p.target_s) for p in points] == [("2027-06", 440), ("2027-09", 400)]


def test_a_training_group_is_judged_on_the_outcome_rule_of_its_day(world: World) -> None:
    """From 2027-01-05 a group of 3 is judged and passes with a lower bound of 0.20: 2 of 3
    (lower bound 0.254) passes on that day, and stays inconclusive the day before."""
    base = annex_terms()
    lenient = dataclasses.replace(
        base, training_outcome=TrainingOutcomeRule(Decimal("0.20"), Decimal("0.90"), 3)
    )
    _amend(world, lenient, on=date(2027, 1, 5))
    prepare_training(world, qualified=False)
    verdicts = []
    for ref, starts_at in (("W-JAN4", T0), ("W-JAN5", T0 + timedelta(days=1))):
        schedule_three(world, ref, starts_at)
        for person, score in (("T1", "0.92"), ("T2", "0.80"), ("T3", "0.55")):
            training.record_result(
                world.session,
                world.vendor_manager,
                CID,
                ref,
                person,
                attended=True,
                exam_score=Decimal(score),
                now=T0,
            )
        _, outcome = training.session_outcome(world.session, world.client_viewer, CID, ref)
        verdicts.append(outcome.verdict)
    assert verdicts == [Verdict.INCONCLUSIVE, Verdict.PASSED]


def test_a_document_an_amendment_adds_is_due_its_days_after_the_amendment(world: World) -> None:
    """The base terms' documents are due their days after the start (1 January); one the
    amendment adds is required from 2027-07-01 and due 10 days later, not overdue at once."""
    sync = documents.sync_required_documents
    first = sync(world.session, world.client_admin, CID, now=T0)
    base_due = {d.document_ref: d.due_on for d in first}
    assert base_due == {
        "staff-requirements": date(2027, 1, 31),
        "training-evaluation-rules": date(2027, 1, 31),
        "incident-procedure": date(2027, 1, 15),
    }
    base = annex_terms()
    amended = dataclasses.replace(
        _amended(), documents=(*base.documents, RequiredDocument("escalation-matrix", "vendor", 10))
    )
    _amend(world, amended)
    created = sync(world.session, world.client_admin, CID, now=T0)
    assert [(d.document_ref, d.due_on) for d in created] == [
        ("escalation-matrix", date(2027, 7, 11))
    ]
    listed = documents.list_documents(world.session, world.client_viewer, CID, now=T0)
    assert {v.document.document_ref: v.document.due_on for v in listed} == {
        **base_due,
        "escalation-matrix": date(2027, 7, 11),
    }
    assert sync(world.session, world.client_admin, CID, now=T0) == []


def _entries(world: World) -> list[tuple[int, str, str, str]]:
    return [
        (e.seq, e.action, e.entity_type, e.entity_id)
        for e in world.session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    ]


@pytest.mark.parametrize("annex", ["base", "amended"])
def test_registering_the_same_terms_again_changes_and_logs_nothing(
    world: World, annex: str
) -> None:
    """Re-running `register` on an unchanged file is idempotent, also once the stored terms
    have been written and read back from the database."""
    if annex == "amended":
        _amend(world)
    world.session.commit()
    world.session.expire_all()  # compare with the terms as stored, not the objects just written
    logged = _entries(world)
    contract = get_contract(world.session, world.client_admin, CID)
    stored = (
        contract.terms_json,
        [(v.effective_from, v.terms_json) for v in contract.terms_versions],
    )
    if annex == "amended":
        _amend(world)
    else:
        register_contract(
            world.session, world.client_admin, annex_terms(), client=CLIENT, vendor=VENDOR, now=T0
        )
    world.session.flush()
    assert _entries(world) == logged
    assert (
        contract.terms_json,
        [(v.effective_from, v.terms_json) for v in contract.terms_versions],
    ) == stored
    assert audit.verify(world.session).ok


def test_a_corrected_base_annex_is_logged_with_its_terms_before_and_after(world: World) -> None:
    """A real change to the first version's terms (a corrected file) still writes entries: the
    contract row and its first version, each with the terms before and after."""
    corrected = dataclasses.replace(annex_terms(), replacement_days=12)
    register_contract(
        world.session, world.client_admin, corrected, client=CLIENT, vendor=VENDOR, now=T0
    )
    contract = world.contract
    for entity_type, entity_id in (
        ("governed_contracts", contract.id),
        ("governed_contract_terms", contract.terms_versions[0].id),
    ):
        entry = audit.history(world.session, entity_type, str(entity_id))[-1]
        assert (entry.action, entry.actor) == ("amend_terms", world.client_admin.email)
        assert entry.before is not None
        assert entry.after is not None
        assert entry.before["terms_json"]["replacement_days"] == 10
        assert entry.after["terms_json"]["replacement_days"] == 12
    assert contract.terms_on(date(2027, 3, 1)).replacement_days == 12
    assert audit.verify(world.session).ok


# -- an amendment that removes an AHT measure ---------------------------------------------------

JUNE_30_NOON = datetime(2027, 6, 30, 12, tzinfo=CHICAGO)
# 23:30 in Chicago on 30 June: already 1 July in UTC, still June on the contract's calendar
JUNE_30_LATE = datetime(2027, 6, 30, 23, 30, tzinfo=CHICAGO)
JULY_1_NOON = datetime(2027, 7, 1, 12, tzinfo=CHICAGO)


def _without_acw_macros() -> GovernanceTerms:
    """From 2027-07-01 the plan no longer lists acw-macros (the vendor's wrap-up macros); it
    keeps kb-search and the trajectory."""
    base = annex_terms()
    return dataclasses.replace(
        base,
        aht_measures=tuple(m for m in base.aht_measures if m.measure_id != "acw-macros"),
    )


def _plan_with_a_hand_added_measure(world: World) -> None:
    """The annex's two measures in the plan, acw-macros under way, and a measure the vendor
    added by hand that no version of the annex lists."""
    synced = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert [m.measure_ref for m in synced.added] == ["kb-search", "acw-macros"]
    aht.update_status(
        world.session, world.vendor_manager, CID, "acw-macros", status="in_progress", now=T0
    )
    aht.add_measure(
        world.session,
        world.vendor_admin,
        CID,
        measure_id="coaching",
        what="side-by-side coaching of the slowest decile",
        owner="vendor",
        due_on=date(2027, 6, 15),
        expected_s=-8,
        now=T0,
    )


def _plan(world: World, at: datetime) -> dict[str, tuple[str, bool, date | None]]:
    """Each measure's status, overdue flag and withdrawal date, as the plan read at ``at``."""
    return {
        v.measure.measure_ref: (v.status, v.overdue, v.measure.withdrawn_on)
        for v in aht.list_measures(world.session, world.client_viewer, CID, now=at)
    }


def _measure_history(world: World, measure_ref: str) -> list[AuditEntry]:
    [measure] = [
        v.measure
        for v in aht.list_measures(world.session, world.client_viewer, CID, now=T0)
        if v.measure.measure_ref == measure_ref
    ]
    return audit.history(world.session, "aht_measures", str(measure.id))


def test_a_measure_an_amendment_removes_is_withdrawn_from_its_effective_date(
    world: World,
) -> None:
    _plan_with_a_hand_added_measure(world)
    months = ["2027-05", "2027-06", "2027-07", "2027-08"]
    actuals = {"2027-05": 451.0, "2027-06": 447.5, "2027-07": 444.0, "2027-08": 439.0}
    trajectory_before = aht.trajectory(world.session, world.client_viewer, CID, actuals, months)
    plan_in_june_before = _plan(world, JUNE_30_LATE)

    _amend(world, _without_acw_macros())
    synced = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)

    assert ([m.measure_ref for m in synced.withdrawn], synced.added, synced.reinstated) == (
        ["acw-macros"],
        [],
        [],
    )
    # the plan as it stood in June is not rewritten: acw-macros was under way, and overdue
    in_june = {ref: (status, overdue) for ref, (status, overdue, _) in plan_in_june_before.items()}
    for at in (JUNE_30_NOON, JUNE_30_LATE):
        assert {
            ref: (status, overdue) for ref, (status, overdue, _) in _plan(world, at).items()
        } == (in_june)
    assert _plan(world, JUNE_30_LATE) == {
        "kb-search": ("planned", True, None),
        "acw-macros": ("in_progress", True, AMENDED_ON),
        "coaching": ("planned", True, None),
    }
    # from the amendment's effective date it is out of the plan, no longer overdue; the
    # measure added by hand, which no version lists, is the parties' own and untouched
    assert _plan(world, JULY_1_NOON) == {
        "kb-search": ("planned", True, None),
        "acw-macros": ("withdrawn", False, AMENDED_ON),
        "coaching": ("planned", True, None),
    }
    # the targets of every month, before the amendment and after it, are as they were: the
    # trajectory is the annex's own, and this amendment leaves it as it was
    after = aht.trajectory(world.session, world.client_viewer, CID, actuals, months)
    assert [(p.month, p.target_s, p.on_track) for p in after] == [
        (p.month, p.target_s, p.on_track) for p in trajectory_before
    ]
    # nobody moves a withdrawn measure along any more
    with pytest.raises(GovernanceError, match=r"withdrawn .* amendment effective 2027-07-01"):
        aht.update_status(
            world.session, world.vendor_manager, CID, "acw-macros", status="done", now=JULY_1_NOON
        )
    with pytest.raises(GovernanceError, match=r"withdrawn .* amendment effective 2027-07-01"):
        aht.add_measure(
            world.session,
            world.vendor_admin,
            CID,
            measure_id="acw-macros",
            what="wrap-up macros, again",
            owner="vendor",
            due_on=date(2027, 9, 30),
            expected_s=-20,
            now=JULY_1_NOON,
        )
    # the withdrawal is in the audit trail, by whoever registered the amendment
    entries = _measure_history(world, "acw-macros")
    assert [(e.action, e.actor) for e in entries] == [
        ("plan", world.client_admin.email),
        ("status", world.vendor_manager.email),
        ("withdraw", world.client_admin.email),
    ]
    withdrawal = entries[-1]
    assert withdrawal.before is not None
    assert withdrawal.after is not None
    assert (withdrawal.before["withdrawn_on"], withdrawal.after["withdrawn_on"]) == (
        None,
        "2027-07-01",
    )
    assert withdrawal.after["status"] == "in_progress"  # the status it had when withdrawn
    assert [e.action for e in _measure_history(world, "coaching")] == ["plan"]
    report = audit.verify(world.session)
    assert report.ok, report.problems


def test_registering_the_amended_annex_again_changes_nothing_in_the_plan(world: World) -> None:
    _plan_with_a_hand_added_measure(world)
    _amend(world, _without_acw_macros())
    aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    logged = _actions(world, "aht_measures")
    plan = _plan(world, JULY_1_NOON)

    _amend(world, _without_acw_macros())
    again = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)

    assert again == aht.PlanSync(added=[], withdrawn=[], reinstated=[])
    assert _actions(world, "aht_measures") == logged
    assert _plan(world, JULY_1_NOON) == plan


def test_an_annex_that_lists_a_withdrawn_measure_again_puts_it_back(world: World) -> None:
    """A corrected file whose amendment keeps acw-macros after all: back in the plan, logged."""
    _plan_with_a_hand_added_measure(world)
    _amend(world, _without_acw_macros())
    aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    _amend(world, annex_terms())
    synced = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert [m.measure_ref for m in synced.reinstated] == ["acw-macros"]
    assert _plan(world, JULY_1_NOON)["acw-macros"] == ("in_progress", True, None)
    assert _actions(world, "aht_measures")[-2:] == ["withdraw", "reinstate"]


# -- an amendment that adds an AHT measure ------------------------------------------------------

JULY_1_EARLY = datetime(2027, 7, 1, 0, 30, tzinfo=CHICAGO)  # the amendment's first local day
CALLBACK = PlannedMeasure(
    measure_id="callback-offer",
    what="offer a callback when the wait passes 3 minutes",
    owner="vendor",
    due=date(2027, 6, 15),  # already past when the amendment takes effect: overdue at once
    expected_s=-5,
)


def _with_callback_offer() -> GovernanceTerms:
    """The base terms plus callback-offer, a vendor measure the amendment adds."""
    base = annex_terms()
    return dataclasses.replace(base, aht_measures=(*base.aht_measures, CALLBACK))


def _register(world: World, *versions: TermsVersion) -> None:
    register_contract(
        world.session, world.client_admin, list(versions), client=CLIENT, vendor=VENDOR, now=T0
    )


def _in_force(world: World, at: datetime) -> dict[str, tuple[str, bool, date | None]]:
    """Each measure's status, overdue flag and effective date, as the plan read at ``at``."""
    return {
        v.measure.measure_ref: (v.status, v.overdue, v.measure.effective_from)
        for v in aht.list_measures(world.session, world.client_viewer, CID, now=at)
    }


def test_a_measure_an_amendment_adds_is_in_the_plan_only_from_its_effective_date(
    world: World,
) -> None:
    _plan_with_a_hand_added_measure(world)
    _amend(world, _with_callback_offer())
    synced = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)

    assert [(m.measure_ref, m.effective_from) for m in synced.added] == [
        ("callback-offer", AMENDED_ON)
    ]
    assert (synced.withdrawn, synced.reinstated, synced.rescheduled) == ([], [], [])
    # before the amendment takes effect it is not in force, so not overdue though its due
    # date has passed; 23:30 in Chicago on 30 June is already July in UTC, not on the contract
    for at in (datetime(2027, 6, 20, 12, tzinfo=CHICAGO), JUNE_30_NOON, JUNE_30_LATE):
        assert _in_force(world, at)["callback-offer"] == ("not_yet_in_force", False, AMENDED_ON)
    # from the first local minutes of 1 July it is planned, and overdue (due 15 June)
    for at in (JULY_1_EARLY, JULY_1_NOON):
        assert _in_force(world, at) == {
            "kb-search": ("planned", True, None),
            "acw-macros": ("in_progress", True, None),
            "coaching": ("planned", True, None),
            "callback-offer": ("planned", True, AMENDED_ON),
        }
    # nobody moves it along before the contract requires it
    with pytest.raises(
        GovernanceError, match=r"takes effect on 2027-07-01, with the amendment effective"
    ):
        aht.update_status(
            world.session,
            world.vendor_manager,
            CID,
            "callback-offer",
            status="in_progress",
            now=JUNE_30_LATE,
        )
    aht.update_status(
        world.session,
        world.vendor_manager,
        CID,
        "callback-offer",
        status="in_progress",
        now=JULY_1_EARLY,
    )
    assert _in_force(world, JUNE_30_LATE)["callback-offer"][0] == "not_yet_in_force"
    assert _in_force(world, JULY_1_NOON)["callback-offer"] == ("in_progress", True, AMENDED_ON)
    # the addition is logged with its date in the entry that planned it; the hand-added
    # measure and the first version's measures are untouched
    entries = _measure_history(world, "callback-offer")
    assert [(e.action, e.actor) for e in entries] == [
        ("plan", world.client_admin.email),
        ("status", world.vendor_manager.email),
    ]
    assert entries[0].after is not None
    assert entries[0].after["effective_from"] == "2027-07-01"
    assert [e.action for e in _measure_history(world, "coaching")] == ["plan"]
    assert [e.action for e in _measure_history(world, "kb-search")] == ["plan"]
    report = audit.verify(world.session)
    assert report.ok, report.problems


def test_registering_an_annex_that_adds_a_measure_again_changes_nothing(world: World) -> None:
    _plan_with_a_hand_added_measure(world)
    _amend(world, _with_callback_offer())
    aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    logged = _actions(world, "aht_measures")
    plans = [_in_force(world, at) for at in (JUNE_30_LATE, JULY_1_EARLY)]

    _amend(world, _with_callback_offer())
    again = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)

    assert again == aht.PlanSync(added=[], withdrawn=[], reinstated=[], rescheduled=[])
    assert _actions(world, "aht_measures") == logged
    assert [_in_force(world, at) for at in (JUNE_30_LATE, JULY_1_EARLY)] == plans


def test_a_corrected_file_that_moves_or_drops_the_addition_updates_the_plan(
    world: World,
) -> None:
    _plan_with_a_hand_added_measure(world)
    base, added = annex_terms(), _with_callback_offer()
    _amend(world, added)
    aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)

    # corrected: the July amendment does not add it, a new October one does
    october = date(2027, 10, 1)
    _register(
        world,
        TermsVersion(date(2027, 1, 1), base),
        TermsVersion(AMENDED_ON, base),
        TermsVersion(october, added),
    )
    moved = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert [(m.measure_ref, m.effective_from) for m in moved.rescheduled] == [
        ("callback-offer", october)
    ]
    assert (moved.added, moved.withdrawn, moved.reinstated) == ([], [], [])
    assert _in_force(world, JULY_1_NOON)["callback-offer"] == ("not_yet_in_force", False, october)
    [move] = _measure_history(world, "callback-offer")[-1:]
    assert (move.action, move.actor) == ("reschedule", world.client_admin.email)
    assert move.before is not None
    assert move.after is not None
    assert (move.before["effective_from"], move.after["effective_from"]) == (
        "2027-07-01",
        "2027-10-01",
    )

    # corrected again: no amendment adds it after all, so it never takes effect
    _register(world, TermsVersion(date(2027, 1, 1), base), TermsVersion(october, base))
    dropped = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert [(m.measure_ref, m.withdrawn_on) for m in dropped.withdrawn] == [
        ("callback-offer", october)
    ]
    assert dropped.rescheduled == []
    assert _in_force(world, datetime(2027, 9, 30, 12, tzinfo=CHICAGO))["callback-offer"] == (
        "not_yet_in_force",
        False,
        october,
    )
    assert _plan(world, datetime(2027, 10, 1, 0, 30, tzinfo=CHICAGO))["callback-offer"] == (
        "withdrawn",
        False,
        october,
    )
    # and idempotent: the same corrected file again logs nothing more
    logged = _actions(world, "aht_measures")
    again = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert again == aht.PlanSync(added=[], withdrawn=[], reinstated=[], rescheduled=[])
    assert _actions(world, "aht_measures") == logged

    # a file that lists it from the first version on: in the plan from the start
    _register(world, TermsVersion(date(2027, 1, 1), added), TermsVersion(october, added))
    from_start = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert [m.measure_ref for m in from_start.rescheduled] == ["callback-offer"]
    assert [m.measure_ref for m in from_start.reinstated] == ["callback-offer"]
    assert _in_force(world, JUNE_30_NOON)["callback-offer"] == ("planned", True, None)
    assert _actions(world, "aht_measures")[-2:] == ["reschedule", "reinstate"]
    assert [e.action for e in _measure_history(world, "coaching")] == ["plan"]
    report = audit.verify(world.session)
    assert report.ok, report.problems
