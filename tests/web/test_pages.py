"""The portal in a browser's shoes: cookies, CSRF, sign-in and -out, the month and statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from callpact.web import Settings, create_app
from callpact.web.deps import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from conftest import OTHER, OWN, PASSWORD, Portal


@pytest.fixture
def browser(portal: Portal) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=portal.database_url, data_dir=portal.data_dir))
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def sign_in(client: TestClient, user: str) -> dict[str, str]:
    client.get("/login")
    csrf = {CSRF_HEADER: client.cookies[CSRF_COOKIE]}
    answer = client.post(
        "/login", data={"email": user, "password": PASSWORD}, headers=csrf, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    return csrf


def test_cookies_are_host_prefixed_secure_httponly_strict(browser: TestClient) -> None:
    first = browser.get("/login")
    csrf_cookie = first.headers["set-cookie"]
    assert csrf_cookie.startswith(f"{CSRF_COOKIE}=")
    assert "Secure" in csrf_cookie
    assert "SameSite=strict" in csrf_cookie or "SameSite=Strict" in csrf_cookie
    assert "Path=/" in csrf_cookie
    assert "Domain" not in csrf_cookie  # a __Host- cookie may not name one
    answer = browser.post(
        "/login",
        data={"email": "client_admin@northwind.example", "password": PASSWORD},
        headers={CSRF_HEADER: browser.cookies[CSRF_COOKIE]},
        follow_redirects=False,
    )
    session_cookie = answer.headers["set-cookie"]
    assert session_cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=strict", "Path=/"):
        assert attribute.lower() in session_cookie.lower()
    assert first.headers["content-security-policy"].startswith("default-src 'self'")


def test_sign_in_without_the_csrf_token_is_refused(browser: TestClient) -> None:
    browser.get("/login")
    answer = browser.post(
        "/login",
        data={"email": "client_admin@northwind.example", "password": PASSWORD},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert SESSION_COOKIE not in browser.cookies


def test_a_wrong_password_shows_the_form_again_with_one_message(browser: TestClient) -> None:
    browser.get("/login")
    answer = browser.post(
        "/login",
        data={"email": "nobody@x.example", "password": "whatever1"},
        headers={CSRF_HEADER: browser.cookies[CSRF_COOKIE]},
    )
    assert answer.status_code == 401
    assert "the e-mail or the password is wrong" in answer.text


def test_a_state_change_with_the_session_needs_the_csrf_token(browser: TestClient) -> None:
    csrf = sign_in(browser, "client_admin@northwind.example")
    form = {"month": "2027-03", "line_id": "credit:sl-voice", "reason": "forged?"}
    forged = browser.post(f"/contracts/{OWN}/disputes", data=form, follow_redirects=False)
    assert forged.status_code == 403
    real = browser.post(
        f"/contracts/{OWN}/disputes", data=form, headers=csrf, follow_redirects=False
    )
    assert real.status_code == 303
    assert real.headers["location"] == f"/contracts/{OWN}/statements/2027-03"


def test_sign_out_revokes_the_session(browser: TestClient) -> None:
    csrf = sign_in(browser, "vendor_admin@harbor.example")
    session = browser.cookies[SESSION_COOKIE]
    assert browser.get("/", follow_redirects=False).status_code == 200
    out = browser.post("/logout", headers=csrf, follow_redirects=False)
    assert out.status_code == 303
    browser.cookies.set(SESSION_COOKIE, session)  # the old cookie, kept by an attacker
    again = browser.get("/", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/login"


def test_month_at_a_glance_and_statement(browser: TestClient, portal: Portal) -> None:
    sign_in(browser, "client_viewer@northwind.example")
    home = browser.get("/")
    assert OWN in home.text
    assert OTHER not in home.text
    month = browser.get(f"/contracts/{OWN}")
    assert month.status_code == 200
    statement = browser.get(f"/api/v1/contracts/{OWN}/statements/2027-03").json()
    for kpi in statement["kpis"]:
        assert f'data-kpi="{kpi["kpi_id"]}"' in month.text
        assert kpi["label"] in month.text
    assert f"Net adjustment <strong>{statement['net_adjustment']}" in month.text
    page = browser.get(f"/contracts/{OWN}/statements/2027-03")
    for line in statement["lines"]:
        assert line["reason"] in page.text
    # The signed money lines add up to the invoice total the settlement wrote.
    assert f'<th class="num" data-total>{statement["invoice_total"]}</th>' in page.text
    assert "-1080.00" in page.text  # a credit lowers the invoice
    assert "(720.00)" in page.text  # a credit suspended under cure is shown apart, not added
    csv = browser.get(f"/contracts/{OWN}/statements/2027-03/lines.csv")
    assert csv.text.splitlines()[0] == "line_id,kind,kpi_id,incident_id,origin,amount,reason"
    assert len(csv.text.splitlines()) == len(statement["lines"]) + 1
    other = browser.get(f"/contracts/{OTHER}")
    assert other.status_code == 404


@pytest.mark.slow
def test_statement_pdf_downloads(browser: TestClient) -> None:
    sign_in(browser, "vendor_manager@harbor.example")
    pdf = browser.get(f"/contracts/{OWN}/statements/2027-03/statement.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"].endswith(f'"{OWN}-2027-03.pdf"')
