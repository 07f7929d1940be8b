"""Governance tests run on a SQLite file and, marked ``postgres``, on the server named by
``CALLPACT_TEST_DATABASE_URL`` — each in a schema of its own, dropped afterwards, with every test
inside a transaction that is rolled back, so parallel workers and other engineers never collide.
An unreachable PostgreSQL server fails these tests; it never skips them."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from governance_world import World, build_world
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from callpact.governance.database import make_engine, upgrade


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (cheaper than migrating each time)."""
    path = tmp_path_factory.mktemp("governance") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine(postgres_schema_factory: Callable[[], Engine]) -> Engine:
    engine = postgres_schema_factory()
    upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "governance.db"
        shutil.copy(sqlite_template, path)
        sqlite = make_engine(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
    else:
        yield request.getfixturevalue("postgres_engine")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One transaction per test, rolled back at the end (savepoints for the commits inside)."""
    connection = engine.connect()
    transaction = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    yield db
    db.close()
    transaction.rollback()
    connection.close()


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)
