"""Genesys Cloud user status details, quality evaluations, surveys and queue objects.

Each converts one Genesys Cloud API object (JSON as the Platform API returns it) to an
interchange row; :mod:`callpact.data.adapters.genesys` recognises them by shape.

* ``AnalyticsUserDetail`` (``POST /api/v2/analytics/users/details/query`` → ``userDetails``):
  ``routingStatus`` records say what an on-queue agent is doing, ``primaryPresence`` records
  what they are doing off queue. A routing record other than ``OFF_QUEUE`` and a presence
  record other than ``ON_QUEUE`` are each one agent_states interval (see
  :data:`ROUTING_STATES`, :data:`PRESENCE_STATES`); the others are covered by the other list.
* ``Evaluation`` (``/api/v2/quality/evaluations/query`` → ``entities``) → qa_evaluations.
* ``Survey`` (``/api/v2/quality/surveys`` → ``entities``) → surveys.
* ``Queue`` (``GET /api/v2/routing/queues`` → ``entities``): its ``id`` and ``name``, so that
  contacts name queues as people do, not by id.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from callpact.data.adapters._common import iso, parse_iso

#: ACD routing status → interchange state (an on-queue agent)
ROUTING_STATES = {
    "IDLE": "available",
    "NOT_RESPONDING": "available",  # alerted, not answering: still staffed
    "INTERACTING": "busy",
    "COMMUNICATING": "busy",  # a non-ACD interaction while on queue
}
#: system presence → interchange state (an agent off queue; ON_QUEUE is read from routing)
PRESENCE_STATES = {
    "BREAK": "break",
    "MEAL": "break",
    "TRAINING": "training",
    "MEETING": "meeting",
    "OFFLINE": "offline",
    # off queue and not in a planned activity: not staffed for the queues
    "AVAILABLE": "offline",
    "AWAY": "offline",
    "BUSY": "offline",
    "IDLE": "offline",
}


def kind_of(record: Any) -> str | None:
    """Which Genesys object ``record`` is: conversation, user, evaluation, survey, queue."""
    if not isinstance(record, dict):
        return None
    if "conversationId" in record:
        return "conversation"
    if "userId" in record and ("routingStatus" in record or "primaryPresence" in record):
        return "user"
    if "evaluationForm" in record or ("evaluator" in record and "answers" in record):
        return "evaluation"
    if "surveyForm" in record:
        return "survey"
    if (
        "id" in record
        and "name" in record
        and ("mediaSettings" in record or "acwSettings" in record)
    ):
        return "queue"
    return None


def user_states(user: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """agent_states rows of one user's detail, and the problems of records it could not use."""
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    sources = (
        ("routingStatus", "routingStatus", ROUTING_STATES, "OFF_QUEUE"),
        ("primaryPresence", "systemPresence", PRESENCE_STATES, "ON_QUEUE"),
    )
    for key, field, states, covered_elsewhere in sources:
        for record in user.get(key) or []:
            status = str(record.get(field) or "")
            if status == covered_elsewhere:
                continue
            if status not in states:
                problems.append(f"{key} {status!r} names no interchange state")
                continue
            if not record.get("endTime"):
                problems.append(
                    f"{key} {status!r} from {record.get('startTime')} has no endTime (still"
                    " open when exported): query an interval that has ended"
                )
                continue
            rows.append(
                {
                    "agent_id": user.get("userId"),
                    "state": states[status],
                    "started_at": iso(parse_iso(record.get("startTime"))),
                    "ended_at": iso(parse_iso(record.get("endTime"))),
                }
            )
    return rows, problems


def _id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else None


def to_evaluation(record: dict[str, Any]) -> dict[str, Any]:
    """A FINISHED quality evaluation as a qa_evaluations row; raises ValueError otherwise."""
    status = record.get("status")
    if status != "FINISHED":
        raise ValueError(f"evaluation status {status!r}: only FINISHED evaluations are scored")
    answers = record.get("answers") or {}
    score = answers.get("totalScore")
    evaluated = record.get("releaseDate") or record.get("submittedDate")
    return {
        "evaluation_id": record.get("id"),
        "contact_id": _id(record.get("conversation")),
        "agent_id": _id(record.get("agent")),
        "evaluated_at": iso(parse_iso(evaluated or record.get("changedDate"))),
        "score": None if score is None else str(score),
        "auto_fail": "true" if answers.get("anyFailedKillQuestions") else "false",
    }


def csat_of(total_score: Any) -> str | None:
    """A survey's ``totalScore`` (0–100 % of the form's maximum) on the 1–5 CSAT scale.

    Exact for a form of one 5-point question (answers 1…5 score 0, 25, 50, 75, 100 %).
    """
    if total_score is None:
        return None
    value = 1 + Decimal(str(total_score)) * 4 / 100
    return str(value.quantize(Decimal(1), ROUND_HALF_UP))


def to_survey(record: dict[str, Any]) -> dict[str, Any]:
    """A Finished web survey as a surveys row; raises ValueError otherwise."""
    status = record.get("status")
    if status != "Finished":
        raise ValueError(f"survey status {status!r}: no response to read")
    answers = record.get("answers") or {}
    nps = answers.get("npsScore")
    return {
        "contact_id": _id(record.get("conversation")),
        "responded_at": iso(parse_iso(record.get("completedDate"))),
        "csat": csat_of(answers.get("totalScore")),
        "nps": None if nps is None else str(nps),
        "ces": None,
    }
