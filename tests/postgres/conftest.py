"""PostgreSQL tests: a uniquely named schema per test, dropped after. Unreachable server = fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from callpact.governance.database import make_engine

DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def empty_postgres_schema() -> Iterator[Engine]:
    url = os.environ.get("CALLPACT_TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL
    schema = f"cp_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # never skip: the server is part of the test environment
        admin.dispose()
        pytest.fail(f"PostgreSQL at {url} is unreachable or refused: {error}")
    engine = make_engine(url, schema=schema)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
