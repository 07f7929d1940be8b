"""Migrations build the schema from an empty SQLite file and match the models exactly; a
database holding contracts upgrades with their data (on SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from governance_world import annex_terms
from sqlalchemy import JSON, Engine, column, insert, inspect, select, table, text
from sqlalchemy.orm import Session

from callpact.governance.database import (
    current_revision,
    downgrade,
    make_engine,
    schema_differences,
    upgrade,
)
from callpact.governance.models import AhtMeasure, Base, GovernedContract


def test_migrations_run_from_an_empty_sqlite_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert current_revision(engine) is None
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
        assert current_revision(engine) is not None
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {
            "alembic_version"
        }
        assert schema_differences(engine) == []
        downgrade(engine)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database with no table yet: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "postgres":
        factory: Callable[[], Engine] = request.getfixturevalue("postgres_schema_factory")
        yield factory()
        return
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


def test_upgrading_makes_a_registered_contracts_terms_its_first_version(
    empty_engine: Engine,
) -> None:
    """A contract registered before versions existed keeps its terms, as version 1 effective
    from their start, and every rule reads them as before."""
    upgrade(empty_engine, "0001")
    terms = annex_terms()
    at = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
    with empty_engine.begin() as connection:
        organizations = table(
            "organizations", column("id"), column("name"), column("kind"), column("created_at")
        )
        connection.execute(
            insert(organizations),
            [
                {"id": 1, "name": "Northwind Health Plan", "kind": "client", "created_at": at},
                {"id": 2, "name": "Harbor Contact Solutions", "kind": "vendor", "created_at": at},
            ],
        )
        contracts = table(
            "governed_contracts",
            column("id"),
            column("contract_id"),
            column("client_org_id"),
            column("vendor_org_id"),
            column("terms_json", JSON()),
            column("registered_at"),
        )
        connection.execute(
            insert(contracts).values(
                id=7,
                contract_id=terms.contract_id,
                client_org_id=1,
                vendor_org_id=2,
                terms_json=terms.to_json(),
                registered_at=at,
            )
        )
    upgrade(empty_engine)
    assert schema_differences(empty_engine) == []
    with Session(empty_engine) as session:
        contract = session.scalars(select(GovernedContract)).one()
        [version] = contract.terms_versions
        assert (version.contract_pk, version.effective_from) == (7, date(2027, 1, 1))
        assert version.terms_json == terms.to_json()
        assert contract.terms_on(date(2027, 9, 1)) == terms
        assert contract.terms == terms
    downgrade(empty_engine, "0001")
    assert "governed_contract_terms" not in inspect(empty_engine).get_table_names()
    with Session(empty_engine) as session:
        stored = session.execute(text("SELECT count(*) FROM governed_contracts")).scalar_one()
        assert stored == 1


def test_upgrading_keeps_every_aht_measure_in_the_plan(empty_engine: Engine) -> None:
    """Measures stored before withdrawals existed stay in the plan (``withdrawn_on`` null) with
    all they held; downgrading drops the column and keeps the measures."""
    upgrade(empty_engine, "0002")
    terms = annex_terms()
    at = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
    with empty_engine.begin() as connection:
        connection.execute(
            insert(
                table(
                    "organizations",
                    column("id"),
                    column("name"),
                    column("kind"),
                    column("created_at"),
                )
            ),
            [
                {"id": 1, "name": "Northwind Health Plan", "kind": "client", "created_at": at},
                {"id": 2, "name": "Harbor Contact Solutions", "kind": "vendor", "created_at": at},
            ],
        )
        connection.execute(
            insert(
                table(
                    "governed_contracts",
                    column("id"),
                    column("contract_id"),
                    column("client_org_id"),
                    column("vendor_org_id"),
                    column("terms_json", JSON()),
                    column("registered_at"),
                )
            ).values(
                id=7,
                contract_id=terms.contract_id,
                client_org_id=1,
                vendor_org_id=2,
                terms_json=terms.to_json(),
                registered_at=at,
            )
        )
        measures = table(
            "aht_measures",
            *(
                column(name)
                for name in (
                    "id",
                    "contract_pk",
                    "measure_ref",
                    "what",
                    "owner",
                    "due_on",
                    "expected_s",
                    "status",
                    "completed_on",
                )
            ),
        )
        connection.execute(
            insert(measures),
            [
                {
                    "id": 1,
                    "contract_pk": 7,
                    "measure_ref": "kb-search",
                    "what": "knowledge-base search",
                    "owner": "client",
                    "due_on": date(2027, 2, 15),
                    "expected_s": -15,
                    "status": "done",
                    "completed_on": date(2027, 2, 10),
                },
                {
                    "id": 2,
                    "contract_pk": 7,
                    "measure_ref": "acw-macros",
                    "what": "wrap-up macros",
                    "owner": "vendor",
                    "due_on": date(2027, 3, 31),
                    "expected_s": -20,
                    "status": "in_progress",
                    "completed_on": None,
                },
            ],
        )
    upgrade(empty_engine)
    assert schema_differences(empty_engine) == []
    with Session(empty_engine) as session:
        stored = session.scalars(select(AhtMeasure).order_by(AhtMeasure.id)).all()
        assert [(m.measure_ref, m.status, m.completed_on, m.withdrawn_on) for m in stored] == [
            ("kb-search", "done", date(2027, 2, 10), None),
            ("acw-macros", "in_progress", None, None),
        ]
    downgrade(empty_engine, "0002")
    assert "withdrawn_on" not in {
        c["name"] for c in inspect(empty_engine).get_columns("aht_measures")
    }
    with Session(empty_engine) as session:
        kept = session.execute(text("SELECT count(*) FROM aht_measures")).scalar_one()
        assert kept == 2
