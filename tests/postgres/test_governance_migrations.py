"""Governance migrations from an empty PostgreSQL schema, and timestamptz round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from callpact.governance.database import (
    current_revision,
    downgrade,
    schema_differences,
    upgrade,
)
from callpact.governance.models import Base
from callpact.governance.organization.models import Organization

pytestmark = pytest.mark.postgres


def test_migrations_run_from_an_empty_postgres_schema(empty_postgres_schema: Engine) -> None:
    engine = empty_postgres_schema
    assert current_revision(engine) is None
    assert inspect(engine).get_table_names() == []
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    assert schema_differences(engine) == []
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert schema_differences(engine) == []


def test_instants_come_back_aware_and_equal(empty_postgres_schema: Engine) -> None:
    upgrade(empty_postgres_schema)
    chicago_winter = timezone(timedelta(hours=-6))
    moment = datetime(2027, 1, 31, 23, 59, 58, 123456, tzinfo=chicago_winter)
    with Session(empty_postgres_schema) as session:
        session.add(Organization(name="N", kind="client", created_at=moment))
        session.commit()
    with Session(empty_postgres_schema) as session:
        stored = session.scalars(select(Organization.created_at)).one()
    assert stored == moment
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2027, 2, 1, 5, 59, 58, 123456, tzinfo=UTC)
