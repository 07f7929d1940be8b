"""Append to the audit trail and verify it.

Every change a service makes is appended as an :class:`AuditEntry` holding the entity's state
before and after. Each entry's hash covers its own content and the previous entry's hash, so
editing or deleting an entry breaks the chain. Replaying the chain gives the state every record
*should* have; :func:`verify` compares that with the tables, which catches a change made behind
the services' back (a row updated, inserted or deleted by raw SQL, with no audit entry).

What it cannot catch alone: someone who deletes the newest entries *and* reverts the rows they
describe. Publish the head hash (``callpact audit verify`` prints it) somewhere the database's
administrator cannot rewrite, e.g. in each monthly statement.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, Connection, Integer, String, Table, insert, select, text
from sqlalchemy.orm import Session

from callpact.governance import models as _all_tables  # every table must be known to verify
from callpact.governance.audit.models import AuditEntry
from callpact.governance.database import Base, UtcDateTime

GENESIS_HASH = "0" * 64
# Columns whose value must not be copied into the log; a digest of it is logged instead, so a
# change is still detectable.
SECRET_COLUMNS = {("users", "password_hash")}
_ADVISORY_LOCK_KEY = 0x63616C6C  # "call": serializes appends on PostgreSQL


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def row_state(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """The logged form of one row: every column, JSON-ready, secrets digested."""
    state: dict[str, Any] = {}
    for column in table.columns:
        value = values[column.name]
        if (table.name, column.name) in SECRET_COLUMNS and value is not None:
            value = "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()
        state[column.name] = _jsonable(value)
    return state


def changed_columns(logged: dict[str, Any], state: dict[str, Any]) -> list[str]:
    """The columns in which a row's state differs from its logged state. A column the entry
    does not hold (one a migration added after it was written) reads as null: a row still null
    there has not changed, one with a value there has."""
    return sorted(k for k in state.keys() | logged.keys() if state.get(k) != logged.get(k))


def entity_state(entity: Base) -> dict[str, Any]:
    table = entity.__table__
    assert isinstance(table, Table)
    values = {column.name: getattr(entity, column.key) for column in table.columns}
    return row_state(table, values)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    entity_type: str,
    entity_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    """SHA-256 of the entry's canonical JSON (sorted keys, UTC time), previous hash included."""
    content = {
        "seq": seq,
        "at": at.astimezone(UTC).isoformat(),
        "actor": actor,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_of(entry: AuditEntry) -> str:
    return entry_hash(
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        entity_type=entry.entity_type,
        entity_id=entry.entity_id,
        action=entry.action,
        before=entry.before,
        after=entry.after,
        prev_hash=entry.prev_hash,
    )


def _lock_for_append(connection: Connection) -> None:
    """On PostgreSQL, wait for any other append in flight: two appends must not both read the
    same newest entry and chain to it."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def migration_actor(revision: str) -> str:
    """The actor a schema migration logs the rows it writes under: no user did it, the upgrade
    did, and the entry says which one."""
    return f"system: schema migration {revision}"


# The chained columns of ``audit_log``, as every revision has them (the hash covers exactly
# these, so they cannot change without breaking every chain written so far).
_CHAIN = sa.table(
    "audit_log",
    sa.column("seq", Integer()),
    sa.column("at", UtcDateTime()),
    sa.column("actor", String()),
    sa.column("entity_type", String()),
    sa.column("entity_id", String()),
    sa.column("action", String()),
    sa.column("before", JSON()),
    sa.column("after", JSON()),
    sa.column("prev_hash", String()),
    sa.column("entry_hash", String()),
)


def _next_link(connection: Connection) -> tuple[int, str]:
    """The next entry's ``seq`` and ``prev_hash``, taken under the append lock so that two
    writers never chain from the same entry."""
    _lock_for_append(connection)
    last = connection.execute(
        select(_CHAIN.c.seq, _CHAIN.c.entry_hash).order_by(_CHAIN.c.seq.desc()).limit(1)
    ).first()
    return (1, GENESIS_HASH) if last is None else (last.seq + 1, last.entry_hash)


def append(
    connection: Connection,
    *,
    at: datetime,
    actor: str,
    entity_type: str,
    entity_id: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append one entry through a plain connection, chained as :func:`record` chains.

    For a schema migration that creates, changes or drops rows: it runs on the tables as they
    are at its own revision, where the models (and so :func:`record`) may not fit. ``before``
    and ``after`` are :func:`row_state` over the columns the table has at that revision."""
    seq, prev_hash = _next_link(connection)
    content: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    connection.execute(insert(_CHAIN).values(**content, entry_hash=entry_hash(**content)))


def log_column_drop(
    connection: Connection, table: Table, column: str, *, revision: str, action: str
) -> None:
    """Before a migration's downgrade drops ``column`` from ``table`` (described as it is at
    that revision), log each row that holds a value there: its state before, and after over the
    columns left. A database downgraded and upgraded again then still verifies intact."""
    kept = [c.name for c in table.columns if c.name != column]
    remaining = sa.Table(table.name, sa.MetaData(), *(sa.Column(c, table.c[c].type) for c in kept))
    at = datetime.now(UTC)
    rows = connection.execute(
        select(table).where(table.c[column].is_not(None)).order_by(table.c.id)
    )
    for row in rows.mappings().all():
        values = dict(row)
        append(
            connection,
            at=at,
            actor=migration_actor(revision),
            entity_type=table.name,
            entity_id=str(values["id"]),
            action=action,
            before=row_state(table, values),
            after=row_state(remaining, values),
        )


def record(
    session: Session,
    *,
    actor: str,
    at: datetime,
    entity: Base,
    action: str,
    before: dict[str, Any] | None,
    deleted: bool = False,
) -> AuditEntry:
    """Append one entry for ``entity`` (flushed first so it has its id and final state)."""
    session.flush()
    seq, prev_hash = _next_link(session.connection())
    table = entity.__table__
    assert isinstance(table, Table)
    after = None if deleted else entity_state(entity)
    entity_id = str(after["id"]) if after is not None else str(before["id"] if before else "")
    content: dict[str, Any] = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "entity_type": table.name,
        "entity_id": entity_id,
        "action": action,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    entry = AuditEntry(**content, entry_hash=entry_hash(**content))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class AuditProblem:
    """One thing :func:`verify` found wrong; ``kind`` is a stable code."""

    kind: str
    message: str
    seq: int | None = None
    entity_type: str | None = None
    entity_id: str | None = None


@dataclass(slots=True)
class AuditReport:
    entries: int = 0
    head_hash: str = GENESIS_HASH
    entities_checked: int = 0
    problems: list[AuditProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> AuditReport:
    """Check the hash chain, then compare every audited table with the state the chain gives.

    Problem kinds: ``missing-entry`` (a gap in the sequence: an entry was deleted),
    ``chain-broken`` (an entry's previous hash does not match: an entry was deleted or replaced),
    ``entry-edited`` (an entry's content no longer matches its hash), ``changed-unaudited`` (a row
    differs from its last logged state), ``deleted-unaudited`` (a logged row is gone),
    ``created-unaudited`` (a row no entry describes).
    """
    report = AuditReport()
    expected: dict[tuple[str, str], dict[str, Any] | None] = {}
    expected_seq = 1
    prev_hash = GENESIS_HASH
    entries = session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(populate_existing=True)
    )
    for entry in entries:
        report.entries += 1
        if entry.seq != expected_seq:
            missing = (
                f"{expected_seq}"
                if entry.seq == expected_seq + 1
                else f"{expected_seq}–{entry.seq - 1}"
            )
            report.problems.append(
                AuditProblem("missing-entry", f"entries {missing} are missing", seq=entry.seq)
            )
        if entry.prev_hash != prev_hash:
            report.problems.append(
                AuditProblem(
                    "chain-broken",
                    f"entry {entry.seq} does not follow the entry before it "
                    "(an earlier entry was deleted or replaced)",
                    seq=entry.seq,
                )
            )
        if _hash_of(entry) != entry.entry_hash:
            report.problems.append(
                AuditProblem(
                    "entry-edited",
                    f"entry {entry.seq} ({entry.action} {entry.entity_type} {entry.entity_id}) "
                    "was changed after it was written",
                    seq=entry.seq,
                    entity_type=entry.entity_type,
                    entity_id=entry.entity_id,
                )
            )
        expected[(entry.entity_type, entry.entity_id)] = entry.after
        expected_seq = entry.seq + 1
        prev_hash = entry.entry_hash
    report.head_hash = prev_hash

    assert _all_tables.Base is Base
    for table in Base.metadata.sorted_tables:
        if table.name == AuditEntry.__tablename__ or table.info.get("audit") == "events":
            continue  # the chain itself, and credentials whose events (not rows) are logged
        seen: set[str] = set()
        for row in session.execute(select(table)).mappings():
            state = row_state(table, dict(row))
            entity_id = str(state["id"])
            seen.add(entity_id)
            report.entities_checked += 1
            key = (table.name, entity_id)
            if key not in expected or expected[key] is None:
                report.problems.append(
                    AuditProblem(
                        "created-unaudited",
                        f"{table.name} {entity_id} exists but no audit entry created it",
                        entity_type=table.name,
                        entity_id=entity_id,
                    )
                )
                continue
            logged = expected[key]
            assert logged is not None
            fields = changed_columns(logged, state)
            if fields:
                report.problems.append(
                    AuditProblem(
                        "changed-unaudited",
                        f"{table.name} {entity_id} differs from its last audited state "
                        f"in {', '.join(fields)}",
                        entity_type=table.name,
                        entity_id=entity_id,
                    )
                )
        for (entity_type, entity_id), logged in expected.items():
            if entity_type == table.name and logged is not None and entity_id not in seen:
                report.problems.append(
                    AuditProblem(
                        "deleted-unaudited",
                        f"{entity_type} {entity_id} was deleted without an audit entry",
                        entity_type=entity_type,
                        entity_id=entity_id,
                    )
                )
    return report


def history(session: Session, entity_type: str, entity_id: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.seq)
        )
    )
