"""The JSON API: tokens, the one error shape, separation between organizations."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from callpact.governance.audit.models import AuditEntry
from callpact.governance.database import make_engine, session_factory
from conftest import OTHER, OWN, PASSWORD, Portal, bearer

PROBLEM = "application/problem+json"


def test_a_token_for_the_right_password_and_one_answer_for_any_wrong_one(web: TestClient) -> None:
    headers = bearer(web, "client_admin@northwind.example")
    me = web.get("/api/v1/me", headers=headers)
    assert me.json() == {
        "email": "client_admin@northwind.example",
        "organization": "Northwind Health Plan",
        "side": "client",
        "role": "client_admin",
    }
    wrong = web.post(
        "/api/v1/tokens",
        json={"email": "client_admin@northwind.example", "password": "not it at all"},
    )
    unknown = web.post(
        "/api/v1/tokens", json={"email": "nobody@nowhere.example", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    # No user enumeration: the same words whether or not the account exists.
    assert wrong.json()["detail"] == unknown.json()["detail"]
    assert wrong.headers["content-type"] == PROBLEM


def test_without_credentials_401_as_a_problem(web: TestClient) -> None:
    answer = web.get(f"/api/v1/contracts/{OWN}")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == PROBLEM
    body = answer.json()
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def _refusals(portal: Portal) -> list[AuditEntry]:
    engine = make_engine(portal.database_url)
    with session_factory(engine)() as session:
        found = list(
            session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "authorization"))
        )
    engine.dispose()
    return found


def test_another_organizations_contract_is_404_with_the_words_of_a_missing_one(
    web: TestClient, portal: Portal
) -> None:
    headers = bearer(web, "vendor_admin@harbor.example")
    other = web.get(f"/api/v1/contracts/{OTHER}", headers=headers)
    missing = web.get("/api/v1/contracts/no-such-contract", headers=headers)
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"].replace(OTHER, "X") == missing.json()["detail"].replace(
        "no-such-contract", "X"
    )
    listed = web.get("/api/v1/contracts", headers=headers).json()
    assert [c["contract_id"] for c in listed["items"]] == [OWN]
    assert listed["total"] == 1
    # The refusal is audited; a month with no statement on one's own contract is not a refusal.
    web.get(f"/api/v1/contracts/{OWN}/statements/2026-01", headers=headers)
    refused = [(e.actor, e.action, e.entity_id) for e in _refusals(portal)]
    who = "vendor_admin@harbor.example"
    assert (who, "refused_404", f"GET /api/v1/contracts/{OTHER}") in refused
    assert not any(entity.endswith("/statements/2026-01") for _, _, entity in refused)


def test_bad_input_is_422_naming_the_field(web: TestClient) -> None:
    headers = bearer(web, "client_admin@northwind.example")
    answer = web.post(
        f"/api/v1/contracts/{OWN}/disputes",
        headers=headers,
        json={"month": "2027-13", "line_id": "credit:sl-voice", "reason": "x"},
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "month"
    paged = web.get(f"/api/v1/contracts/{OWN}/disputes", headers=headers, params={"per_page": 0})
    assert paged.status_code == 422
    assert paged.json()["field"] == "per_page"


def test_a_dispute_opened_by_the_client_is_answered_by_the_vendor_only(
    web: TestClient, portal: Portal
) -> None:
    client = bearer(web, "client_admin@northwind.example")
    vendor = bearer(web, "vendor_admin@harbor.example")
    opened = web.post(
        f"/api/v1/contracts/{OWN}/disputes",
        headers=client,
        json={
            "month": "2027-03",
            "line_id": "credit:sl-voice",
            "reason": "the outage on the 12th was ours, not the vendor's",
        },
    )
    assert opened.status_code == 201, opened.text
    dispute_id = opened.json()["id"]
    path = f"/api/v1/contracts/{OWN}/disputes/{dispute_id}/resolution"
    by_opener = web.post(path, headers=client, json={"resolution": "upheld", "note": "x"})
    assert by_opener.status_code == 403
    resolved = web.post(
        path, headers=vendor, json={"resolution": "rejected", "note": "the outage was on our side"}
    )
    assert resolved.status_code == 200
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_by"] == "vendor_admin@harbor.example"
    # The refused attempt is in the audit chain.
    refused = _refusals(portal)
    assert any(
        e.actor == "client_admin@northwind.example"
        and e.action == "refused_403"
        and e.entity_id == f"POST {path}"
        for e in refused
    )


def test_statements_list_and_document(web: TestClient) -> None:
    headers = bearer(web, "client_viewer@northwind.example")
    listed = web.get(f"/api/v1/contracts/{OWN}/statements", headers=headers).json()
    assert [s["period"] for s in listed["items"]] == ["2027-03"]
    document = web.get(f"/api/v1/contracts/{OWN}/statements/2027-03", headers=headers).json()
    assert document["contract_id"] == OWN
    assert (
        web.get(f"/api/v1/contracts/{OWN}/statements/2027-02", headers=headers).status_code == 404
    )


def test_openapi_is_served_and_lists_the_api_only(web: TestClient) -> None:
    schema = web.get("/api/v1/openapi.json").json()
    assert "/api/v1/tokens" in schema["paths"]
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
