"""Server-side sessions end when the user is disabled; every sign-in is in the audit chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from callpact.governance.audit.models import AuditEntry
from callpact.governance.audit.service import verify
from callpact.governance.database import make_engine, session_factory
from callpact.governance.organization.models import User
from callpact.web import Settings, create_app
from callpact.web.deps import CSRF_COOKIE, CSRF_HEADER
from conftest import OWN, PASSWORD, Portal

USER = "auditor@harbor.example"


@pytest.fixture
def browser(portal: Portal) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=portal.database_url, data_dir=portal.data_dir))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _set_active(portal: Portal, active: bool) -> None:
    engine = make_engine(portal.database_url)
    with session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.email == USER)).one()
        user.active = active
        session.commit()
    engine.dispose()


def test_a_disabled_users_session_stops_on_the_next_request(
    browser: TestClient, portal: Portal
) -> None:
    browser.get("/login")
    browser.post(
        "/login",
        data={"email": USER, "password": PASSWORD},
        headers={CSRF_HEADER: browser.cookies[CSRF_COOKIE]},
    )
    assert browser.get(f"/contracts/{OWN}", follow_redirects=False).status_code == 200
    _set_active(portal, False)
    try:
        after = browser.get(f"/contracts/{OWN}", follow_redirects=False)
        assert after.status_code == 303
        assert after.headers["location"] == "/login"
    finally:
        _set_active(portal, True)


def test_sign_ins_and_refusals_are_audited_and_the_chain_still_verifies(
    browser: TestClient, portal: Portal
) -> None:
    browser.get("/login")
    csrf = {CSRF_HEADER: browser.cookies[CSRF_COOKIE]}
    browser.post("/login", data={"email": USER, "password": "not the password"}, headers=csrf)
    browser.post("/login", data={"email": USER, "password": PASSWORD}, headers=csrf)
    engine = make_engine(portal.database_url)
    with session_factory(engine)() as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "authentication", AuditEntry.actor == USER)
            .order_by(AuditEntry.seq)
        ).all()
        report = verify(session)
    engine.dispose()
    assert [e.action for e in entries][-2:] == ["refused", "signed_in"]
    assert report.problems == []
