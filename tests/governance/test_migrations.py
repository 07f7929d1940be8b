"""Migrations build the schema from an empty SQLite file and match the models exactly."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect

from callpact.governance.database import (
    current_revision,
    downgrade,
    make_engine,
    schema_differences,
    upgrade,
)
from callpact.governance.models import Base


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
