"""Read the governance terms out of a contract version in the annex's own shape.

The caller passes ``ContractVersion.model_dump()`` of a version the contract loader validated
(line-numbered diagnostics are the loader's job); this module only picks the values governance
needs, with the annex's own names
(``staff.removal_requests.vendor_response_days``, ``incidents.notify.<severity>.within``, …).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from callpact.governance.terms import (
    GovernanceTerms,
    PlannedMeasure,
    RequiredDocument,
    RoleRule,
    TrainingOutcomeRule,
)


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _month(value: Any) -> str:
    # YAML reads `2027-03` as a string, but a full date as a date: accept both.
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    return str(value)


def terms_from_annex(annex: Mapping[str, Any]) -> GovernanceTerms:
    """The governance terms of an annex given as a plain mapping (sections absent = defaults)."""
    contract = annex.get("contract") or {}
    term = contract.get("term") or {}
    staff = annex.get("staff") or {}
    removal = staff.get("removal_requests") or {}
    training = annex.get("training") or {}
    outcome = training.get("outcome") or {}
    incidents = annex.get("incidents") or {}
    aht = annex.get("aht_plan") or {}
    cure = contract.get("cure") or {}
    roles = {
        str(name): RoleRule(
            qualifications=tuple(str(q) for q in (rule or {}).get("qualifications") or ()),
            admission_pass_score=(
                _decimal(rule["admission_exam"]["pass_score"])
                if (rule or {}).get("admission_exam")
                else None
            ),
            approved_by_client=bool((rule or {}).get("approved_by_client", False)),
        )
        for name, rule in (staff.get("roles") or {}).items()
    }
    notify = {
        str(severity): str(rule.get("within") if isinstance(rule, Mapping) else rule)
        for severity, rule in (incidents.get("notify") or {}).items()
    }
    return GovernanceTerms(
        contract_id=str(contract["id"]),
        time_zone=str(contract.get("time_zone", "UTC")),
        start=_date(term["start"]),
        end=_date(term["end"]) if term.get("end") else None,
        removal_response_days=int(removal.get("vendor_response_days", 5)),
        replacement_days=int(removal.get("replacement_days", 10)),
        roles=roles,
        training_outcome=TrainingOutcomeRule(
            min_pass_rate=_decimal(outcome.get("min_pass_rate", "0.75")),
            confidence=_decimal(outcome.get("confidence", "0.90")),
            min_group=int(outcome.get("min_group", 5)),
        ),
        incident_categories=tuple(str(c) for c in incidents.get("categories") or ()),
        notification_deadlines=notify,
        liability_per_late_report=_decimal(incidents.get("liability_per_late_report", 0)),
        liability_per_unreported_case=_decimal(incidents.get("liability_per_unreported_case", 0)),
        currency=str(contract.get("currency", "USD")),
        aht_baseline_s=int(aht["baseline_s"]) if aht.get("baseline_s") is not None else None,
        aht_trajectory={_month(m): int(v) for m, v in (aht.get("trajectory") or {}).items()},
        aht_measures=tuple(
            PlannedMeasure(
                measure_id=str(m["id"]),
                what=str(m.get("what", "")),
                owner=str(m.get("owner", "vendor")),
                due=_date(m["due"]),
                expected_s=int(m.get("expected_s", 0)),
            )
            for m in aht.get("measures") or ()
        ),
        documents=tuple(
            RequiredDocument(
                document_id=str(d["id"]),
                owner=str(d.get("owner", "vendor")),
                due_days_after_start=int(d["due_days_after_start"]),
            )
            for d in annex.get("documents") or ()
        ),
        cure_period_days=int(cure.get("period_days", 30)),
        cure_notice_required=bool(cure.get("notice_required", True)),
        termination_notice_days=_termination_notice_days(contract.get("termination") or {}),
        dispute_window_days=(contract.get("disputes") or {}).get("window_days"),
        kpi_ids=tuple(str(k["id"]) for k in annex.get("kpis") or () if isinstance(k, Mapping)),
    )


def _termination_notice_days(termination: Mapping[str, Any]) -> dict[str, int]:
    """Each termination right the annex grants, with its notice period in days."""
    rights: dict[str, int] = {}
    convenience = termination.get("for_convenience_notice_days")
    if convenience is not None:
        rights["convenience"] = int(convenience)
    chronic = termination.get("chronic_breach")
    if chronic:
        rights["chronic_breach"] = int(chronic.get("notice_days") or convenience or 0)
    return rights
