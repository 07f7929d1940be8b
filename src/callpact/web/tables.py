"""Service views as table rows, and any table as a CSV download."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from fastapi.responses import Response
from sqlalchemy.orm import Session

from callpact.governance.aht_plan.service import list_measures
from callpact.governance.audit.service import entity_state
from callpact.governance.database import Base
from callpact.governance.document.service import list_documents
from callpact.governance.incident.service import list_incidents
from callpact.governance.notice.service import list_notices
from callpact.governance.organization.permissions import Actor
from callpact.governance.removal.service import list_removals

# Keys of a record that say nothing to a reader (the row's and the contract's own ids).
_INTERNAL = {"id", "contract_pk"}

Lister = Callable[[Session, Actor, str, datetime], Sequence[Any]]
# Each governance board: its title and the service call that lists it as of a moment.
BOARDS: dict[str, tuple[str, Lister]] = {
    "removals": (
        "Removal requests and their clocks",
        lambda s, a, c, n: list_removals(s, a, c, now=n),
    ),
    "incidents": (
        "Incidents: late or unreported, and the liability",
        lambda s, a, c, n: list_incidents(s, a, c, now=n),
    ),
    "aht-plan": ("The AHT plan's measures", lambda s, a, c, n: list_measures(s, a, c, now=n)),
    "documents": ("Required documents", lambda s, a, c, n: list_documents(s, a, c, now=n)),
    "notices": ("Breach notices and cure clocks", lambda s, a, c, n: list_notices(s, a, c, now=n)),
}


_STORED_INSTANT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}):\d{2}(\.\d+)?\+00:00$")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and (instant := _STORED_INSTANT.match(value)):
        return f"{instant[1]} {instant[2]} UTC"  # an audited record's instant, as stored
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        return f"{value:%Y-%m-%d %H:%M} UTC"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return ""  # stored JSON (terms, decisions): the page shows its meaning elsewhere
    return value


def flatten(view: Any) -> dict[str, Any]:
    """A service view (a record and what the rules say of it) as one flat row."""
    row: dict[str, Any] = {}
    for part in dataclasses.fields(view):
        value = getattr(view, part.name)
        if isinstance(value, Base):
            fields = {k: v for k, v in entity_state(value).items() if k not in _INTERNAL}
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {
                f"{part.name} {f.name}": getattr(value, f.name) for f in dataclasses.fields(value)
            }
        else:
            fields = {part.name: value}
        row.update({k.replace("_", " "): _cell(v) for k, v in fields.items()})
    return row


def csv_response(rows: Sequence[dict[str, Any]], filename: str) -> Response:
    out = io.StringIO()
    columns = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
