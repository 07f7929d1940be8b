"""The governance boards over the demo's seeded history: each board lists what its service lists,
as of the seed's moment, and downloads as CSV with one row per record."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from callpact.governance.database import make_engine, session_factory, upgrade
from callpact.governance.incident.service import list_incidents
from callpact.governance.organization.service import actor_for, cheap_password_hasher
from callpact.governance.removal.service import list_removals
from callpact.governance.seed import seed_demo_history
from callpact.web import Settings, create_app
from callpact.web.deps import CSRF_COOKIE, CSRF_HEADER
from conftest import annex_terms

CONTRACT = "northwind-harbor-2027"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, int]]]:
    folder = tmp_path_factory.mktemp("seeded")
    url = f"sqlite:///{folder / 'seeded.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with session_factory(engine)() as session:
        result = seed_demo_history(
            session,
            annex_terms(CONTRACT),
            client="Northwind Health Plan",
            vendor="Harbor Contact Solutions",
            agent_ids=[f"A{i:03}" for i in range(1, 13)],
            password="demo-password",
            hasher=cheap_password_hasher(),
        )
        session.commit()
        viewer = actor_for(session, result.users["client_viewer"])
        counts = {
            "removals": len(list_removals(session, viewer, CONTRACT, now=result.as_of)),
            "incidents": len(list_incidents(session, viewer, CONTRACT, now=result.as_of)),
        }
    engine.dispose()
    app = create_app(Settings(database_url=url, data_dir=folder, clock=lambda: result.as_of))
    with TestClient(app, base_url="https://testserver") as client:
        client.get("/login")
        signed = client.post(
            "/login",
            data={"email": result.users["client_viewer"], "password": "demo-password"},
            headers={CSRF_HEADER: client.cookies[CSRF_COOKIE]},
            follow_redirects=False,
        )
        assert signed.status_code == 303
        yield client, counts


def test_each_board_downloads_one_row_per_record(seeded: tuple[TestClient, dict[str, int]]) -> None:
    client, counts = seeded
    assert counts["removals"] > 0
    assert counts["incidents"] > 0
    for board, expected in counts.items():
        answer = client.get(f"/contracts/{CONTRACT}/governance/{board}.csv")
        assert answer.status_code == 200
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert len(rows) == expected


def test_the_seeded_overdue_removal_and_unreported_incident_show(
    seeded: tuple[TestClient, dict[str, int]],
) -> None:
    client, _counts = seeded
    page = client.get(f"/contracts/{CONTRACT}/governance")
    assert page.status_code == 200
    removals = page.text.split('id="removals"')[1].split("</section>")[0]
    assert "overdue" in removals  # the seed leaves one removal request unanswered past its clock
    incidents = page.text.split('id="incidents"')[1].split("</section>")[0]
    assert "unreported" in incidents
    assert client.get(f"/contracts/{CONTRACT}/governance/nothing.csv").status_code == 404
