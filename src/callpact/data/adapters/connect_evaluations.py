"""Amazon Connect contact evaluation output files (Contact Lens evaluation forms) → qa_evaluations.

One file per submitted evaluation (``Evaluations/YYYY/MM/DD/<time>-<evaluationId>.json``,
schema version 3.x). Field by field:

* ``evaluation_id`` ← ``evaluationId``; ``contact_id`` ← ``metadata.contactId``;
* ``agent_id`` ← ``metadata.agentId`` (the agent's user id), written as the agent's username
  when the delivery's agent events name that user (``AgentARN`` ends with the same id), so that
  evaluations and contact records name the agent alike;
* ``evaluated_at`` ← ``metadata.evaluationSubmitTimestamp``;
* ``score`` ← ``metadata.score.percentage``; ``auto_fail`` ← ``metadata.score.automaticFail``.

Contact Lens also writes each evaluation to a deprecated second path
(``Evaluations/contact_<id>/evaluation_<id>/…``): the second copy of an ``evaluationId`` counts
as a duplicate, the later submission wins. Sections and questions are not kept (the annex
judges the form's overall score).
"""

from __future__ import annotations

from typing import Any

from callpact.data.adapters._common import iso, parse_iso


def is_evaluation(record: Any) -> bool:
    return isinstance(record, dict) and "evaluationId" in record and "metadata" in record


def to_evaluation(record: dict[str, Any], usernames: dict[str, str]) -> dict[str, Any]:
    """One evaluation as a qa_evaluations row (text values); raises ValueError if unusable."""
    metadata = record.get("metadata")
    if not isinstance(metadata, dict):
        raise ValueError("evaluation without a metadata object")
    score = metadata.get("score")
    if not isinstance(score, dict):
        raise ValueError("evaluation without metadata.score (not submitted?)")
    if score.get("notApplicable"):
        raise ValueError("evaluation scored not applicable: no score to judge")
    agent = metadata.get("agentId")
    percentage = score.get("percentage")
    return {
        "evaluation_id": record.get("evaluationId"),
        "contact_id": metadata.get("contactId"),
        "agent_id": usernames.get(str(agent), agent) if agent else None,
        "evaluated_at": iso(parse_iso(metadata.get("evaluationSubmitTimestamp"))),
        "score": None if percentage is None else str(percentage),
        "auto_fail": "true" if score.get("automaticFail") else "false",
    }
