"""The contract's stored statements as the portal shows them: the newest version of each
month's statement document, read through the statement service (the same records the CLI's
`callpact statement` commands move)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from callpact.governance.organization.permissions import Actor
from callpact.governance.statement.service import document_of, list_statements


def statements_of(session: Session, actor: Actor, contract_id: str) -> dict[str, dict[str, Any]]:
    """Month → the newest stored version's document, oldest month first."""
    newest: dict[str, str] = {}
    for view in list_statements(session, actor, contract_id):
        newest[view.period] = f"{view.number} v{view.version}"
    return {
        month: document_of(session, actor, contract_id, ref)
        for month, ref in sorted(newest.items())
    }
