"""A realistic governance history for a demo program, written through the services (so it is
permission-checked and fully audited like any real history).

Times are laid out from the contract's start, so the history reads the same whatever today is;
:data:`SEED_AS_OF` days after the start is the moment the demo reports "as of".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher
from sqlalchemy.orm import Session

from callpact.governance.aht_plan import service as aht
from callpact.governance.claim import service as claims
from callpact.governance.contract.service import register_contract
from callpact.governance.document import service as documents
from callpact.governance.incident import service as incidents
from callpact.governance.notice import service as notices
from callpact.governance.organization.permissions import Actor
from callpact.governance.organization.service import actor_for, add_organization, add_user
from callpact.governance.outage import service as outages
from callpact.governance.removal import service as removals
from callpact.governance.staff import service as staff
from callpact.governance.terms import GovernanceTerms, TermsSchedule, TermsVersion
from callpact.governance.training import service as training

SEED_AS_OF_DAYS = 104  # 2027-04-15 for a contract starting 2027-01-01


@dataclass(frozen=True, slots=True)
class SeedResult:
    contract_id: str
    users: dict[str, str]  # role → e-mail
    operators: int
    as_of: datetime


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower().split()[0] if ch.isalnum()) or "org"


def seed_demo_history(
    session: Session,
    versions: GovernanceTerms | Sequence[TermsVersion],
    *,
    client: str,
    vendor: str,
    agent_ids: Sequence[str],
    password: str,
    hasher: PasswordHasher | None = None,
    outage_ids: Sequence[str] = (),
) -> SeedResult:
    """Organizations, one user per role, the registered contract and a few months of history:
    a removal request answered late and one overdue, a 2-of-3 training group (inconclusive), an
    incident reported late and one never reported, an AHT measure past its due date, documents
    on time and late, a breach notice with a cure period (disputes come with the stored
    statements, since each names a statement's line).

    ``versions``: every version of the contract's terms (base annex and amendments), or the
    base terms alone; the history is laid out from the first version's start."""
    schedule = TermsSchedule.of(versions)
    terms = schedule.first
    zone = ZoneInfo(terms.time_zone)
    start = datetime.combine(terms.start, time(9), tzinfo=zone)

    def day(offset: float, hour: int = 9) -> datetime:
        moment = datetime.combine(
            terms.start + timedelta(days=int(offset)), time(hour), tzinfo=zone
        )
        return moment.astimezone(UTC)

    add_organization(session, client, "client", now=start)
    add_organization(session, vendor, "vendor", now=start)
    c, v = _slug(client), _slug(vendor)
    users = {
        "client_admin": (f"admin@{c}.example", client),
        "client_viewer": (f"viewer@{c}.example", client),
        "auditor": (f"auditor@{c}.example", client),
        "vendor_admin": (f"admin@{v}.example", vendor),
        "vendor_manager": (f"manager@{v}.example", vendor),
    }
    for role, (email, org) in users.items():
        add_user(
            session,
            email=email,
            name=role.replace("_", " ").title(),
            organization=org,
            role=role,
            password=password,
            now=start,
            hasher=hasher,
        )
    ca = actor_for(session, users["client_admin"][0])
    cv = actor_for(session, users["client_viewer"][0])
    va = actor_for(session, users["vendor_admin"][0])
    vm = actor_for(session, users["vendor_manager"][0])
    cid = terms.contract_id
    register_contract(session, ca, schedule.versions, client=client, vendor=vendor, now=start)
    documents.sync_required_documents(session, ca, cid, now=start)
    if terms.aht_measures:
        aht.sync_planned_measures(session, ca, cid, now=start)

    # Roster: every agent seen in the data; two of them fall short of the admission rule.
    operators = sorted(set(agent_ids)) or [f"A{n:03d}" for n in range(1, 13)]
    required = terms.roles.get("operator")
    for index, person in enumerate(operators):
        staff.add_staff_member(
            session,
            vm,
            cid,
            person_id=person,
            name=f"Operator {person}",
            role="operator",
            now=day(-10),
            joined_on=terms.start,
        )
        qualifications = required.qualifications if required else ()
        for qualification in qualifications:
            if index == 1 and qualification == qualifications[-1]:
                continue  # the second operator never got the last qualification
            staff.add_qualification(
                session,
                vm,
                cid,
                person,
                qualification=qualification,
                obtained_on=terms.start - timedelta(days=20),
                now=day(-10),
            )
        score = Decimal("0.72") if index == 2 else Decimal("0.86")
        staff.record_admission_exam(
            session, vm, cid, person, score=score, taken_at=day(-12), now=day(-10)
        )
    staff.add_staff_member(
        session, vm, cid, person_id="SUP-1", name="Sam Supervisor", role="supervisor", now=day(-10)
    )
    staff.add_staff_member(
        session, vm, cid, person_id="TR-1", name="Tess Trainer", role="trainer", now=day(-10)
    )
    staff.add_staff_member(
        session, va, cid, person_id="PM-1", name="Pat Manager", role="project_manager", now=day(-10)
    )
    staff.approve_staff_member(session, ca, cid, "PM-1", now=day(-9))
    spares = [f"NEW-{n}" for n in (1, 2)]
    for person in spares:
        staff.add_staff_member(
            session,
            vm,
            cid,
            person_id=person,
            name=f"New hire {person}",
            role="operator",
            now=day(20),
        )

    # Removal requests: one answered late and replaced, one still unanswered (overdue).
    first = removals.request_removal(
        session,
        ca,
        cid,
        operators[3 % len(operators)],
        reason="repeated rudeness on recorded calls",
        now=day(14),
    )
    removals.answer_removal(
        session,
        vm,
        cid,
        first.id,
        response="accepted",
        note="coaching failed; moving off the program",
        now=day(21),
    )
    removals.record_replacement(
        session, vm, cid, first.id, replacement_person_id=spares[0], now=day(23)
    )
    removals.request_removal(
        session,
        ca,
        cid,
        operators[4 % len(operators)],
        reason="disclosed member data to a caller",
        now=day(95),
    )

    # Training: the client's curriculum, a trainer it approved, a group of three (2 pass).
    training.publish_curriculum(
        session,
        ca,
        cid,
        curriculum_id="member-onboarding",
        title="Member line onboarding",
        effective_on=terms.start,
        now=day(-20),
    )
    training.approve_trainer(
        session, ca, cid, trainer_name="Tess Trainer", side="vendor", now=day(-15)
    )
    group = ["NEW-1", "NEW-2", operators[5 % len(operators)]]
    training.schedule_session(
        session,
        vm,
        cid,
        session_ref="ONB-2027-02",
        curriculum_id="member-onboarding",
        trainer_name="Tess Trainer",
        starts_at=day(32),
        trainees=group,
        now=day(25),
    )
    training.add_observer(
        session, ca, cid, "ONB-2027-02", user_email=cv.email, attends="exams", now=day(26)
    )
    for person, exam_text in zip(group, ("0.91", "0.84", "0.62"), strict=True):
        training.record_result(
            session,
            vm,
            cid,
            "ONB-2027-02",
            person,
            attended=True,
            exam_score=Decimal(exam_text),
            now=day(36),
        )

    # Incidents: on time, late, never reported (found by the client).
    severities = list(terms.notification_deadlines)
    categories = list(terms.incident_categories) or ["not_covered_by_script"]
    if severities:
        first_sev, last_sev = severities[0], severities[-1]
        detected = day(40, 10)
        incidents.record_incident(
            session,
            vm,
            cid,
            incident_id="INC-0001",
            category=categories[min(1, len(categories) - 1)],
            severity=first_sev,
            occurred_at=detected - timedelta(minutes=5),
            detected_at=detected,
            reported_at=detected + timedelta(minutes=40),
            description="caller threatened legal action",
            now=day(40, 11),
        )
        # reported by phone 40 minutes after detection, recorded an hour later: the client
        # confirms the call, so the report counts from the phone call
        _accept_claim(session, ca, cid, "report of incident INC-0001", now=day(41))
        detected = day(46, 15)
        incidents.record_incident(
            session,
            vm,
            cid,
            incident_id="INC-0002",
            category=categories[0],
            severity=last_sev,
            occurred_at=detected,
            detected_at=detected,
            reported_at=detected + timedelta(days=6),
            description="no script for a mail-order refill question",
            now=day(52, 16),
        )
        detected = day(60, 11)
        incidents.record_incident(
            session,
            ca,
            cid,
            incident_id="INC-0003",
            category=categories[min(3, len(categories) - 1)],
            severity=severities[min(1, len(severities) - 1)],
            occurred_at=detected - timedelta(hours=2),
            detected_at=detected,
            description="found in a social-media complaint, never reported",
            now=day(75),
        )

    # AHT plan: the client's measure done on time; the vendor's one still open past its date.
    measures = [m.measure_id for m in terms.aht_measures]
    if measures:
        done_on = terms.aht_measures[0].due - timedelta(days=3)
        aht.update_status(
            session,
            ca,
            cid,
            measures[0],
            status="done",
            now=day((done_on - terms.start).days, 12),  # recorded the day it was done
        )
    if len(measures) > 1:
        aht.update_status(session, vm, cid, measures[1], status="in_progress", now=day(50))

    # Documents: one on time, one late, the rest still owed.
    for record in documents.list_documents(session, ca, cid, now=day(0)):
        doc = record.document
        if doc.owner in ("both", "vendor") and doc.document_ref.startswith("incident"):
            documents.submit_document(
                session,
                vm,
                cid,
                doc.document_ref,
                location=f"docs/{doc.document_ref}.pdf",
                now=day(10),
            )
            documents.accept_document(session, ca, cid, doc.document_ref, now=day(12))
        elif doc.owner == "vendor":
            documents.submit_document(
                session,
                vm,
                cid,
                doc.document_ref,
                location=f"docs/{doc.document_ref}.pdf",
                now=day(41),
            )

    # January's missed service level, noticed early February: January's credit is owed in
    # full (it fell due before the notice); the cure period runs from the notice, then is
    # extended.
    notice = notices.issue_notice(
        session,
        ca,
        cid,
        kpi_id="sl-voice",
        month="2027-01",
        note="service level below target",
        now=day(33),
    )
    notices.decide_cure(session, ca, cid, notice.id, decision="grant", now=day(34))
    notices.decide_cure(
        session,
        ca,
        cid,
        notice.id,
        decision="extend",
        days=15,
        note="staffing plan accepted",
        now=day(55),
    )
    # The outages the vendor declared in its delivery, accepted by the client once it checked
    # them against its own monitoring.
    for outage_id in outage_ids:
        outages.decide_outage(
            session, ca, cid, outage_id, accept=True, note="matches our monitoring", now=day(62)
        )
    return SeedResult(
        contract_id=cid,
        users={role: email for role, (email, _) in users.items()},
        operators=len(operators),
        as_of=day(SEED_AS_OF_DAYS, 12),
    )


def _accept_claim(
    session: Session, actor: Actor, contract_id: str, ref: str, *, now: datetime
) -> None:
    [claim] = [
        c
        for c in claims.list_claims(session, actor, contract_id, status="pending")
        if c.record_ref == ref
    ]
    claims.decide_claim(session, actor, contract_id, claim.id, accept=True, now=now)
