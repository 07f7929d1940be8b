"""Each workflow end to end through the services, on SQLite and PostgreSQL: who may do it,
what the contract's deadlines make of it, and that the audit trail still verifies afterwards."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from governance_world import T0, World, add_operator, prepare_training, schedule_three

from callpact.governance.aht_plan import service as aht
from callpact.governance.audit import service as audit
from callpact.governance.document import service as documents
from callpact.governance.errors import GovernanceError, PermissionDenied
from callpact.governance.incident import service as incidents
from callpact.governance.incident.rules import ReportingStatus
from callpact.governance.notice import service as notices
from callpact.governance.removal import service as removals
from callpact.governance.removal.rules import ClockState
from callpact.governance.staff import service as staff
from callpact.governance.training import service as training
from callpact.governance.training.outcome import Verdict

CID = "northwind-harbor-2027"
CHICAGO = ZoneInfo("America/Chicago")


def _verified(world: World) -> None:
    world.session.flush()
    report = audit.verify(world.session)
    assert report.ok, report.problems


# -- permissions -----------------------------------------------------------------------------


def test_a_stranger_organization_is_refused_by_name(world: World) -> None:
    with pytest.raises(PermissionDenied) as caught:
        staff.roster(world.session, world.stranger, CID)
    message = str(caught.value)
    assert "eve@other.example" in message
    assert "Other BPO is not a party" in message
    assert CID in message


@pytest.mark.parametrize(
    ("who", "call"),
    [
        ("client_admin", lambda w: add_operator(w, "X1")),  # the vendor staffs the program
        (
            "vendor_admin",
            lambda w: removals.request_removal(
                w.session, w.vendor_admin, CID, "A1", reason="x", now=T0
            ),
        ),
        (
            "client_viewer",
            lambda w: removals.request_removal(
                w.session, w.client_viewer, CID, "A1", reason="x", now=T0
            ),
        ),
        (
            "vendor_manager",
            lambda w: training.publish_curriculum(
                w.session,
                w.vendor_manager,
                CID,
                curriculum_id="c",
                title="t",
                effective_on=date(2027, 1, 1),
                now=T0,
            ),
        ),
        (
            "vendor_admin",
            lambda w: training.approve_trainer(
                w.session, w.vendor_admin, CID, trainer_name="T", side="vendor", now=T0
            ),
        ),
        (
            "client_viewer",
            lambda w: incidents.record_incident(
                w.session,
                w.client_viewer,
                CID,
                incident_id="I",
                category="safety",
                severity="major",
                occurred_at=T0,
                detected_at=T0,
                now=T0,
            ),
        ),
        (
            "vendor_admin",
            lambda w: notices.issue_notice(
                w.session, w.vendor_admin, CID, kpi_id="sl-voice", month="2027-01", now=T0
            ),
        ),
        ("auditor", lambda w: documents.sync_required_documents(w.session, w.auditor, CID, now=T0)),
    ],
)
def test_roles_are_refused_what_the_contract_gives_the_other_side(
    world: World, who: str, call: object
) -> None:
    add_operator(world, "A1")
    if who == "client_admin":
        world = World(**{**world.__dict__, "vendor_manager": world.client_admin})
    with pytest.raises(PermissionDenied, match=f"the role {who} may not"):
        call(world)  # type: ignore[operator]


# -- staff -----------------------------------------------------------------------------------


def test_admission_check_joins_the_roster_with_who_handled_contacts(world: World) -> None:
    add_operator(world, "A1")
    add_operator(world, "A2", qualified=False)
    staff.add_qualification(
        world.session,
        world.vendor_admin,
        CID,
        "A2",
        qualification="product_training",
        obtained_on=date(2026, 12, 1),
        now=T0,
    )
    staff.record_admission_exam(
        world.session, world.vendor_admin, CID, "A2", score=Decimal("0.79"), taken_at=T0, now=T0
    )
    add_operator(world, "A3")
    staff.set_active(world.session, world.vendor_admin, CID, "A3", active=False, now=T0)
    staff.add_staff_member(
        world.session,
        world.vendor_admin,
        CID,
        person_id="PM1",
        name="Pat",
        role="project_manager",
        now=T0,
    )
    findings = staff.admission_check(
        world.session, world.client_viewer, CID, agent_ids={"A1", "A2", "A3", "Z9"}
    )
    by_id = {f.person_id: f for f in findings}
    assert set(by_id) == {"A2", "A3", "PM1", "Z9"}
    assert by_id["A2"].reasons == (
        "lacks qualification hipaa_certificate",
        "admission exam 0.79 below the pass score 0.80",
    )
    assert by_id["A3"].reasons == ("handled contacts while not active on the roster",)
    assert by_id["PM1"].reasons == ("not approved by the client",)
    assert not by_id["PM1"].handled_contacts
    assert by_id["Z9"].reasons == ("handled contacts but is not on the roster",)
    staff.approve_staff_member(world.session, world.client_admin, CID, "PM1", now=T0)
    after = staff.admission_check(world.session, world.client_viewer, CID, agent_ids={"A1"})
    assert {f.person_id for f in after} == {"A2"}
    _verified(world)


# -- removal requests ------------------------------------------------------------------------


def test_removal_request_deadlines_and_replacement(world: World) -> None:
    add_operator(world, "A1")
    add_operator(world, "A2")
    request = removals.request_removal(
        world.session, world.client_admin, CID, "A1", reason="rude to members", now=T0
    )
    six_days = T0 + timedelta(days=6)
    [view] = removals.list_removals(world.session, world.vendor_admin, CID, now=six_days)
    assert view.clock.response_due == T0 + timedelta(days=5)
    assert view.clock.response is ClockState.OVERDUE
    removals.answer_removal(
        world.session, world.vendor_manager, CID, request.id, response="accepted", now=six_days
    )
    removals.record_replacement(
        world.session,
        world.vendor_manager,
        CID,
        request.id,
        replacement_person_id="A2",
        now=T0 + timedelta(days=9),
    )
    [view] = removals.list_removals(
        world.session, world.client_admin, CID, now=T0 + timedelta(days=40)
    )
    assert (view.clock.response, view.clock.replacement) == (ClockState.LATE, ClockState.DONE)
    assert not [
        m
        for m in staff.roster(world.session, world.client_admin, CID)
        if m.person_id == "A1" and m.active
    ]
    with pytest.raises(GovernanceError, match="contesting a removal request needs a note"):
        removals.answer_removal(
            world.session, world.vendor_admin, CID, request.id, response="contested", now=six_days
        )
    _verified(world)


# -- training --------------------------------------------------------------------------------


def _session_of_three(world: World) -> None:
    prepare_training(world)
    schedule_three(world, "W1", T0 + timedelta(days=1))


def test_two_of_three_passing_is_inconclusive(world: World) -> None:
    _session_of_three(world)
    training.add_observer(
        world.session,
        world.client_admin,
        CID,
        "W1",
        user_email="vic@northwind.example",
        attends="exams",
        now=T0,
    )
    for person, score in (("T1", "0.92"), ("T2", "0.80"), ("T3", "0.55")):
        training.record_result(
            world.session,
            world.vendor_manager,
            CID,
            "W1",
            person,
            attended=True,
            exam_score=Decimal(score),
            now=T0,
        )
    session_row, outcome = training.session_outcome(world.session, world.client_viewer, CID, "W1")
    assert (outcome.passed, outcome.examined) == (2, 3)  # 0.80 is the pass score: a pass
    assert outcome.verdict is Verdict.INCONCLUSIVE
    assert outcome.lower_bound == pytest.approx(0.2535338, abs=1e-6)
    assert [o.user_email for o in session_row.observers] == ["vic@northwind.example"]
    _verified(world)


def test_training_needs_an_approved_trainer_and_client_observers(world: World) -> None:
    _session_of_three(world)
    with pytest.raises(GovernanceError, match="not a trainer the client approved"):
        training.schedule_session(
            world.session,
            world.vendor_manager,
            CID,
            session_ref="W2",
            curriculum_id="onboard",
            trainer_name="Nobody",
            starts_at=T0,
            trainees=["T1"],
            now=T0,
        )
    with pytest.raises(GovernanceError, match="not a user of the client"):
        training.add_observer(
            world.session, world.client_admin, CID, "W1", user_email="val@harbor.example", now=T0
        )
    training.revoke_trainer(world.session, world.client_admin, CID, trainer_name="Tess", now=T0)
    with pytest.raises(GovernanceError, match="revoked"):
        training.schedule_session(
            world.session,
            world.vendor_manager,
            CID,
            session_ref="W3",
            curriculum_id="onboard",
            trainer_name="Tess",
            starts_at=T0 + timedelta(days=2),
            trainees=["T1"],
            now=T0,
        )


def test_curriculum_versions_number_up_and_the_one_in_force_is_used(world: World) -> None:
    _session_of_three(world)
    v2 = training.publish_curriculum(
        world.session,
        world.client_admin,
        CID,
        curriculum_id="onboard",
        title="Onboarding v2",
        effective_on=date(2027, 2, 1),
        now=T0,
    )
    assert v2.version == 2
    february = datetime(2027, 2, 2, 15, tzinfo=UTC)
    w2 = training.schedule_session(
        world.session,
        world.vendor_admin,
        CID,
        session_ref="W2",
        curriculum_id="onboard",
        trainer_name="Tess",
        starts_at=february,
        trainees=["T1"],
        now=T0,
    )
    assert w2.curriculum.version == 2
    [w1] = [
        s
        for s in training.list_sessions(world.session, world.client_admin, CID)
        if s.session_ref == "W1"
    ]
    assert w1.curriculum.version == 1


# -- incidents -------------------------------------------------------------------------------


def test_incident_statuses_records_and_month(world: World) -> None:
    friday = datetime(2027, 1, 8, 15, 0, tzinfo=CHICAGO)
    incidents.record_incident(
        world.session,
        world.vendor_manager,
        CID,
        incident_id="INC-1",
        category="legal_threat",
        severity="critical",
        occurred_at=friday,
        detected_at=friday,
        reported_at=friday + timedelta(minutes=50),
        now=friday + timedelta(minutes=50),
    )
    incidents.record_incident(
        world.session,
        world.vendor_manager,
        CID,
        incident_id="INC-2",
        category="not_covered_by_script",
        severity="minor",
        occurred_at=friday,
        detected_at=friday,
        reported_at=datetime(2027, 1, 13, 9, 0, tzinfo=CHICAGO),
        now=datetime(2027, 1, 13, 9, 0, tzinfo=CHICAGO),
    )
    incidents.record_incident(
        world.session,
        world.client_admin,
        CID,
        incident_id="INC-3",
        category="reputational",
        severity="major",
        occurred_at=friday,
        detected_at=friday,
        now=T0,
    )
    # detected 23:30 local on Jan 31 = Feb 1 in UTC: belongs to January
    late_jan = datetime(2027, 1, 31, 23, 30, tzinfo=CHICAGO)
    incidents.record_incident(
        world.session,
        world.vendor_admin,
        CID,
        incident_id="INC-4",
        category="safety",
        severity="major",
        occurred_at=late_jan,
        detected_at=late_jan,
        reported_at=late_jan,
        now=late_jan,
    )
    views = incidents.list_incidents(
        world.session,
        world.client_viewer,
        CID,
        now=datetime(2027, 2, 15, tzinfo=UTC),
        month="2027-01",
    )
    status = {v.incident.incident_ref: (v.assessment.status, v.assessment.liability) for v in views}
    assert status == {
        "INC-1": (ReportingStatus.ON_TIME, 0),
        "INC-2": (ReportingStatus.LATE, 250),
        "INC-3": (ReportingStatus.UNREPORTED, 1000),
        "INC-4": (ReportingStatus.ON_TIME, 0),
    }
    records = incidents.incident_records(world.session, world.vendor_admin, CID, "2027-01")
    assert [r.incident_id for r in records] == ["INC-1", "INC-2", "INC-3", "INC-4"]
    assert records[2].reported_at is None
    assert records[0].detected_at == friday
    assert incidents.incident_records(world.session, world.vendor_admin, CID, "2027-02") == []
    with pytest.raises(GovernanceError, match="not in the contract's incident protocol"):
        incidents.record_incident(
            world.session,
            world.vendor_admin,
            CID,
            incident_id="INC-5",
            category="weather",
            severity="major",
            occurred_at=friday,
            detected_at=friday,
            now=T0,
        )
    _verified(world)


# -- AHT plan ---------------------------------------------------------------------------------


def test_aht_plan_measures_owners_and_trajectory(world: World) -> None:
    synced = aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0)
    assert [m.measure_ref for m in synced.added] == ["kb-search", "acw-macros"]
    assert aht.sync_planned_measures(world.session, world.client_admin, CID, now=T0) == (
        aht.PlanSync(added=[], withdrawn=[], reinstated=[])
    )
    with pytest.raises(PermissionDenied, match="owned by the client"):
        aht.update_status(
            world.session, world.vendor_admin, CID, "kb-search", status="done", now=T0
        )
    aht.update_status(
        world.session, world.vendor_manager, CID, "acw-macros", status="in_progress", now=T0
    )
    views = aht.list_measures(
        world.session, world.client_viewer, CID, now=datetime(2027, 4, 1, 12, tzinfo=UTC)
    )
    assert {v.measure.measure_ref: v.overdue for v in views} == {
        "kb-search": True,
        "acw-macros": True,
    }
    aht.update_status(
        world.session,
        world.client_admin,
        CID,
        "kb-search",
        status="done",
        now=datetime(2027, 2, 10, 18, tzinfo=UTC),
    )
    [kb] = [
        v
        for v in aht.list_measures(
            world.session, world.client_viewer, CID, now=datetime(2027, 4, 1, 12, tzinfo=UTC)
        )
        if v.measure.measure_ref == "kb-search"
    ]
    assert (kb.overdue, kb.measure.completed_on) == (False, date(2027, 2, 10))
    points = aht.trajectory(
        world.session, world.vendor_admin, CID, {"2027-01": 478.0, "2027-02": 472.5}
    )
    assert [(p.month, p.target_s, p.gap_s, p.on_track) for p in points] == [
        ("2027-01", 480, -2.0, True),
        ("2027-02", 470, 2.5, False),
    ]
    _verified(world)


# -- documents, notices, disputes -------------------------------------------------------------


def test_required_documents_due_from_the_start(world: World) -> None:
    created = documents.sync_required_documents(world.session, world.client_admin, CID, now=T0)
    assert {d.document_ref: d.due_on for d in created} == {
        "staff-requirements": date(2027, 1, 31),
        "training-evaluation-rules": date(2027, 1, 31),
        "incident-procedure": date(2027, 1, 15),
    }
    with pytest.raises(PermissionDenied, match="owed by the vendor"):
        documents.submit_document(
            world.session, world.client_admin, CID, "staff-requirements", location="x", now=T0
        )
    documents.submit_document(
        world.session,
        world.vendor_manager,
        CID,
        "incident-procedure",
        location="sharepoint://ip.pdf",
        now=T0,
    )
    feb = datetime(2027, 2, 1, 12, tzinfo=UTC)
    status = {
        v.document.document_ref: v.status.value
        for v in documents.list_documents(world.session, world.auditor, CID, now=feb)
    }
    assert status == {
        "incident-procedure": "submitted",
        "staff-requirements": "overdue",
        "training-evaluation-rules": "overdue",
    }
    documents.accept_document(world.session, world.client_admin, CID, "incident-procedure", now=feb)
    _verified(world)


def test_a_notice_for_a_kpi_the_annex_lacks_is_refused(world: World) -> None:
    with pytest.raises(GovernanceError, match=r"no KPI 'sl-chat' in the annex.*sl-voice"):
        notices.issue_notice(
            world.session, world.client_admin, CID, kpi_id="sl-chat", month="2027-01", now=T0
        )
    notice = notices.issue_notice(
        world.session, world.client_admin, CID, kpi_id="fcr", month="2027-01", now=T0
    )
    assert notice.kpi_id == "fcr"


def test_notice_cure_decisions_and_export(world: World) -> None:
    notice = notices.issue_notice(
        world.session,
        world.client_admin,
        CID,
        kpi_id="sl-voice",
        month="2027-01",
        note="SL 0.74",
        now=T0,
    )
    decided = datetime(2027, 2, 3, 16, tzinfo=UTC)
    notices.decide_cure(
        world.session, world.client_admin, CID, notice.id, decision="grant", now=decided
    )
    notices.decide_cure(
        world.session,
        world.client_admin,
        CID,
        notice.id,
        decision="extend",
        days=10,
        now=decided + timedelta(days=20),
    )
    with pytest.raises(PermissionDenied, match="vendor_admin may not"):
        notices.decide_cure(
            world.session, world.vendor_admin, CID, notice.id, decision="waive", now=decided
        )
    exported = notices.export_decisions(
        world.session, world.vendor_admin, CID, now=datetime(2027, 3, 1, tzinfo=UTC)
    )
    [entry] = exported["notices"]
    assert exported["format"] == "callpact.cure-decisions/1"
    assert (entry["kpi_id"], entry["month"], entry["state"]) == ("sl-voice", "2027-01", "in_cure")
    assert entry["cure_ends_on"] == "2027-03-14"  # Feb 3 + 30 days − 1, + 10
    assert [(d["decision"], d["days"]) for d in entry["decisions"]] == [
        ("grant", 30),
        ("extend", 10),
    ]
    _verified(world)
