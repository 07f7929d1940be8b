"""Sign-in, throttling, tokens and the password policy, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from governance_world import World
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from callpact.governance.audit import service as audit
from callpact.governance.audit.models import AuditEntry
from callpact.governance.identity import service as identity
from callpact.governance.identity.rules import (
    PER_ACCOUNT,
    ThrottleRule,
    password_problem,
    retry_after,
)
from callpact.governance.organization.models import User

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse"


def test_retry_after_hand_worked() -> None:
    rule = ThrottleRule(limit=3, window=timedelta(minutes=10), lockout=timedelta(minutes=5))
    t = NOW
    # two failures: still allowed
    assert retry_after([t, t + timedelta(minutes=1)], rule, now=t + timedelta(minutes=2)) is None
    fails = [t, t + timedelta(minutes=1), t + timedelta(minutes=4)]
    # the third at 09:04 locks until 09:09; at 09:06 three minutes remain
    assert retry_after(fails, rule, now=t + timedelta(minutes=6)) == 180
    assert retry_after(fails, rule, now=t + timedelta(minutes=9)) is None
    # failures older than the window no longer count
    assert retry_after(fails, rule, now=t + timedelta(minutes=11)) is None


def test_sign_in_and_refusals_look_alike(world: World, session: Session) -> None:
    actor = identity.authenticate(session, " ADA@northwind.example ", PASSWORD, now=NOW)
    assert actor.email == "ada@northwind.example"
    messages = []
    for email, password in [
        ("ada@northwind.example", "wrong horse"),
        ("nobody@northwind.example", PASSWORD),
    ]:
        with pytest.raises(identity.AuthenticationFailed) as refused:
            identity.authenticate(session, email, password, now=NOW)
        messages.append((str(refused.value), refused.value.code))
    identity.disable_user(session, "vic@northwind.example", now=NOW)
    with pytest.raises(identity.AuthenticationFailed) as refused:
        identity.authenticate(session, "vic@northwind.example", PASSWORD, now=NOW)
    messages.append((str(refused.value), refused.value.code))
    assert len(set(messages)) == 1
    assert messages[0][1] == "auth.failed"


def test_account_throttled_after_five_failures_then_free(world: World, session: Session) -> None:
    email = "val@harbor.example"
    for minute in range(PER_ACCOUNT.limit):
        with pytest.raises(identity.AuthenticationFailed):
            identity.authenticate(session, email, "bad", now=NOW + timedelta(minutes=minute))
    last = NOW + timedelta(minutes=PER_ACCOUNT.limit - 1)
    # even the right password is refused while locked: 15 minutes after the last failure
    with pytest.raises(identity.LoginThrottled) as throttled:
        identity.authenticate(session, email, PASSWORD, now=last + timedelta(minutes=5))
    assert throttled.value.retry_after == 10 * 60
    assert throttled.value.code == "auth.throttled"
    assert identity.authenticate(session, email, PASSWORD, now=last + timedelta(minutes=15))
    # a success resets the account's count
    with pytest.raises(identity.AuthenticationFailed):
        identity.authenticate(session, email, "bad", now=last + timedelta(minutes=16))


def test_address_throttled_across_accounts(world: World, session: Session) -> None:
    emails = [f"guess{n}@northwind.example" for n in range(20)]
    for n, email in enumerate(emails):
        with pytest.raises(identity.AuthenticationFailed):
            identity.authenticate(
                session, email, "bad", now=NOW + timedelta(seconds=n), address="203.0.113.9"
            )
    with pytest.raises(identity.LoginThrottled):
        identity.authenticate(
            session,
            "ada@northwind.example",
            PASSWORD,
            now=NOW + timedelta(minutes=1),
            address="203.0.113.9",
        )
    # another address is not affected
    assert identity.authenticate(
        session,
        "ada@northwind.example",
        PASSWORD,
        now=NOW + timedelta(minutes=1),
        address="198.51.100.1",
    )


def test_tokens_hashed_expiring_revocable(world: World, session: Session) -> None:
    issued = identity.issue_token(session, world.client_admin, purpose="api", now=NOW)
    session.flush()
    stored = session.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert issued.plaintext not in stored
    assert all(len(h) == 64 for h in stored)
    dump = " ".join(str(r) for r in session.execute(text("SELECT * FROM api_tokens")))
    assert issued.plaintext not in dump
    assert issued.expires_at == NOW + timedelta(days=30)
    who = identity.actor_for_token(session, issued.plaintext, now=NOW + timedelta(days=1))
    assert who.email == world.client_admin.email
    with pytest.raises(identity.AuthenticationFailed):  # another purpose
        identity.actor_for_token(session, issued.plaintext, now=NOW, purpose="session")
    with pytest.raises(identity.AuthenticationFailed):  # expired
        identity.actor_for_token(session, issued.plaintext, now=issued.expires_at)
    identity.revoke_token_id(session, world.client_admin, issued.token_id, now=NOW)
    with pytest.raises(identity.AuthenticationFailed):
        identity.actor_for_token(session, issued.plaintext, now=NOW + timedelta(hours=1))
    [info] = identity.list_tokens(session, world.client_admin)
    assert info.revoked_at == NOW
    assert info.last_used_at == NOW + timedelta(days=1)


def test_other_users_token_cannot_be_revoked_by_id(world: World, session: Session) -> None:
    issued = identity.issue_token(session, world.client_admin, purpose="api", now=NOW)
    with pytest.raises(identity.NotFound):
        identity.revoke_token_id(session, world.vendor_admin, issued.token_id, now=NOW)


def test_disabling_a_user_ends_every_session(world: World, session: Session) -> None:
    web = identity.issue_token(session, world.vendor_admin, purpose="session", now=NOW)
    api = identity.issue_token(session, world.vendor_admin, purpose="api", now=NOW)
    identity.disable_user(session, world.vendor_admin.email, now=NOW)
    for token, purpose in [(web, "session"), (api, "api")]:
        with pytest.raises(identity.AuthenticationFailed):
            identity.actor_for_token(session, token.plaintext, now=NOW, purpose=purpose)  # type: ignore[arg-type]
    assert all(t.revoked_at == NOW for t in identity.list_tokens(session, world.vendor_admin))


def test_events_are_in_the_chain_and_it_still_verifies(world: World, session: Session) -> None:
    identity.authenticate(session, "ada@northwind.example", PASSWORD, now=NOW)
    with pytest.raises(identity.AuthenticationFailed):
        identity.authenticate(session, "ada@northwind.example", "nope", now=NOW)
    token = identity.issue_token(session, world.client_admin, purpose="api", now=NOW)
    identity.actor_for_token(session, token.plaintext, now=NOW)
    session.flush()
    actions = [
        (e.entity_type, e.action)
        for e in session.scalars(select(AuditEntry).where(AuditEntry.at == NOW))
    ]
    assert ("authentication", "signed_in") in actions
    assert ("authentication", "refused") in actions
    assert ("token", "issue_api") in actions
    assert audit.verify(session).problems == []


def test_rehash_to_production_parameters_on_sign_in(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CALLPACT_CHEAP_PASSWORD_HASH", raising=False)
    identity.authenticate(session, "max@harbor.example", PASSWORD, now=NOW)
    user = session.scalars(select(User).where(User.email == "max@harbor.example")).one()
    assert "$argon2id$" in user.password_hash
    assert "m=19456,t=2,p=1" in user.password_hash
    assert identity.authenticate(session, "max@harbor.example", PASSWORD, now=NOW)
    assert audit.verify(session).problems == []


@pytest.mark.parametrize(
    ("password", "email", "refused"),
    [
        ("short1", "", True),
        ("password123", "", True),
        ("Summer2025", "", True),
        ("ada-lovelace-99", "ada.lovelace@northwind.example", False),
        ("lovelace77!", "lovelace@northwind.example", True),
        ("tide-pool-lantern", "ada@northwind.example", False),
    ],
)
def test_password_policy(password: str, email: str, refused: bool) -> None:
    assert (password_problem(password, email) is not None) is refused
