"""Fixtures shared by every test folder: a PostgreSQL schema of one's own.

PostgreSQL is part of the test environment (``CALLPACT_TEST_DATABASE_URL``, by default the local
server's ``test`` database): an unreachable server fails the tests that need it, never skips
them. Each user gets a uniquely named schema, dropped afterwards, so parallel workers and other
runs never collide."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, text

from callpact.governance.database import make_engine

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Password hashing at test cost; the production parameters are tested where they matter
# (test_identity.py lifts this for its rehash test).
os.environ.setdefault("CALLPACT_CHEAP_PASSWORD_HASH", "1")


def postgres_url() -> str:
    return os.environ.get("CALLPACT_TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


@pytest.fixture(scope="session")
def postgres_schema_factory() -> Iterator[Callable[[], Engine]]:
    """Call it to get an engine bound to a fresh schema; every schema is dropped at the end."""
    url = postgres_url()
    admin = make_engine(url)
    made: list[tuple[Engine, str]] = []

    def new_schema() -> Engine:
        schema = f"cp_test_{uuid.uuid4().hex[:12]}"
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as error:  # the server must be there: fail, never skip
            pytest.fail(f"PostgreSQL at {url} is unreachable or refused: {error}")
        engine = make_engine(url, schema=schema)
        made.append((engine, schema))
        return engine

    yield new_schema
    for engine, schema in made:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
