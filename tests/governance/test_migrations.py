"""Migrations build the schema from an empty SQLite file and match the models exactly; a
database holding contracts upgrades with their data (on SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from governance_world import T0, annex_terms, build_world
from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    MetaData,
    Table,
    column,
    insert,
    inspect,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session

from callpact.governance.aht_plan import service as aht
from callpact.governance.audit import service as audit
from callpact.governance.contract.service import register_contract
from callpact.governance.database import (
    current_revision,
    downgrade,
    make_engine,
    schema_differences,
    upgrade,
)
from callpact.governance.models import AhtMeasure, Base, GovernedContract
from callpact.governance.organization.service import actor_for
from callpact.governance.terms import GovernanceTerms, PlannedMeasure, TermsVersion


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


def _insert_contract(connection: Connection, terms: GovernanceTerms, at: datetime) -> None:
    """Both parties and the contract (id 7) as raw rows, the way the 0001 schema holds them."""
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


def test_upgrading_makes_a_registered_contracts_terms_its_first_version(
    empty_engine: Engine,
) -> None:
    """A contract registered before versions existed keeps its terms, as version 1 effective
    from their start, and every rule reads them as before."""
    upgrade(empty_engine, "0001")
    terms = annex_terms()
    at = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
    with empty_engine.begin() as connection:
        _insert_contract(connection, terms, at)
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
        _insert_contract(connection, terms, at)
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
        # and in it from the start (revision 0004): no measure waits for an amendment
        assert [m.effective_from for m in stored] == [None, None]
    downgrade(empty_engine, "0002")
    assert "withdrawn_on" not in {
        c["name"] for c in inspect(empty_engine).get_columns("aht_measures")
    }
    with Session(empty_engine) as session:
        kept = session.execute(text("SELECT count(*) FROM aht_measures")).scalar_one()
        assert kept == 2


# -- the audit trail across upgrades -------------------------------------------------------------


def _audited_insert(
    connection: Connection, table_name: str, values: dict[str, Any], *, actor: str, action: str
) -> None:
    """Insert a row and append the entry the 0001-era services wrote for it (``audit.record``):
    the row's state over the columns its table had then, chained to the newest entry."""
    created = Table(table_name, MetaData(), autoload_with=connection)
    connection.execute(insert(created).values(**values))
    log = Table("audit_log", MetaData(), autoload_with=connection)
    last = connection.execute(
        select(log.c.seq, log.c.entry_hash).order_by(log.c.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (1, audit.GENESIS_HASH) if last is None else (last.seq + 1, last.entry_hash)
    entry: dict[str, Any] = {
        "seq": seq,
        "at": T0_UTC,
        "actor": actor,
        "entity_type": table_name,
        "entity_id": str(values["id"]),
        "action": action,
        "before": None,
        "after": audit.row_state(created, values),
        "prev_hash": prev_hash,
    }
    connection.execute(insert(log).values(**entry, entry_hash=audit.entry_hash(**entry)))


T0_UTC = datetime(2027, 1, 4, 15, 0, tzinfo=UTC)
ADA = "ada@northwind.example"


def _registered_at_0001(engine: Engine) -> None:
    """A database as a 0001-era deployment left it: both parties, the contract registered and a
    planned AHT measure, every row created through the audited services."""
    upgrade(engine, "0001")
    terms = annex_terms()
    with engine.begin() as connection:
        for org_id, name, kind in (
            (1, "Northwind Health Plan", "client"),
            (2, "Harbor Contact Solutions", "vendor"),
        ):
            _audited_insert(
                connection,
                "organizations",
                {"id": org_id, "name": name, "kind": kind, "created_at": T0_UTC},
                actor="system",
                action="create",
            )
        _audited_insert(
            connection,
            "governed_contracts",
            {
                "id": 7,
                "contract_id": terms.contract_id,
                "client_org_id": 1,
                "vendor_org_id": 2,
                "terms_json": terms.to_json(),
                "registered_at": T0_UTC,
            },
            actor=ADA,
            action="register",
        )
        _audited_insert(
            connection,
            "aht_measures",
            {
                "id": 1,
                "contract_pk": 7,
                "measure_ref": "kb-search",
                "what": "knowledge-base search",
                "owner": "client",
                "due_on": date(2027, 2, 15),
                "expected_s": -15,
                "status": "planned",
                "completed_on": None,
            },
            actor=ADA,
            action="plan",
        )


def test_a_database_upgraded_from_0001_verifies_intact(empty_engine: Engine) -> None:
    """Upgrading is not tampering: the rows a migration creates are accounted for in the trail,
    and a column a migration adds reads as null in the entries written before it."""
    _registered_at_0001(empty_engine)
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        report = audit.verify(session)
        assert report.ok, report.problems
        assert report.entities_checked == 5  # two parties, contract, its first version, measure
        # the version the upgrade wrote is logged as the migration's, with the row it wrote
        [entry] = audit.history(session, "governed_contract_terms", "1")
        assert (entry.seq, entry.actor, entry.action, entry.before) == (
            5,
            "system: schema migration 0002",
            "add_terms",
            None,
        )
        assert entry.after == {
            "id": 1,
            "contract_pk": 7,
            "effective_from": "2027-01-01",
            "terms_json": annex_terms().to_json(),
        }
    # down and up again: the versions the downgrade drops are logged as removed, the ones the
    # upgrade writes again as added
    downgrade(empty_engine, "0001")
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        report = audit.verify(session)
        assert report.ok, report.problems
        assert [e.action for e in audit.history(session, "governed_contract_terms", "1")] == [
            "add_terms",
            "remove_terms",
            "add_terms",
        ]


def test_a_version_changed_after_the_upgrade_is_still_caught(empty_engine: Engine) -> None:
    """The upgrade's entries vouch for the rows as the migration wrote them, nothing more: a
    version edited or added by raw SQL afterwards is reported."""
    _registered_at_0001(empty_engine)
    upgrade(empty_engine)
    versions = table(
        "governed_contract_terms",
        column("id"),
        column("contract_pk"),
        column("effective_from"),
        column("terms_json", JSON()),
    )
    lenient = {**annex_terms().to_json(), "removal_response_days": 30}
    with empty_engine.begin() as connection:
        connection.execute(update(versions).where(versions.c.id == 1).values(terms_json=lenient))
        connection.execute(
            insert(versions).values(
                id=2, contract_pk=7, effective_from=date(2027, 7, 1), terms_json=lenient
            )
        )
    with Session(empty_engine) as session:
        report = audit.verify(session)
    assert [(p.kind, p.entity_type, p.entity_id) for p in report.problems] == [
        ("changed-unaudited", "governed_contract_terms", "1"),
        ("created-unaudited", "governed_contract_terms", "2"),
    ]
    assert "terms_json" in report.problems[0].message


def _amend_the_plan(session: Session, amended: GovernanceTerms) -> None:
    """The example's contract with ``amended`` in force from 2027-07-01, registered and its plan
    synced through the services."""
    world = build_world(session)
    base = annex_terms()
    register_contract(
        session,
        world.client_admin,
        [TermsVersion(date(2027, 1, 1), base), TermsVersion(date(2027, 7, 1), amended)],
        client="Northwind Health Plan",
        vendor="Harbor Contact Solutions",
        now=T0,
    )
    aht.sync_planned_measures(session, world.client_admin, base.contract_id, now=T0)
    session.commit()


def _plan_an_added_measure(session: Session) -> None:
    """The amendment adds callback-offer: it is dated 2027-07-01."""
    base = annex_terms()
    callback = PlannedMeasure("callback-offer", "offer a callback", "vendor", date(2027, 8, 31), -5)
    _amend_the_plan(session, dataclasses.replace(base, aht_measures=(*base.aht_measures, callback)))


def test_a_downgrade_past_0004_logs_each_date_it_drops(empty_engine: Engine) -> None:
    """Downgrading to 0003 drops the dates amendments gave measures, each loss logged under
    migration 0004's actor; upgraded again, the trail verifies, and the next register dates
    the measure again, logged too."""
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        _plan_an_added_measure(session)
        dated = session.scalars(select(AhtMeasure).where(AhtMeasure.effective_from.is_not(None)))
        assert [(m.measure_ref, m.effective_from) for m in dated] == [
            ("callback-offer", date(2027, 7, 1))
        ]
    downgrade(empty_engine, "0003")
    assert "effective_from" not in {
        c["name"] for c in inspect(empty_engine).get_columns("aht_measures")
    }
    log = table(
        "audit_log",
        column("actor"),
        column("action"),
        column("entity_type"),
        column("before", JSON()),
        column("after", JSON()),
    )
    with empty_engine.connect() as connection:
        [dropped] = connection.execute(
            select(log).where(log.c.actor == audit.migration_actor("0004"))
        ).all()
    assert (dropped.action, dropped.entity_type) == ("drop_effective_from", "aht_measures")
    assert dropped.before["effective_from"] == "2027-07-01"
    assert "effective_from" not in dropped.after
    assert {k: v for k, v in dropped.before.items() if k != "effective_from"} == dropped.after

    upgrade(empty_engine)
    assert schema_differences(empty_engine) == []
    with Session(empty_engine) as session:
        report = audit.verify(session)
        assert report.ok, report.problems
        assert session.scalars(select(AhtMeasure.effective_from)).all() == [None] * 3
        ada = actor_for(session, "ada@northwind.example")
        synced = aht.sync_planned_measures(session, ada, annex_terms().contract_id, now=T0)
        assert [(m.measure_ref, m.effective_from) for m in synced.rescheduled] == [
            ("callback-offer", date(2027, 7, 1))
        ]
        report = audit.verify(session)
        assert report.ok, report.problems


def test_a_downgrade_past_0003_logs_each_withdrawal_it_drops(empty_engine: Engine) -> None:
    """Downgrading to 0002 drops the days amendments withdrew measures, each loss logged under
    migration 0003's actor; upgraded again, the trail verifies and the next register withdraws
    the measure again, logged too."""
    upgrade(empty_engine)
    with Session(empty_engine) as session:
        base = annex_terms()
        gone = base.aht_measures[0].measure_id
        _amend_the_plan(session, dataclasses.replace(base, aht_measures=base.aht_measures[1:]))
        withdrawn = session.scalars(select(AhtMeasure).where(AhtMeasure.withdrawn_on.is_not(None)))
        assert [(m.measure_ref, m.withdrawn_on) for m in withdrawn] == [(gone, date(2027, 7, 1))]
    downgrade(empty_engine, "0002")
    log = table("audit_log", column("actor"), column("action"), column("before", JSON()))
    with empty_engine.connect() as connection:
        [dropped] = connection.execute(
            select(log).where(log.c.actor == audit.migration_actor("0003"))
        ).all()
    assert dropped.action == "drop_withdrawn_on"
    assert dropped.before["withdrawn_on"] == "2027-07-01"

    upgrade(empty_engine)
    with Session(empty_engine) as session:
        report = audit.verify(session)
        assert report.ok, report.problems
        ada = actor_for(session, "ada@northwind.example")
        synced = aht.sync_planned_measures(session, ada, annex_terms().contract_id, now=T0)
        assert [m.measure_ref for m in synced.withdrawn] == [gone]
        session.commit()
        report = audit.verify(session)
        assert report.ok, report.problems
