"""Shared values for the governance tests: the example annex's terms and a populated world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from callpact.governance.contract.models import GovernedContract
from callpact.governance.contract.service import register_contract
from callpact.governance.organization.permissions import Actor
from callpact.governance.organization.service import (
    actor_for,
    add_organization,
    add_user,
    cheap_password_hasher,
)
from callpact.governance.staff import service as staff
from callpact.governance.terms import (
    GovernanceTerms,
    PlannedMeasure,
    RequiredDocument,
    RoleRule,
    TrainingOutcomeRule,
)
from callpact.governance.training import service as training

CONTRACT_ID = "northwind-harbor-2027"
T0 = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)  # a Monday, 09:00 in Chicago


def annex_terms(contract_id: str = CONTRACT_ID) -> GovernanceTerms:
    """The governance terms of examples/annex.yaml, written out by hand."""
    return GovernanceTerms(
        contract_id=contract_id,
        time_zone="America/Chicago",
        start=date(2027, 1, 1),
        end=date(2028, 12, 31),
        removal_response_days=5,
        replacement_days=10,
        roles={
            "operator": RoleRule(("product_training", "hipaa_certificate"), Decimal("0.80")),
            "supervisor": RoleRule(("operator_experience_12m",), Decimal("0.85")),
            "project_manager": RoleRule((), None, approved_by_client=True),
        },
        training_outcome=TrainingOutcomeRule(Decimal("0.75"), Decimal("0.90"), 5),
        incident_categories=(
            "not_covered_by_script",
            "legal_threat",
            "regulator_complaint",
            "reputational",
            "safety",
            "data_protection",
        ),
        notification_deadlines={"critical": "1h", "major": "4h", "minor": "2 business_days"},
        liability_per_late_report=Decimal(250),
        liability_per_unreported_case=Decimal(1000),
        aht_baseline_s=480,
        aht_trajectory={"2027-03": 460, "2027-06": 440, "2027-09": 420},
        aht_measures=(
            PlannedMeasure("kb-search", "knowledge-base search", "client", date(2027, 2, 15), -15),
            PlannedMeasure("acw-macros", "wrap-up macros", "vendor", date(2027, 3, 31), -20),
        ),
        documents=(
            RequiredDocument("staff-requirements", "vendor", 30),
            RequiredDocument("training-evaluation-rules", "client", 30),
            RequiredDocument("incident-procedure", "both", 14),
        ),
        cure_period_days=30,
        # for convenience on 30 days; chronic breach names no notice_days: the same 30
        termination_notice_days={"convenience": 30, "chronic_breach": 30},
        kpi_ids=("sl-voice", "abandon-voice", "aht-voice", "fcr", "csat", "qa", "verbatim"),
    )


@dataclass
class World:
    """Two parties, a stranger vendor, a user per role, and the example contract registered."""

    session: Session
    contract: GovernedContract
    client_admin: Actor
    client_viewer: Actor
    vendor_admin: Actor
    vendor_manager: Actor
    auditor: Actor
    stranger: Actor


def build_world(session: Session) -> World:
    hasher = cheap_password_hasher()
    add_organization(session, "Northwind Health Plan", "client", now=T0)
    add_organization(session, "Harbor Contact Solutions", "vendor", now=T0)
    add_organization(session, "Other BPO", "vendor", now=T0)
    people = [
        ("ada@northwind.example", "Northwind Health Plan", "client_admin"),
        ("vic@northwind.example", "Northwind Health Plan", "client_viewer"),
        ("val@harbor.example", "Harbor Contact Solutions", "vendor_admin"),
        ("max@harbor.example", "Harbor Contact Solutions", "vendor_manager"),
        ("aud@northwind.example", "Northwind Health Plan", "auditor"),
        ("eve@other.example", "Other BPO", "vendor_admin"),
    ]
    for email, org, role in people:
        add_user(
            session,
            email=email,
            name=email.split("@")[0].title(),
            organization=org,
            role=role,
            password="correct horse",
            now=T0,
            hasher=hasher,
        )
    actors = [actor_for(session, email) for email, _, _ in people]
    contract = register_contract(
        session,
        actors[0],
        annex_terms(),
        client="Northwind Health Plan",
        vendor="Harbor Contact Solutions",
        now=T0,
    )
    return World(session, contract, *actors)


def add_operator(
    world: World, person_id: str, *, qualified: bool = True, contract_id: str = CONTRACT_ID
) -> None:
    """An operator on the vendor's staff; ``qualified``: with the qualifications and the
    admission exam the annex's operator role asks for."""
    staff.add_staff_member(
        world.session,
        world.vendor_manager,
        contract_id,
        person_id=person_id,
        name=f"Op {person_id}",
        role="operator",
        now=T0,
    )
    if qualified:
        for q in ("product_training", "hipaa_certificate"):
            staff.add_qualification(
                world.session,
                world.vendor_manager,
                contract_id,
                person_id,
                qualification=q,
                obtained_on=date(2026, 12, 1),
                now=T0,
            )
        staff.record_admission_exam(
            world.session,
            world.vendor_manager,
            contract_id,
            person_id,
            score=Decimal("0.85"),
            taken_at=T0,
            now=T0,
        )


TRAINEES = ("T1", "T2", "T3")


def prepare_training(world: World, *, qualified: bool = True) -> None:
    """Three operators to train, the "onboard" curriculum from 1 January and the vendor's
    trainer Tess approved by the client."""
    for person in TRAINEES:
        add_operator(world, person, qualified=qualified)
    training.publish_curriculum(
        world.session,
        world.client_admin,
        CONTRACT_ID,
        curriculum_id="onboard",
        title="Onboarding v1",
        effective_on=date(2027, 1, 1),
        now=T0,
    )
    training.approve_trainer(
        world.session, world.client_admin, CONTRACT_ID, trainer_name="Tess", side="vendor", now=T0
    )


def schedule_three(world: World, session_ref: str, starts_at: datetime) -> None:
    """A session of the "onboard" curriculum with Tess for the three trainees."""
    training.schedule_session(
        world.session,
        world.vendor_manager,
        CONTRACT_ID,
        session_ref=session_ref,
        curriculum_id="onboard",
        trainer_name="Tess",
        starts_at=starts_at,
        trainees=list(TRAINEES),
        now=T0,
    )


def signed_in_token(email: str, password: str = "demo-password") -> str:
    """Sign in through `callpact login --password-stdin` (on the database and config folder the
    environment names) and return the token it stored."""
    import json

    from typer.testing import CliRunner

    from callpact.cli.identity import credentials_path
    from callpact.cli.main import _register, app
    from callpact.governance.database import database_url

    _register()
    result = CliRunner().invoke(
        app,
        ["login", "--email", email, "--password-stdin"],
        input=f"{password}\n",
        env={"CALLPACT_TOKEN": None},
    )
    assert result.exit_code == 0, result.output
    assert credentials_path().stat().st_mode & 0o777 == 0o600
    stored = json.loads(credentials_path().read_text(encoding="utf-8"))
    token: str = stored[database_url()]["token"]
    return token
