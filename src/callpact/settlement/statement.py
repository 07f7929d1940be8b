"""A month's settlement as a statement document (JSON-ready data) and back.

The statement is what both parties approve: totals as decimal strings, one line per KPI and per
incident with the reason in words, the cure and termination states, the KPI results of every
month replayed before it (so a later statement can carry the history forward), and the
fingerprints of everything it was computed from.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from callpact.settlement.chronic import rule_words
from callpact.settlement.cure import Episode
from callpact.settlement.ledger import Line, MonthInput, MonthSettlement
from callpact.settlement.money import decimal_text, money_text
from callpact.settlement.rules import KpiOutcome, KpiStatus, TierHit, format_share
from callpact.settlement.terms import Volumes

FORMAT = "callpact.statement/1"


def _tier(hit: TierHit | None) -> dict[str, Any] | None:
    if hit is None:
        return None
    return {
        "position": hit.position,
        "comparison": hit.tier.comparison.value,
        "threshold": decimal_text(hit.tier.threshold),
        "share": decimal_text(hit.share),
        "amount": decimal_text(hit.amount),
        "linear": hit.tier.linear,
        "words": format_share(hit.share) if hit.share is not None else None,
    }


def _outcome_json(outcome: KpiOutcome) -> dict[str, Any]:
    return {
        "status": outcome.status.value,
        "value": decimal_text(outcome.value),
        "sample": outcome.sample,
        "ci": [decimal_text(outcome.ci[0]), decimal_text(outcome.ci[1])] if outcome.ci else None,
        "excluded": outcome.excluded,
    }


def outcome_from_json(kpi_id: str, data: Mapping[str, Any]) -> KpiOutcome:
    ci = data.get("ci")
    return KpiOutcome(
        kpi_id,
        KpiStatus(data["status"]),
        Decimal(data["value"]) if data.get("value") is not None else None,
        int(data.get("sample") or 0),
        (Decimal(ci[0]), Decimal(ci[1])) if ci and ci[0] is not None else None,
        int(data.get("excluded") or 0),
    )


def _volumes_json(volumes: Volumes) -> dict[str, Any]:
    return {
        "handled_contacts": volumes.handled_contacts,
        "handle_seconds": decimal_text(volumes.handle_seconds),
        "productive_seconds": decimal_text(volumes.productive_seconds),
    }


def volumes_from_json(data: Mapping[str, Any]) -> Volumes:
    return Volumes(
        int(data.get("handled_contacts") or 0),
        Decimal(data.get("handle_seconds") or 0),
        Decimal(data.get("productive_seconds") or 0),
    )


def month_record(month: MonthInput, source: str) -> dict[str, Any]:
    """What a later statement needs of this month to replay it: results and volumes."""
    return {
        "period": month.month,
        "source": source,
        "contract_version": month.terms.version,
        "kpis": {k: _outcome_json(o) for k, o in sorted(month.outcomes.items())},
        "volumes": _volumes_json(month.volumes),
    }


def _episode(episode: Episode) -> dict[str, Any]:
    return {
        "kpi_id": episode.kpi_id,
        "opened": episode.opened,
        "state": episode.state.value,
        "first_credit": money_text(episode.first_credit.quantize(Decimal("0.01"))),
        "suspended": money_text(episode.suspended.quantize(Decimal("0.01"))),
        "cure_ends_on": episode.cure_ends_on.isoformat() if episode.cure_ends_on else None,
        "resolved_in": episode.resolved_in,
        "decisions": [
            {
                "decision": d.decision,
                "days": d.days,
                "decided_on": d.decided_on.isoformat() if d.decided_on else None,
            }
            for d in episode.decisions
        ],
    }


def line_ids(lines: Sequence[Line], period: str = "") -> list[str]:
    """A stable id per line, so a dispute or a verify difference names a line by what it is:
    ``kind:subject[@origin]`` (``credit:sl-voice``, ``credit:sl-voice@2027-01`` for a credit
    carried from January, ``liability:INC-0012``, ``fee``), numbered only if still repeated."""
    ids: list[str] = []
    seen: dict[str, int] = {}
    for line in lines:
        subject = line.kpi_id or line.incident_id
        base = line.kind + (f":{subject}" if subject else "")
        if line.origin and line.origin != period:
            base += f"@{line.origin}"
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


def statement_json(
    settlement: MonthSettlement,
    *,
    replayed: Sequence[tuple[MonthInput, str]],
    fingerprints: Mapping[str, Any],
) -> dict[str, Any]:
    """The statement document for the last of the replayed months."""
    terms = settlement.terms
    current = replayed[-1][0]
    labels = {k.kpi_id: k for k in terms.kpis}
    kpis = []
    for assessment in settlement.assessments:
        kpi = labels[assessment.kpi_id]
        result = current.outcomes.get(assessment.kpi_id)
        kpis.append(
            {
                "kpi_id": assessment.kpi_id,
                "label": kpi.label,
                "unit": kpi.unit,
                "target": {
                    "comparison": kpi.target_comparison.value,
                    "value": decimal_text(kpi.target),
                },
                **(_outcome_json(result) if result else {"status": "not_measurable"}),
                "status": assessment.status.value,
                "penalty_tier": _tier(assessment.penalty),
                "reward_tier": _tier(assessment.reward),
                "assessed_credit": money_text(terms.rounding.apply(assessment.credit)),
                "assessed_bonus": money_text(terms.rounding.apply(assessment.bonus)),
                "reason": assessment.reason,
            }
        )
    rights = [
        {
            "kpi_id": r.kpi_id,
            "triggered_in": r.triggered_in,
            "rule": r.rule,
            "notice_from": r.notice_from.isoformat(),
            "earliest_effective": r.earliest_effective.isoformat(),
        }
        for r in settlement.termination
    ]
    rule = terms.chronic
    return {
        "format": FORMAT,
        "contract_id": terms.contract_id,
        "contract_version": terms.version,
        "period": settlement.month,
        "currency": terms.currency,
        "parties": {"client": terms.client, "vendor": terms.vendor},
        "terms": {
            "time_zone": terms.time_zone,
            "payment_term_days": terms.payment_term_days,
            "dispute_window_days": terms.dispute_window_days,
        },
        "fee": money_text(settlement.fee),
        "credits": money_text(settlement.credits),
        "earn_back": money_text(settlement.earn_back),
        "bonuses": money_text(settlement.bonuses),
        "liabilities": money_text(settlement.liabilities),
        "net_adjustment": money_text(settlement.net_adjustment),
        "invoice_total": money_text(settlement.invoice_total),
        "at_risk_pool": money_text(terms.rounding.apply(settlement.at_risk_pool)),
        "bonus_pool": money_text(terms.rounding.apply(settlement.bonus_pool)),
        "caps": {
            "at_risk_pool_bound": settlement.credit_pool_cap_bound,
            "bonus_pool_bound": settlement.bonus_pool_cap_bound,
            "method": "proportional, largest remainder",
        },
        "fee_model": {
            "model": terms.fee.kind.value,
            "rate": decimal_text(terms.fee.amount),
            **_volumes_json(settlement.volumes),
        },
        "rounding": {"unit": decimal_text(terms.rounding.unit), "mode": terms.rounding.mode},
        "kpis": kpis,
        "lines": [
            {
                "line_id": line_id,
                "kind": line.kind,
                "amount": money_text(line.amount),
                "kpi_id": line.kpi_id,
                "incident_id": line.incident_id,
                "origin": line.origin,
                "reason": line.reason,
            }
            for line, line_id in zip(
                settlement.lines, line_ids(settlement.lines, settlement.month), strict=True
            )
        ],
        "cure": [_episode(e) for e in settlement.episodes],
        "chronic": {
            "rule": rule_words(rule) if rule else [],
            "counts": [
                {
                    "kpi_id": c.kpi_id,
                    "consecutive_missed": c.run,
                    "missed_in_window": c.in_window,
                    "triggered_in": c.triggered_in,
                }
                for c in settlement.chronic
            ],
        },
        "termination": {"right": bool(rights), "rights": rights},
        "incidents": [
            {
                "incident_id": a.incident.incident_id,
                "severity": a.incident.severity,
                "category": a.incident.category,
                "due_at": a.due_at.isoformat(),
                "status": a.status.value,
                "liability": money_text(a.liability),
            }
            for a in settlement.incidents
        ],
        "history": [month_record(m, source) for m, source in replayed[:-1]],
        "results": month_record(current, replayed[-1][1]),
        "fingerprints": dict(fingerprints),
    }


def _keyed(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(x, dict) and "line_id" in x for x in items)


def statement_differences(stated: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[str]:
    """What differs between a statement and its recomputation. Where the inputs were read from
    (``inputs``) is left out: the fingerprints say whether they are the same inputs."""
    return differences(
        {k: v for k, v in stated.items() if k != "inputs"},
        {k: v for k, v in recomputed.items() if k != "inputs"},
    )


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every difference between two statement documents, as ``path: expected → actual``."""
    out: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                out.append(f"{where}: missing from the recomputed statement")
            elif key not in expected:
                out.append(f"{where}: not in the statement (recomputed {actual[key]!r})")
            else:
                out.extend(differences(expected[key], actual[key], where))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if _keyed(expected) and _keyed(actual):  # statement lines: matched by id, not position
            return differences(
                {x["line_id"]: x for x in expected}, {x["line_id"]: x for x in actual}, path
            )
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            out.extend(differences(a, b, f"{path}[{i}]"))
        if len(expected) != len(actual):
            out.append(f"{path}: {len(expected)} items in the statement, {len(actual)} recomputed")
        return out
    if expected != actual:
        out.append(f"{path}: {expected!r} in the statement, {actual!r} recomputed")
    return out
