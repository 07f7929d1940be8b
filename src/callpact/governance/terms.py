"""The governance terms of a contract, as plain values the services and deadline rules need.

These are copied from the contract annex when a contract is registered for governance (see
:func:`callpact.governance.annex.terms_from_annex`) and stored with it, one set per version of the
annex (the base terms and each amendment, :class:`TermsVersion`), so every deadline is computed
from the terms the parties signed and in force on the day the rule is about, even before or
without the annex file at hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from callpact.governance.deadlines import local_date, parse_deadline


@dataclass(frozen=True, slots=True)
class RoleRule:
    """Who may work on the program in a role: qualifications held and admission exam passed."""

    qualifications: tuple[str, ...] = ()
    admission_pass_score: Decimal | None = None
    approved_by_client: bool = False


@dataclass(frozen=True, slots=True)
class TrainingOutcomeRule:
    """How a training group's outcome is judged: the Wilson lower bound of its pass rate at
    ``confidence`` must reach ``min_pass_rate``; groups below ``min_group`` are not judged."""

    min_pass_rate: Decimal = Decimal("0.75")
    confidence: Decimal = Decimal("0.90")
    min_group: int = 5


@dataclass(frozen=True, slots=True)
class PlannedMeasure:
    """An AHT-reduction measure the annex itself lists."""

    measure_id: str
    what: str
    owner: str
    due: date
    expected_s: int


@dataclass(frozen=True, slots=True)
class RequiredDocument:
    """A document the contract leaves to be written, due some days after the start."""

    document_id: str
    owner: str
    due_days_after_start: int


@dataclass(frozen=True, slots=True)
class GovernanceTerms:
    """Everything governance needs from a contract annex, in plain values."""

    contract_id: str
    time_zone: str
    start: date
    end: date | None = None
    removal_response_days: int = 5
    replacement_days: int = 10
    roles: dict[str, RoleRule] = field(default_factory=dict)
    training_outcome: TrainingOutcomeRule = field(default_factory=TrainingOutcomeRule)
    incident_categories: tuple[str, ...] = ()
    notification_deadlines: dict[str, str] = field(default_factory=dict)
    liability_per_late_report: Decimal = Decimal(0)
    liability_per_unreported_case: Decimal = Decimal(0)
    currency: str = "USD"
    aht_baseline_s: int | None = None
    aht_trajectory: dict[str, int] = field(default_factory=dict)
    aht_measures: tuple[PlannedMeasure, ...] = ()
    documents: tuple[RequiredDocument, ...] = ()
    cure_period_days: int = 30
    # the annex's cure.notice_required: the client's notice opens the cure period
    cure_notice_required: bool = True
    holidays: tuple[date, ...] = ()
    # days after issue during which the vendor may dispute; None: approval waits for its review
    dispute_window_days: int | None = None
    # the annex's KPI ids, so a breach notice names a KPI the contract has; () in terms stored
    # before they were recorded (nothing to check against)
    kpi_ids: tuple[str, ...] = ()
    # the termination rights the annex grants, each with its notice period in days:
    # "convenience" (for_convenience_notice_days) and "chronic_breach" (its notice_days, else the
    # convenience period, else 0: effective on the notice's day)
    termination_notice_days: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for severity, text in self.notification_deadlines.items():
            try:
                parse_deadline(text)
            except ValueError as error:
                raise ValueError(f"incident severity {severity!r}: {error}") from error

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (Decimals and dates as strings) for storage with the contract."""
        return {
            "contract_id": self.contract_id,
            "time_zone": self.time_zone,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "removal_response_days": self.removal_response_days,
            "replacement_days": self.replacement_days,
            "roles": {
                name: {
                    "qualifications": list(rule.qualifications),
                    "admission_pass_score": (
                        str(rule.admission_pass_score)
                        if rule.admission_pass_score is not None
                        else None
                    ),
                    "approved_by_client": rule.approved_by_client,
                }
                for name, rule in self.roles.items()
            },
            "training_outcome": {
                "min_pass_rate": str(self.training_outcome.min_pass_rate),
                "confidence": str(self.training_outcome.confidence),
                "min_group": self.training_outcome.min_group,
            },
            "incident_categories": list(self.incident_categories),
            "notification_deadlines": dict(self.notification_deadlines),
            "liability_per_late_report": str(self.liability_per_late_report),
            "liability_per_unreported_case": str(self.liability_per_unreported_case),
            "currency": self.currency,
            "aht_baseline_s": self.aht_baseline_s,
            "aht_trajectory": dict(self.aht_trajectory),
            "aht_measures": [
                {
                    "measure_id": m.measure_id,
                    "what": m.what,
                    "owner": m.owner,
                    "due": m.due.isoformat(),
                    "expected_s": m.expected_s,
                }
                for m in self.aht_measures
            ],
            "documents": [
                {
                    "document_id": d.document_id,
                    "owner": d.owner,
                    "due_days_after_start": d.due_days_after_start,
                }
                for d in self.documents
            ],
            "cure_period_days": self.cure_period_days,
            **({} if self.cure_notice_required else {"cure_notice_required": False}),
            **(
                {"termination_notice_days": dict(sorted(self.termination_notice_days.items()))}
                if self.termination_notice_days
                else {}
            ),
            "holidays": [d.isoformat() for d in self.holidays],
            # only when set, so terms stored before the clause existed read back unchanged
            **(
                {"dispute_window_days": self.dispute_window_days}
                if self.dispute_window_days is not None
                else {}
            ),
            **({"kpi_ids": list(self.kpi_ids)} if self.kpi_ids else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GovernanceTerms:
        outcome = data.get("training_outcome") or {}
        return cls(
            contract_id=data["contract_id"],
            time_zone=data["time_zone"],
            start=date.fromisoformat(data["start"]),
            end=date.fromisoformat(data["end"]) if data.get("end") else None,
            removal_response_days=int(data.get("removal_response_days", 5)),
            replacement_days=int(data.get("replacement_days", 10)),
            roles={
                name: RoleRule(
                    qualifications=tuple(rule.get("qualifications") or ()),
                    admission_pass_score=(
                        Decimal(rule["admission_pass_score"])
                        if rule.get("admission_pass_score") is not None
                        else None
                    ),
                    approved_by_client=bool(rule.get("approved_by_client", False)),
                )
                for name, rule in (data.get("roles") or {}).items()
            },
            training_outcome=TrainingOutcomeRule(
                min_pass_rate=Decimal(str(outcome.get("min_pass_rate", "0.75"))),
                confidence=Decimal(str(outcome.get("confidence", "0.90"))),
                min_group=int(outcome.get("min_group", 5)),
            ),
            incident_categories=tuple(data.get("incident_categories") or ()),
            notification_deadlines=dict(data.get("notification_deadlines") or {}),
            liability_per_late_report=Decimal(str(data.get("liability_per_late_report", "0"))),
            liability_per_unreported_case=Decimal(
                str(data.get("liability_per_unreported_case", "0"))
            ),
            currency=data.get("currency", "USD"),
            aht_baseline_s=data.get("aht_baseline_s"),
            aht_trajectory={k: int(v) for k, v in (data.get("aht_trajectory") or {}).items()},
            aht_measures=tuple(
                PlannedMeasure(
                    measure_id=m["measure_id"],
                    what=m["what"],
                    owner=m["owner"],
                    due=date.fromisoformat(m["due"]),
                    expected_s=int(m["expected_s"]),
                )
                for m in data.get("aht_measures") or ()
            ),
            documents=tuple(
                RequiredDocument(
                    document_id=d["document_id"],
                    owner=d["owner"],
                    due_days_after_start=int(d["due_days_after_start"]),
                )
                for d in data.get("documents") or ()
            ),
            cure_period_days=int(data.get("cure_period_days", 30)),
            cure_notice_required=bool(data.get("cure_notice_required", True)),
            termination_notice_days={
                str(k): int(v) for k, v in (data.get("termination_notice_days") or {}).items()
            },
            holidays=tuple(date.fromisoformat(d) for d in data.get("holidays") or ()),
            dispute_window_days=data.get("dispute_window_days"),
            kpi_ids=tuple(str(k) for k in data.get("kpi_ids") or ()),
        )


@dataclass(frozen=True, slots=True)
class TermsVersion:
    """The governance terms of one version of the annex, in force from ``effective_from`` (a
    local date in the contract's time zone) until the next version takes effect."""

    effective_from: date
    terms: GovernanceTerms


@dataclass(frozen=True, slots=True)
class TermsSchedule:
    """Every version of a contract's governance terms, oldest first: which one governs a day."""

    versions: tuple[TermsVersion, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise ValueError("a contract has at least one version of its terms")
        days = [v.effective_from for v in self.versions]
        if days != sorted(set(days)):
            raise ValueError("versions must have strictly increasing effective_from dates")
        ids = {v.terms.contract_id for v in self.versions}
        if len(ids) > 1:
            raise ValueError(f"versions of different contracts: {', '.join(sorted(ids))}")

    @classmethod
    def of(cls, versions: Sequence[TermsVersion] | GovernanceTerms) -> TermsSchedule:
        """The versions in date order; one set of terms alone is in force from its start."""
        if isinstance(versions, GovernanceTerms):
            versions = [TermsVersion(versions.start, versions)]
        return cls(tuple(sorted(versions, key=lambda v: v.effective_from)))

    @property
    def first(self) -> GovernanceTerms:
        """The terms as first signed."""
        return self.versions[0].terms

    def on(self, day: date) -> GovernanceTerms:
        """The terms in force on the local date ``day``: the last version effective on or before
        it; before the first version takes effect, the first (the contract's own start)."""
        if isinstance(day, datetime):
            raise TypeError("terms_on takes a local date, not a datetime")
        governing = self.versions[0]
        for version in self.versions[1:]:
            if version.effective_from > day:
                break
            governing = version
        return governing.terms

    def at(self, moment: datetime) -> GovernanceTerms:
        """The terms in force at an instant: on its local date in the contract's time zone (the
        zone of the version in force then, should an amendment ever move it)."""
        terms = self.on(local_date(moment, self.first.time_zone))
        if terms.time_zone != self.first.time_zone:
            terms = self.on(local_date(moment, terms.time_zone))
        return terms

    def for_month(self, month: str) -> GovernanceTerms:
        """The terms governing ``YYYY-MM``: those in force on the month's first day (an amendment
        effective mid-month applies from the next month, as in settlement)."""
        year, _, number = month.partition("-")
        return self.on(date(int(year), int(number), 1))
