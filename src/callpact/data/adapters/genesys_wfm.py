"""Genesys Cloud Workforce Management schedules and short-term forecasts.

* ``BuAgentSchedulesQueryResponse`` (``agentSchedules``: ``user``, ``shifts`` →
  ``activities`` with ``startDate``, ``lengthMinutes``, ``activityCodeId``) → schedules; the
  activity's category comes from the business unit's activity codes
  (``BusinessUnitActivityCode``: ``id``, ``category``) in the same delivery.
* ``BuForecastResult`` (``referenceStartDate``, ``weekNumber``, ``planningGroups`` →
  ``offeredPerInterval``, ``averageHandleTimeSecondsPerInterval``, one value per 15 minutes)
  → forecast; a planning group names its queue through its ``routePaths`` (planning group
  objects in the delivery) or the queue table.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from callpact.data.adapters._common import iso, parse_iso

#: activity code category → interchange schedule activity
CATEGORY_ACTIVITIES = {
    "OnQueueWork": "work",
    "Break": "break",
    "Meal": "lunch",
    "Meeting": "meeting",
    "Training": "training",
    # planned work away from the queues: not on-queue work, so adherence does not expect
    # the agent available or busy then
    "OffQueueWork": "meeting",
    "TimeOff": "off",
    "Unavailable": "off",
}
INTERVAL_MINUTES = 15


def is_activity_code(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and "id" in record
        and record.get("category") in (CATEGORY_ACTIVITIES)
    )


def is_planning_group(record: Any) -> bool:
    return isinstance(record, dict) and "id" in record and "routePaths" in record


def planning_group_queue(group: dict[str, Any]) -> str | None:
    """The one queue a planning group's route paths lead to; None when zero or several."""
    queues = {
        str(path["queue"]["id"])
        for path in group.get("routePaths") or []
        if isinstance(path, dict)
        and isinstance(path.get("queue"), dict)
        and path["queue"].get("id")
    }
    return queues.pop() if len(queues) == 1 else None


def schedule_rows(
    agent: dict[str, Any], categories: dict[str, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """schedules rows of one agent's schedule, and the activities it could not read."""
    user = agent.get("user") or {}
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for shift in agent.get("shifts") or []:
        for activity in shift.get("activities") or []:
            code = str(activity.get("activityCodeId") or "")
            category = categories.get(code)
            if category is None:
                problems.append(
                    f"activity code {code!r} is not among the delivery's activity codes"
                    " (add the business unit's activitycodes listing)"
                )
                continue
            starts = parse_iso(activity.get("startDate"))
            minutes = activity.get("lengthMinutes")
            if starts is None or not isinstance(minutes, int) or minutes <= 0:
                problems.append("activity without startDate or a positive lengthMinutes")
                continue
            rows.append(
                {
                    "agent_id": user.get("id"),
                    "activity": CATEGORY_ACTIVITIES[category],
                    "starts_at": iso(starts),
                    "ends_at": iso(starts + timedelta(minutes=minutes)),
                }
            )
    return rows, problems


def forecast_rows(
    result: dict[str, Any], queue_of_group: dict[str, str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """forecast rows of one week's forecast result, and the planning groups it could not use."""
    start = parse_iso(result.get("referenceStartDate"))
    if start is None:
        return [], ["forecast without referenceStartDate"]
    week_start = start + timedelta(days=7 * int(result.get("weekNumber") or 0))
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for group in result.get("planningGroups") or []:
        group_id = str(group.get("planningGroupId") or "")
        queue = queue_of_group.get(group_id)
        if queue is None:
            problems.append(
                f"planning group {group_id!r} names no queue: add the planning groups (one"
                " queue in their routePaths) or a queues.csv row for it"
            )
            continue
        offered = group.get("offeredPerInterval") or []
        handle = group.get("averageHandleTimeSecondsPerInterval") or []
        if handle and len(handle) != len(offered):
            problems.append(
                f"planning group {group_id!r}: {len(offered)} offered values but"
                f" {len(handle)} handle times"
            )
            continue
        for index, volume in enumerate(offered):
            rows.append(
                {
                    "queue": queue,
                    "interval_start": iso(week_start + timedelta(minutes=15 * index)),
                    "interval_minutes": str(INTERVAL_MINUTES),
                    "offered": str(volume),
                    "aht_s": str(handle[index]) if handle else None,
                }
            )
    return rows, problems
