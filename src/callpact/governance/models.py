"""Every governance table, imported in one place so the metadata (and Alembic) sees them all."""

from __future__ import annotations

from callpact.governance.aht_plan.models import AhtMeasure
from callpact.governance.audit.models import AuditEntry
from callpact.governance.claim.models import TimeClaim
from callpact.governance.contract.models import GovernedContract, GovernedContractTerms
from callpact.governance.database import Base
from callpact.governance.dispute.models import Dispute
from callpact.governance.document.models import RequiredDocumentRecord
from callpact.governance.identity.models import ApiToken, LoginAttempt
from callpact.governance.incident.models import Incident
from callpact.governance.notice.models import BreachNotice, CureDecision, TerminationNotice
from callpact.governance.organization.models import Organization, User
from callpact.governance.outage.models import OutageDecision
from callpact.governance.removal.models import RemovalRequest
from callpact.governance.staff.models import AdmissionExam, StaffMember, StaffQualification
from callpact.governance.statement.models import StatementTransition, StoredStatement
from callpact.governance.training.models import (
    CurriculumVersion,
    TrainerApproval,
    TrainingObserver,
    TrainingSession,
    TrainingTrainee,
)

__all__ = [
    "AdmissionExam",
    "AhtMeasure",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BreachNotice",
    "CureDecision",
    "CurriculumVersion",
    "Dispute",
    "GovernedContract",
    "GovernedContractTerms",
    "Incident",
    "LoginAttempt",
    "Organization",
    "OutageDecision",
    "RemovalRequest",
    "RequiredDocumentRecord",
    "StaffMember",
    "StaffQualification",
    "StatementTransition",
    "StoredStatement",
    "TerminationNotice",
    "TimeClaim",
    "TrainerApproval",
    "TrainingObserver",
    "TrainingSession",
    "TrainingTrainee",
    "User",
]
