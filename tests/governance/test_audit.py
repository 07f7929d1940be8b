"""The audit chain: every service change is logged, and verify finds edits, deletions and
changes made behind the services' back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

import pytest
from governance_world import T0, World
from sqlalchemy import select, text

from callpact.governance.aht_plan import service as aht
from callpact.governance.audit import service as audit
from callpact.governance.audit.models import AuditEntry
from callpact.governance.errors import PermissionDenied
from callpact.governance.organization.permissions import Action, require_role
from callpact.governance.staff import service as staff


def _independent_hash(row: AuditEntry) -> str:
    # Written again from the documented rule, not by calling the code under test.
    content = {
        "action": row.action,
        "actor": row.actor,
        "after": row.after,
        "at": row.at.astimezone(UTC).isoformat(),
        "before": row.before,
        "entity_id": row.entity_id,
        "entity_type": row.entity_type,
        "prev_hash": row.prev_hash,
        "seq": row.seq,
    }
    data = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def _add_operator(world: World, person_id: str = "A001") -> None:
    staff.add_staff_member(
        world.session,
        world.vendor_admin,
        world.contract.contract_id,
        person_id=person_id,
        name="Ann Op",
        role="operator",
        now=T0,
    )


def test_a_clean_history_verifies_and_each_hash_follows_the_rule(world: World) -> None:
    _add_operator(world)
    world.session.commit()
    report = audit.verify(world.session)
    assert report.ok, report.problems
    entries = world.session.query(AuditEntry).order_by(AuditEntry.seq).all()
    # 3 organizations + 6 users + 1 contract and its 1 version of terms + 1 staff member
    assert len(entries) == report.entries == 12
    previous = "0" * 64
    for entry in entries:
        assert entry.prev_hash == previous
        assert entry.entry_hash == _independent_hash(entry)
        previous = entry.entry_hash
    assert report.head_hash == previous


def test_an_edited_entry_is_found(world: World) -> None:
    _add_operator(world)
    world.session.flush()
    world.session.execute(text("UPDATE audit_log SET actor = 'someone@else.example' WHERE seq = 4"))
    report = audit.verify(world.session)
    assert [p.kind for p in report.problems] == ["entry-edited"]
    assert report.problems[0].seq == 4


def test_a_deleted_entry_is_found(world: World) -> None:
    _add_operator(world)
    world.session.flush()
    world.session.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    kinds = {p.kind for p in audit.verify(world.session).problems}
    # the gap, the broken link, and the user row the deleted entry had created
    assert {"missing-entry", "chain-broken", "created-unaudited"} <= kinds


def test_a_row_changed_behind_the_services_back_is_found(world: World) -> None:
    _add_operator(world)
    world.session.flush()
    world.session.execute(text("UPDATE staff_members SET role = 'supervisor'"))
    problems = audit.verify(world.session).problems
    assert [(p.kind, p.entity_type) for p in problems] == [("changed-unaudited", "staff_members")]
    assert "role" in problems[0].message


def test_a_password_changed_behind_the_back_is_found_though_never_logged(world: World) -> None:
    world.session.execute(
        text("UPDATE users SET password_hash = 'x' WHERE email = 'eve@other.example'")
    )
    problems = audit.verify(world.session).problems
    assert [(p.kind, p.entity_type) for p in problems] == [("changed-unaudited", "users")]
    logged = world.session.query(AuditEntry).filter_by(entity_type="users").all()
    assert all(
        entry.after and entry.after["password_hash"].startswith("sha256:") for entry in logged
    )


def test_rows_inserted_or_deleted_behind_the_back_are_found(world: World) -> None:
    _add_operator(world)
    world.session.flush()
    contract_pk = world.contract.id
    world.session.execute(
        text(
            "INSERT INTO staff_members (contract_pk, person_id, name, role, active) "
            "VALUES (:c, 'GHOST', 'Ghost', 'operator', true)"
        ),
        {"c": contract_pk},
    )
    world.session.execute(text("DELETE FROM staff_members WHERE person_id = 'A001'"))
    kinds = sorted(p.kind for p in audit.verify(world.session).problems)
    assert kinds == ["created-unaudited", "deleted-unaudited"]


def test_only_auditors_and_admins_may_verify(world: World) -> None:
    require_role(world.auditor, Action.VERIFY_AUDIT)
    with pytest.raises(PermissionDenied, match="client_viewer"):
        require_role(world.client_viewer, Action.VERIFY_AUDIT)


def _log_as_before_withdrawals_existed(world: World) -> None:
    """Rewrite the chain as a database migrated past 0003 holds it: the AHT measures' entries
    were written before ``withdrawn_on`` existed, so their states lack it (each later entry's
    hash is written again, as the chain would have been)."""
    prev_hash = audit.GENESIS_HASH
    for entry in world.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        if entry.entity_type == "aht_measures":
            entry.after = {k: v for k, v in (entry.after or {}).items() if k != "withdrawn_on"}
        entry.prev_hash = prev_hash
        entry.entry_hash = prev_hash = _independent_hash(entry)
    world.session.flush()


def test_a_column_added_after_an_entry_reads_as_null_in_it(world: World) -> None:
    aht.sync_planned_measures(world.session, world.client_admin, world.contract.contract_id, now=T0)
    _log_as_before_withdrawals_existed(world)
    report = audit.verify(world.session)
    assert report.ok, report.problems
    # a value set there behind the services' back is still found
    world.session.execute(text("UPDATE aht_measures SET withdrawn_on = '2027-07-01'"))
    problems = audit.verify(world.session).problems
    assert [(p.kind, p.entity_type) for p in problems] == [
        ("changed-unaudited", "aht_measures")
    ] * 2
    assert all("in withdrawn_on" in p.message for p in problems)


def test_a_held_head_hash_catches_a_consistently_rewritten_chain(world: World) -> None:
    """Whoever holds the database can rewrite every entry from an earlier one on and re-hash
    the rest: `verify` alone then finds nothing, but the head a party was given earlier is
    gone from the chain."""
    from callpact.governance.audit.models import AuditEntry
    from callpact.governance.audit.service import entry_hash, head_hash, position_of, verify

    session = world.session
    session.flush()
    held = head_hash(session)
    assert position_of(session, held) is not None
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    prev = entries[2].prev_hash
    for number, entry in enumerate(entries[2:]):
        if number == 0:
            entry.actor = "someone-else@northwind.example"  # the rewrite
        entry.prev_hash = prev
        entry.entry_hash = entry_hash(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            action=entry.action,
            before=entry.before,
            after=entry.after,
            prev_hash=prev,
        )
        prev = entry.entry_hash
    session.flush()
    assert verify(session).problems == []  # consistent: the chain alone cannot tell
    assert position_of(session, held) is None  # the holder of the old head can
    assert position_of(session, head_hash(session)) == entries[-1].seq
