"""Who may work on the program: the admission rule, as a pure function over plain values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from callpact.governance.terms import RoleRule


@dataclass(frozen=True, slots=True)
class StaffSnapshot:
    """One roster entry as the rule sees it."""

    person_id: str
    name: str
    role: str
    active: bool
    qualifications: frozenset[str]
    latest_exam_score: Decimal | None
    client_approved: bool


@dataclass(frozen=True, slots=True)
class AdmissionFinding:
    """A person working on the program who should not be, and why."""

    person_id: str
    name: str
    role: str
    handled_contacts: bool
    reasons: tuple[str, ...]


def admission_gaps(member: StaffSnapshot, rule: RoleRule | None) -> list[str]:
    """What the person lacks for their role: qualifications, a passed admission exam (the latest
    attempt counts), the client's approval. A role the contract sets no rule for lacks nothing."""
    if rule is None:
        return []
    gaps = [
        f"lacks qualification {qualification}"
        for qualification in rule.qualifications
        if qualification not in member.qualifications
    ]
    if rule.admission_pass_score is not None:
        if member.latest_exam_score is None:
            gaps.append("has no admission exam result")
        elif member.latest_exam_score < rule.admission_pass_score:
            gaps.append(
                f"admission exam {member.latest_exam_score} below the pass score "
                f"{rule.admission_pass_score}"
            )
    if rule.approved_by_client and not member.client_approved:
        gaps.append("not approved by the client")
    return gaps


def program_staff_findings(
    roster: Iterable[StaffSnapshot],
    rules: Mapping[str, RoleRule],
    agent_ids: Iterable[str] | None = None,
) -> list[AdmissionFinding]:
    """Everyone working on the program without what their role requires.

    "Working on the program" means active on the roster, or — when ``agent_ids`` (the agents who
    actually handled contacts) are given — having handled contacts, whatever the roster says. An
    agent who handled contacts but is not on the roster, or no longer active on it, is a finding
    of its own.
    """
    handled = set(agent_ids) if agent_ids is not None else set()
    by_id = {member.person_id: member for member in roster}
    findings: list[AdmissionFinding] = []
    for member in sorted(by_id.values(), key=lambda m: m.person_id):
        did_handle = member.person_id in handled
        if not member.active and not did_handle:
            continue
        reasons = admission_gaps(member, rules.get(member.role))
        if not member.active:
            reasons.insert(0, "handled contacts while not active on the roster")
        if reasons:
            findings.append(
                AdmissionFinding(
                    member.person_id, member.name, member.role, did_handle, tuple(reasons)
                )
            )
    for agent_id in sorted(handled - by_id.keys()):
        findings.append(
            AdmissionFinding(agent_id, "", "", True, ("handled contacts but is not on the roster",))
        )
    return findings
