"""Real browser: Debian's chromium, headless, through Playwright, on the portal served by uvicorn.

The client signs in, opens the month, goes to the statement and disputes a line; the vendor
answers it. Screenshots of each main page land in docs/images/portal-*.png."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from callpact.web import Settings, create_app
from conftest import OWN, PASSWORD, build_portal

pytestmark = pytest.mark.browser
IMAGES = Path(__file__).parents[2] / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def _signed_in(browser: Any, served: str, email: str, *, shot: bool = False) -> tuple[Any, Any]:
    """A browser context of its own for one user, signed in through the form."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    # CI runs this beside the Spark and PostgreSQL tests on two cores: a page can take
    # seconds to answer, and Playwright's 5 s default then reads the page still on screen.
    context.set_default_timeout(60_000)
    page = context.new_page()
    page.goto(f"{served}/login")
    if shot:
        _screenshot(page, "portal-login.png")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{served}/")
    expect(page.locator("h1")).to_have_text("Your contracts")
    return context, page


def _screenshot(page: Any, name: str) -> None:
    """The whole page once it is idle (an htmx redirect may still be settling)."""
    page.wait_for_load_state("networkidle")
    page.screenshot(path=IMAGES / name, full_page=True, animations="disabled", timeout=60_000)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # A database of its own: the screenshots show this story only, not the other tests' records.
    portal = build_portal(tmp_path_factory.mktemp("browser"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(Settings(database_url=portal.database_url, data_dir=portal.data_dir))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the portal did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_client_disputes_a_line_and_the_vendor_answers(
    served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect, sync_playwright

    # The pages load no web font; waiting on document.fonts.ready now and then stalls headless
    # chromium on a loaded machine for the whole 30 s, so the screenshots skip that wait.
    monkeypatch.setenv("PW_TEST_SCREENSHOT_NO_FONTS_READY", "1")

    expect.set_options(timeout=30_000)
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            client, page = _signed_in(browser, served, "client_admin@northwind.example", shot=True)
            page.click(f"text={OWN}")
            expect(page.locator(".tile").first).to_be_visible()
            _screenshot(page, "portal-month.png")
            page.click("text=Statement for 2027-03")
            expect(page.locator("#lines")).to_be_visible()
            line = page.locator("#lines tbody tr", has=page.locator("details")).first
            line.locator("summary").click()
            line.locator("textarea").fill("Network outage of 12 March, on the client side.")
            line.locator("button").click()
            expect(page.locator("#disputes")).to_contain_text("Network outage of 12 March")
            client.close()

            vendor, page = _signed_in(browser, served, "vendor_admin@harbor.example")
            page.goto(f"{served}/contracts/{OWN}/statements/2027-03")
            thread = page.locator("[data-dispute]", has_text="Network outage of 12 March").first
            thread.locator("select[name=resolution]").select_option("upheld")
            thread.locator("input[name=note]").fill("Agreed: the line is withdrawn.")
            thread.locator("button").click()
            expect(
                page.locator("[data-dispute]", has_text="Network outage of 12 March").first
            ).to_contain_text("upheld")
            # the upheld dispute issued a debit note; the vendor accepts it
            expect(page.locator("#lifecycle")).to_contain_text("v2")
            expect(page.locator("#lifecycle")).to_contain_text("debit note")
            page.click("button[data-step=accept]")
            expect(page.locator("#lifecycle")).to_contain_text("accepted by vendor_admin")
            vendor.close()

            client, page = _signed_in(browser, served, "client_admin@northwind.example")
            page.goto(f"{served}/contracts/{OWN}/statements/2027-03")
            page.click("button[data-step=approve]")
            expect(page.locator("[data-state]")).to_have_text("approved")
            page.click("button[data-step=finalize]")
            expect(page.locator("[data-state]")).to_have_text("final")
            _screenshot(page, "portal-statement.png")
            with page.expect_download() as download:
                page.click("text=Download PDF")
            assert download.value.suggested_filename == f"{OWN}-2027-03.pdf"
            from pypdf import PdfReader

            first_page = PdfReader(download.value.path()).pages[0].extract_text()
            assert "version 2" in first_page
            assert "approved by client_admin@northwind.example" in first_page
            client.close()
        finally:
            browser.close()
