"""The governance database: declarative base, portable column types, engine and migrations.

The database is named by a SQLAlchemy URL: ``--database-url``, else ``CALLPACT_DATABASE_URL``,
else ``sqlite:///callpact.db`` (a file in the current directory). PostgreSQL
(``postgresql+psycopg://user@host/db``) is the production database; both run the same migrations.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

DEFAULT_DATABASE_URL = "sqlite:///callpact.db"
DATABASE_URL_ENV = "CALLPACT_DATABASE_URL"
DATABASE_SCHEMA_ENV = "CALLPACT_DATABASE_SCHEMA"

# Stable constraint names, so that migrations can alter them on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC and always read back timezone-aware.

    SQLite has no time zones, so the value is stored as naive UTC there; PostgreSQL keeps
    ``timestamptz``. A naive datetime is refused: the caller must say which instant it means.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: governance times must be timezone-aware")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal stored as its exact text: the same on SQLite (no decimals) and PostgreSQL."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return str(Decimal(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value)


def database_url(explicit: str | None = None) -> str:
    """The URL in force: the explicit one, else ``CALLPACT_DATABASE_URL``, else the default."""
    return explicit or os.environ.get(DATABASE_URL_ENV) or DEFAULT_DATABASE_URL


_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def make_engine(url: str | None = None, *, schema: str | None = None, **kwargs: Any) -> Engine:
    """An engine for the governance database; on PostgreSQL, ``schema`` (else the
    ``CALLPACT_DATABASE_SCHEMA`` variable) puts every table in that schema instead of ``public``."""
    resolved = database_url(url)
    schema = schema or os.environ.get(DATABASE_SCHEMA_ENV)
    if schema and resolved.startswith("postgresql"):
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"not a plain schema name: {schema!r}")
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args["options"] = f"-csearch_path={schema}"
        kwargs["connect_args"] = connect_args
    engine = create_engine(resolved, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_foreign_keys)
    return engine


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("callpact.governance") / "migrations")
    )
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest). Works from an empty database."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        revision: str | None = MigrationContext.configure(connection).get_current_revision()
        return revision


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the migrated database and the models (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from callpact.governance import models

    with engine.connect() as connection:
        differences: list[Any] = compare_metadata(
            MigrationContext.configure(connection), models.Base.metadata
        )
        return differences
