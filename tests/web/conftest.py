"""Two contracts with no party in common, a user for every role of all four organizations, the
hand-worked March statement settled for each, and the portal served over them in-process."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from callpact.cli.main import _register
from callpact.cli.main import app as cli
from callpact.governance.contract.service import register_contract
from callpact.governance.database import make_engine, session_factory, upgrade
from callpact.governance.organization.service import (
    actor_for,
    add_organization,
    add_user,
    cheap_password_hasher,
)
from callpact.governance.statement import service as statements
from callpact.governance.statement.rules import Step
from callpact.web import Settings, create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "governance"))
sys.path.insert(0, str(Path(__file__).parents[1] / "settlement"))
from governance_world import T0, annex_terms

ANNEX = Path(__file__).parents[2] / "examples" / "annex.yaml"
PASSWORD = "correct horse battery"
OWN = "northwind-harbor-2027"
OTHER = "contoso-fabrikam-2027"
ROLES = {
    "client": ("client_admin", "client_viewer", "auditor"),
    "vendor": ("vendor_admin", "vendor_manager", "auditor"),
}
PARTIES = {
    OWN: ("Northwind Health Plan", "northwind", "Harbor Contact Solutions", "harbor"),
    OTHER: ("Contoso Insurance", "contoso", "Fabrikam Outsourcing", "fabrikam"),
}


def email(slug: str, role: str) -> str:
    return f"{role}@{slug}.example"


@dataclass(frozen=True)
class Portal:
    database_url: str
    data_dir: Path

    def users(self, contract_id: str) -> list[tuple[str, str]]:
        """(e-mail, role) of every user of the contract's two organizations."""
        _client, client_slug, _vendor, vendor_slug = PARTIES[contract_id]
        return [(email(client_slug, r), r) for r in ROLES["client"]] + [
            (email(vendor_slug, r), r) for r in ROLES["vendor"]
        ]


def _settled_march(folder: Path) -> dict[str, object]:
    from settlement_helpers import automatic_cure_annex
    from test_settlement_cli import CONTACTS, INCIDENTS, RESULTS  # the hand-worked case

    data = folder / "settle-input"
    data.mkdir()
    (data / "contacts.csv").write_text(CONTACTS)
    (data / "incidents.csv").write_text(INCIDENTS)
    (folder / "results.json").write_text(json.dumps(RESULTS))
    _register()
    result = CliRunner().invoke(
        cli,
        [
            "settle",
            str(automatic_cure_annex(folder)),
            "--data",
            str(data),
            "--period",
            "2027-03",
            "--results",
            str(folder / "results.json"),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Portal:
    return build_portal(tmp_path_factory.mktemp("portal"))


def build_portal(folder: Path) -> Portal:
    """The two contracts' database and statements in ``folder``."""
    url = f"sqlite:///{folder / 'portal.db'}"
    march = _settled_march(folder)
    engine = make_engine(url)
    upgrade(engine)
    hasher = cheap_password_hasher()
    with session_factory(engine)() as session:
        for contract_id, (client, client_slug, vendor, vendor_slug) in PARTIES.items():
            add_organization(session, client, "client", now=T0)
            add_organization(session, vendor, "vendor", now=T0)
            for org, slug, kind in (
                (client, client_slug, "client"),
                (vendor, vendor_slug, "vendor"),
            ):
                for role in ROLES[kind]:
                    add_user(
                        session,
                        email=email(slug, role),
                        name=role,
                        organization=org,
                        role=role,
                        password=PASSWORD,
                        now=T0,
                        hasher=hasher,
                    )
            admin = actor_for(session, email(client_slug, "client_admin"))
            register_contract(
                session, admin, annex_terms(contract_id), client=client, vendor=vendor, now=T0
            )
            # March settled, stored and issued to the vendor for review
            statements.store_statement(
                session, admin, contract_id, {**march, "contract_id": contract_id}, now=T0
            )
            statements.take_step(session, admin, contract_id, "2027-03", Step.ISSUE, now=T0)
        session.commit()
    engine.dispose()
    (folder / "data").mkdir(parents=True, exist_ok=True)
    return Portal(url, folder / "data")


@pytest.fixture(scope="session")
def web(portal: Portal) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=portal.database_url, data_dir=portal.data_dir))
    # https: the session and CSRF cookies are Secure, so a client on http would never send them.
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def bearer(web: TestClient, user: str) -> dict[str, str]:
    answer = web.post("/api/v1/tokens", json={"email": user, "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    return {"authorization": f"Bearer {answer.json()['token']}"}
