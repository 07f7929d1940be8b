"""The authorization matrix, built from the app's own route table: every route × every role ×
own/other organization. A route with no declared rule fails, and so does any answer that lets a
role act beyond POLICY or shows another organization's contract as anything but missing."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from callpact.governance.organization.models import Role
from callpact.governance.organization.permissions import POLICY
from callpact.web import Settings, create_app
from callpact.web.rules import RouteEntry, Rule, route_table, rule_of
from conftest import OTHER, OWN, PARTIES, Portal, bearer, email

# Served by the framework itself, public by nature: the API's schema and the static assets.
FRAMEWORK_PUBLIC = {("GET", "/api/v1/openapi.json"), ("GET", "/static/{path}")}
PATH_VALUES = {
    "month": "2027-03",
    "dispute_id": "999999",
    "path": "portal.css",
    "board": "removals",
    # a lifecycle step on a month with no statement: the permission answers first, and a
    # holder's 404 changes nothing the other tests read
    "statement": "2027-04",
}
# A valid request body for each state change, so that what answers is the permission check.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/tokens"): {"json": {"email": "x@y.example", "password": "wrong one"}},
    ("POST", "/api/v1/contracts/{contract_id}/disputes"): {
        "json": {"month": "2027-03", "line_id": "credit:sl-voice", "reason": "matrix"}
    },
    ("POST", "/api/v1/contracts/{contract_id}/disputes/{dispute_id}/resolution"): {
        "json": {"resolution": "rejected", "note": "matrix"}
    },
    ("POST", "/login"): {"data": {"email": "x@y.example", "password": "wrong one"}},
    ("POST", "/contracts/{contract_id}/disputes"): {
        "data": {"month": "2027-03", "line_id": "credit:sl-voice", "reason": "matrix"}
    },
    ("POST", "/contracts/{contract_id}/disputes/{dispute_id}/resolution"): {
        "data": {"resolution": "rejected", "note": "matrix"}
    },
}
NOT_VISIBLE = "is visible to you"


def undeclared(app: FastAPI) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in route_table(app)
        if rule_of(r.endpoint) is None and (r.method, r.path) not in FRAMEWORK_PUBLIC
    ]


def test_every_route_declares_its_rule(web: TestClient) -> None:
    assert isinstance(web.app, FastAPI)
    assert undeclared(web.app) == []


def test_a_route_added_without_a_rule_is_caught(portal: Portal) -> None:
    app = create_app(Settings(database_url=portal.database_url, data_dir=portal.data_dir))

    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    assert undeclared(app) == ["GET /api/v1/forgotten"]


def _routes() -> list[RouteEntry]:
    app = create_app(Settings(database_url="sqlite://"))
    return [r for r in route_table(app) if (r.method, r.path) not in FRAMEWORK_PUBLIC]


def _url(entry: RouteEntry, contract_id: str) -> str:
    return entry.path.format(contract_id=contract_id, **PATH_VALUES)


def _call(web: TestClient, entry: RouteEntry, url: str, headers: dict[str, str]) -> Any:
    extra = BODIES.get((entry.method, entry.path), {})
    return web.request(entry.method, url, headers=headers, follow_redirects=False, **extra)


@pytest.fixture(scope="module")
def tokens(web: TestClient, portal: Portal) -> dict[str, dict[str, str]]:
    return {user: bearer(web, user) for user, _role in portal.users(OWN)}


@pytest.mark.parametrize("entry", _routes(), ids=lambda e: f"{e.method} {e.path}")
def test_matrix(
    entry: RouteEntry, web: TestClient, portal: Portal, tokens: dict[str, dict[str, str]]
) -> None:
    declared = rule_of(entry.endpoint)
    assert isinstance(declared, Rule)
    anonymous = _call(web, entry, _url(entry, OWN), {})
    if declared.kind == "public":
        assert anonymous.status_code < 500
        return
    # Without credentials: 401 (a page sends the browser to sign in).
    assert anonymous.status_code in (401, 303), anonymous.text
    if anonymous.status_code == 303:
        assert anonymous.headers["location"] == "/login"
    for user, role in portal.users(OWN):
        headers = tokens[user]
        if declared.kind == "signed_in":
            assert _call(web, entry, _url(entry, OWN), headers).status_code < 400
            continue
        assert declared.action is not None
        other = _call(web, entry, _url(entry, OTHER), headers)
        assert other.status_code == 404, f"{user} sees {OTHER}: {other.status_code}"
        assert NOT_VISIBLE in other.text
        own = _call(web, entry, _url(entry, OWN), headers)
        if Role(role) in POLICY[declared.action]:
            assert own.status_code not in (401, 403, 500), f"{user}: {own.status_code} {own.text}"
            assert NOT_VISIBLE not in own.text
        else:
            assert own.status_code == 403, f"{user} ({role}) got {own.status_code}: {own.text}"


def test_the_other_contracts_users_are_refused_ours_too(web: TestClient, portal: Portal) -> None:
    """The matrix seen from the other side: every user of the other contract gets 404 on ours."""
    for user, _role in portal.users(OTHER):
        answer = web.get(f"/api/v1/contracts/{OWN}/disputes", headers=bearer(web, user))
        assert answer.status_code == 404
    assert email(PARTIES[OTHER][1], "auditor") in [u for u, _ in portal.users(OTHER)]
