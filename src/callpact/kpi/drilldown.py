"""A KPI's contributing contacts: the rows behind a tile, by the engine's own expressions.

The portal's drill-down lists, for one KPI and month, every in-scope contact with whether it
was excluded (and by which declared exclusion), whether it is in the sample and whether it
counts towards the numerator (for service level: answered within the threshold). The frame is
built by the same calls as :meth:`callpact.kpi.engine.Computation.expressions`
(``contact_frame`` → ``in_hours`` → ``flag_exclusions``) and the per-contact conditions are
:func:`callpact.kpi.expressions.contact_conditions`, which the aggregate counts too: summing
the rows gives the tile's numerator and sample, to the contact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis

from callpact.kpi import expressions as kx
from callpact.kpi.definitions import KpiDefinition, Program
from callpact.kpi.engine import CONTACT_METRICS, Backend, Computation, DuckDBBackend
from callpact.kpi.localtime import US

#: the metrics whose contributing rows are contacts (FCR and verbatim notes are not yet here)
DRILLABLE = CONTACT_METRICS


@dataclass(frozen=True, slots=True)
class ContributingContact:
    """One in-scope contact of a KPI's month, as the engine judged it."""

    contact_id: str
    offered_at: str
    queue: str
    channel: str
    agent_id: str | None
    wait_s: float | None
    excluded_by: tuple[str, ...]
    in_sample: bool
    counts: bool
    value_s: float | None  # ASA's wait or AHT's handle time; None for rate KPIs


@dataclass(frozen=True, slots=True)
class Drilldown:
    kpi_id: str
    month: str
    rows: tuple[ContributingContact, ...]

    @property
    def numerator(self) -> int:
        return sum(r.counts for r in self.rows)

    @property
    def sample(self) -> int:
        return sum(r.in_sample for r in self.rows)

    def only(self, what: str) -> tuple[ContributingContact, ...]:
        """``excluded``, ``missed`` (in the sample, not counted: a missed service level) or
        ``all``."""
        if what == "excluded":
            return tuple(r for r in self.rows if r.excluded_by)
        if what == "missed":
            return tuple(r for r in self.rows if r.in_sample and not r.counts)
        if what == "all":
            return self.rows
        raise ValueError(f"drill-down filter {what!r}: expected all, excluded or missed")


def contributing_contacts(
    program: Program,
    definition: KpiDefinition,
    source: Any,
    month: str,
    *,
    backend: Backend | None = None,
) -> Drilldown:
    """Every in-scope contact of ``definition`` in ``month`` with its exclusion flags and
    whether it is in the sample and the numerator; ``ValueError`` for a metric whose rows are
    not contacts."""
    if definition.metric not in DRILLABLE:
        raise ValueError(
            f"{definition.kpi_id}: no drill-down for metric {definition.metric!r} "
            f"(expected one of {', '.join(sorted(DRILLABLE))})"
        )
    definition.validate()
    own = backend is None
    engine = backend if backend is not None else DuckDBBackend()
    try:
        computation = Computation(program, engine, source, month, definitions=[definition])
        windows = computation.windows(definition)
        frame = kx.contact_frame(computation.table("contacts"), definition, computation.span)
        frame = frame.filter(kx.in_hours(frame, windows))
        frame = kx.flag_exclusions(frame, definition, computation.exclusion_data(definition))
        counts, in_sample = kx.contact_conditions(frame, definition)
        kinds: Sequence[str] = list(dict.fromkeys(e.kind for e in definition.exclusions))
        value: Any = (
            kx.contact_value_us(frame, definition)
            if definition.metric in ("asa", "aht")
            else ibis.null("int64")
        )
        out = frame.select(
            "contact_id",
            "offered_at",
            "queue",
            "channel",
            "agent_id",
            "wait_us",
            *(f"x_{k}" for k in kinds),
            in_sample=in_sample,
            counts=counts,
            value_us=value,
        ).order_by(["offered_at", "contact_id"])
        table = engine.execute(out).to_pylist()
    finally:
        if own:
            engine.close()
    rows = tuple(
        ContributingContact(
            contact_id=str(r["contact_id"]),
            offered_at=r["offered_at"].isoformat(),
            queue=str(r["queue"]),
            channel=str(r["channel"]),
            agent_id=r["agent_id"],
            wait_s=None if r["wait_us"] is None else r["wait_us"] / US,
            excluded_by=tuple(k for k in kinds if r[f"x_{k}"]),
            in_sample=bool(r["in_sample"]),
            counts=bool(r["counts"]),
            value_s=None if r["value_us"] is None else r["value_us"] / US,
        )
        for r in table
    )
    return Drilldown(definition.kpi_id, month, rows)
