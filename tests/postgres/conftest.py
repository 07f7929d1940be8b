"""PostgreSQL tests: each starts from an empty schema of its own (see tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine


@pytest.fixture
def empty_postgres_schema(postgres_schema_factory: Callable[[], Engine]) -> Engine:
    return postgres_schema_factory()
