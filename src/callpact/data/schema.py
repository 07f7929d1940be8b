"""The callpact interchange format, version 1, as typed table schemas.

Every table of ``docs/interchange.md`` is a :class:`TableSchema`: its columns with their kind
(string, enum, timestamp, duration, boolean, integer, number, date), whether a null is allowed
(and what a null means), value ranges, the table's key (what makes two rows "the same record"),
the timestamp its workspace partitions are cut by, and the order rows are written in.

Canonical Arrow types (what :func:`arrow_schema` returns and what the workspace stores):

* timestamp → ``timestamp[us, tz=UTC]`` (the offset of the source is applied, then dropped)
* duration → ``float64`` seconds
* boolean → ``bool``; integer → ``int64``; number → ``float64``; date → ``date32``
* string and enum → ``string`` (enum values are validated, stored as text)

This module is pure data: no I/O, no engine. Validation lives in :mod:`callpact.data.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa

INTERCHANGE_VERSION = 1


class Kind(StrEnum):
    STRING = "string"
    ENUM = "enum"
    TIMESTAMP = "timestamp"
    DURATION = "duration"
    BOOLEAN = "boolean"
    INTEGER = "integer"
    NUMBER = "number"
    DATE = "date"
    LIST = "list"  # a comma-separated list of strings in CSV, stored as text "a,b"


TIMESTAMP_TYPE = pa.timestamp("us", tz="UTC")

_ARROW: dict[Kind, pa.DataType] = {
    Kind.STRING: pa.string(),
    Kind.ENUM: pa.string(),
    Kind.TIMESTAMP: TIMESTAMP_TYPE,
    Kind.DURATION: pa.float64(),
    Kind.BOOLEAN: pa.bool_(),
    Kind.INTEGER: pa.int64(),
    Kind.NUMBER: pa.float64(),
    Kind.DATE: pa.date32(),
    Kind.LIST: pa.string(),
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an interchange table.

    ``nullable`` False means a null (empty CSV field) rejects the row. ``default`` is the value a
    null is read as (``direction`` null → ``inbound``); a column with a default is never null in
    the workspace. ``minimum``/``maximum`` bound numbers (inclusive).
    """

    name: str
    kind: Kind
    nullable: bool = True
    default: str | float | bool | None = None
    values: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    meaning: str = ""

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.kind]

    @property
    def required(self) -> bool:
        """Must be present as a column in every delivery of the table."""
        return not self.nullable


@dataclass(frozen=True, slots=True)
class OrderRule:
    """``later`` must not be before ``earlier`` (both timestamps), where both are present.

    ``fallback`` is compared instead of ``earlier`` when ``earlier`` is null (contacts: an
    unanswered contact's ``ended_at`` is compared with ``offered_at``).
    """

    earlier: str
    later: str
    code: str
    fallback: str | None = None


@dataclass(frozen=True, slots=True)
class TableSchema:
    """An interchange table: columns, key, partitioning and row order."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    partition_by: str | None
    sort_by: tuple[str, ...]
    order_rules: tuple[OrderRule, ...] = ()
    meaning: str = ""
    derived: bool = False  # written by callpact itself (verbatim judgements), not delivered
    extra_rules: tuple[str, ...] = field(default=())  # names of table-specific rules

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _ts(name: str, nullable: bool = False, meaning: str = "") -> Column:
    return Column(name, Kind.TIMESTAMP, nullable=nullable, meaning=meaning)


def _s(name: str, nullable: bool = False, meaning: str = "") -> Column:
    return Column(name, Kind.STRING, nullable=nullable, meaning=meaning)


CHANNELS = ("voice", "chat", "email", "sms", "social")
AGENT_STATES = ("available", "busy", "hold", "acw", "break", "training", "meeting", "offline")
ACTIVITIES = ("work", "break", "lunch", "training", "meeting", "off")
JUDGEMENTS = ("faithful", "paraphrased", "distorted", "missing")

CONTACTS = TableSchema(
    name="contacts",
    meaning="one row per contact (call, chat, email, …) the vendor handled or lost",
    columns=(
        _s("contact_id", meaning="unique within the data set"),
        Column("channel", Kind.ENUM, nullable=False, values=CHANNELS),
        Column(
            "direction",
            Kind.ENUM,
            default="inbound",
            values=("inbound", "outbound"),
            meaning="KPIs count inbound only",
        ),
        _s("queue", meaning="queue / skill / line of business"),
        _ts("offered_at", meaning="the contact entered the vendor's queue: the wait starts"),
        _ts("answered_at", nullable=True, meaning="an agent accepted it; null = never answered"),
        _ts("ended_at", meaning="the contact ended (unanswered: the customer left)"),
        Column("talk_s", Kind.DURATION, minimum=0, meaning="null when not answered"),
        Column("hold_s", Kind.DURATION, default=0.0, minimum=0),
        Column("acw_s", Kind.DURATION, default=0.0, minimum=0, meaning="after-call work"),
        _s("agent_id", nullable=True, meaning="null when not answered"),
        _s("customer_id", nullable=True, meaning="who contacted; needed for FCR"),
        Column("transferred", Kind.BOOLEAN, default=False),
        _s("disposition", nullable=True, meaning="reason / wrap-up code"),
    ),
    key=("contact_id",),
    partition_by="offered_at",
    sort_by=("customer_id", "offered_at"),
    order_rules=(
        OrderRule("offered_at", "answered_at", "R201"),
        OrderRule("answered_at", "ended_at", "R202", fallback="offered_at"),
    ),
    extra_rules=("answered_consistency",),
)

SURVEYS = TableSchema(
    name="surveys",
    meaning="post-contact survey responses; one response per contact",
    columns=(
        _s("contact_id", meaning="the surveyed contact"),
        _ts("responded_at"),
        Column("csat", Kind.INTEGER, minimum=1, maximum=5),
        Column("nps", Kind.INTEGER, minimum=0, maximum=10),
        Column("ces", Kind.INTEGER, minimum=1, maximum=7),
    ),
    key=("contact_id",),
    partition_by="responded_at",
    sort_by=("contact_id",),
)

QA_EVALUATIONS = TableSchema(
    name="qa_evaluations",
    meaning="quality evaluations of contacts",
    columns=(
        _s("evaluation_id"),
        _s("contact_id"),
        _s("agent_id"),
        _ts("evaluated_at"),
        Column("score", Kind.NUMBER, nullable=False, minimum=0, maximum=100),
        Column(
            "auto_fail",
            Kind.BOOLEAN,
            default=False,
            meaning="a critical error: the evaluation counts as 0",
        ),
    ),
    key=("evaluation_id",),
    partition_by="evaluated_at",
    sort_by=("evaluation_id",),
)

AGENT_STATES_TABLE = TableSchema(
    name="agent_states",
    meaning="agent state intervals from the ACD",
    columns=(
        _s("agent_id"),
        Column("state", Kind.ENUM, nullable=False, values=AGENT_STATES),
        _ts("started_at"),
        _ts("ended_at"),
    ),
    key=("agent_id", "started_at"),
    partition_by="started_at",
    sort_by=("agent_id", "started_at"),
    order_rules=(OrderRule("started_at", "ended_at", "R203"),),
)

SCHEDULES = TableSchema(
    name="schedules",
    meaning="planned agent activities (for adherence)",
    columns=(
        _s("agent_id"),
        Column("activity", Kind.ENUM, nullable=False, values=ACTIVITIES),
        _ts("starts_at"),
        _ts("ends_at"),
    ),
    key=("agent_id", "starts_at"),
    partition_by="starts_at",
    sort_by=("agent_id", "starts_at"),
    order_rules=(OrderRule("starts_at", "ends_at", "R203"),),
)

FORECAST = TableSchema(
    name="forecast",
    meaning="the client's volume and AHT forecast per queue and interval",
    columns=(
        _s("queue"),
        _ts("interval_start"),
        Column("interval_minutes", Kind.INTEGER, nullable=False, minimum=1),
        Column("offered", Kind.NUMBER, nullable=False, minimum=0),
        Column("aht_s", Kind.DURATION, minimum=0),
    ),
    key=("queue", "interval_start"),
    partition_by="interval_start",
    sort_by=("queue", "interval_start"),
)

FEEDBACK = TableSchema(
    name="feedback",
    meaning="customer feedback as the operator recorded it, with the transcript",
    columns=(
        _s("feedback_id"),
        _s("contact_id"),
        _s("agent_id"),
        _ts("recorded_at"),
        _s(
            "recorded_text",
            nullable=True,
            meaning=(
                "what the operator wrote down; empty (or a placeholder such as '-', 'n/a') means "
                "nothing was written: the row is kept and judged `missing`"
            ),
        ),
        _s(
            "transcript_text",
            nullable=True,
            meaning="what the customer said, from the recording; null if not yet transcribed",
        ),
    ),
    key=("feedback_id",),
    partition_by="recorded_at",
    sort_by=("feedback_id",),
)

AGENTS = TableSchema(
    name="agents",
    meaning="the roster: who works on the program, when hired, trained and admitted",
    columns=(
        _s("agent_id"),
        _s("role", meaning="operator, supervisor, trainer, project_manager, …"),
        Column("hired_on", Kind.DATE, nullable=True),
        Column(
            "training_completed_on",
            Kind.DATE,
            nullable=True,
            meaning="trainee exemption windows count from this date",
        ),
        Column("admitted_on", Kind.DATE, nullable=True, meaning="passed the admission exam"),
        _s("team", nullable=True, meaning="the operator's team (e.g. its supervisor's id)"),
    ),
    key=("agent_id",),
    partition_by=None,
    sort_by=("agent_id",),
)

OUTAGES = TableSchema(
    name="outages",
    meaning="declared outages: contacts offered inside one may be excluded from KPIs",
    columns=(
        _s("outage_id"),
        _ts("starts_at"),
        _ts("ends_at"),
        Column("channels", Kind.LIST, meaning="comma list; null = every channel"),
        Column("queues", Kind.LIST, meaning="comma list; null = every queue"),
        _s("reason", nullable=True),
    ),
    key=("outage_id",),
    partition_by="starts_at",
    sort_by=("starts_at", "outage_id"),
    order_rules=(OrderRule("starts_at", "ends_at", "R203"),),
)

INCIDENTS = TableSchema(
    name="incidents",
    meaning="non-standard situations the vendor must report (for settlement liabilities)",
    columns=(
        _s("incident_id"),
        _s("category", meaning="a category of the contract's incident protocol"),
        _s("severity", meaning="a severity named in the contract's incident protocol"),
        _ts("occurred_at"),
        _ts("detected_at", nullable=True),
        _ts("reported_at", nullable=True, meaning="null = never reported to the client"),
        _s("description", nullable=True),
    ),
    key=("incident_id",),
    partition_by="occurred_at",
    sort_by=("occurred_at", "incident_id"),
    order_rules=(
        OrderRule("occurred_at", "detected_at", "R203"),
        OrderRule("occurred_at", "reported_at", "R203"),
    ),
)

VERBATIM_JUDGEMENTS = TableSchema(
    name="verbatim_judgements",
    meaning="the fidelity judge's verdict per audited feedback item (derived by callpact)",
    columns=(
        _s("feedback_id"),
        _s("agent_id", nullable=True),
        _s("contact_id", nullable=True),
        Column("judgement", Kind.ENUM, nullable=False, values=JUDGEMENTS),
        Column("score", Kind.NUMBER, meaning="the judge's score (its scale is the judge's)"),
        _s("reason", nullable=True),
        _ts("audited_at"),
        _s("period", nullable=True, meaning="the audited month, YYYY-MM"),
    ),
    key=("feedback_id",),
    partition_by="audited_at",
    sort_by=("feedback_id",),
    derived=True,
)

TABLES: dict[str, TableSchema] = {
    t.name: t
    for t in (
        CONTACTS,
        SURVEYS,
        QA_EVALUATIONS,
        AGENT_STATES_TABLE,
        SCHEDULES,
        FORECAST,
        FEEDBACK,
        AGENTS,
        OUTAGES,
        INCIDENTS,
        VERBATIM_JUDGEMENTS,
    )
}

#: tables a delivery may carry (the derived ones are written by callpact itself)
DELIVERED_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if not t.derived)


def arrow_schema(table: str | TableSchema) -> pa.Schema:
    """The canonical Arrow schema of a table as the workspace stores it."""
    schema = TABLES[table] if isinstance(table, str) else table
    fields = []
    for col in schema.columns:
        never_null = not col.nullable or col.default is not None
        fields.append(pa.field(col.name, col.arrow_type, nullable=not never_null))
    return pa.schema(fields)


def history_arrow_schema(table: str | TableSchema) -> pa.Schema:
    """Schema of ``<table>_history``: replaced row versions and when/by which ingest."""
    base = arrow_schema(table)
    return base.append(pa.field("replaced_at", TIMESTAMP_TYPE, nullable=False)).append(
        pa.field("replaced_by", pa.string(), nullable=False)
    )
