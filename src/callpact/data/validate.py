"""Row rules of the interchange format, compiled to vectorised DuckDB SQL.

One list of rules per table serves two queries generated from it:

* the **fast pass** computes every canonical typed column and one boolean ``__ok`` (no rule
  failed) for every row, streaming, with no per-row Python;
* the **reasons pass** runs only over the rows that failed and lists each failed rule with its
  code, field and message.

Both come from the same :class:`Rule` objects, so a row is rejected by the fast pass exactly when
the reasons pass finds at least one fault for it.

Rule codes (closed list; ``docs/interchange.md`` documents each, a test checks they agree):
"""

from __future__ import annotations

from dataclasses import dataclass

from callpact.data.schema import Column, Kind, TableSchema

#: ISO 8601 date-time with an offset (``Z``, ``±HH:MM``, ``±HHMM``, ``±HH``)
ISO_WITH_OFFSET = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}(:?\d{2})?)"
#: the same without an offset: a naive timestamp, which the format forbids
ISO_NAIVE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
ISO_DATE = r"\d{4}-\d{2}-\d{2}"

#: code → one-line meaning (the documented list)
ROW_CODES: dict[str, str] = {
    "R001": "malformed CSV record (wrong number of fields, stray or unterminated quote)",
    "R002": "the record is not valid UTF-8",
    "R101": "a required value is missing (empty field)",
    "R102": "a value is not of the column's type (number, integer, boolean, date)",
    "R103": "a value is not one of the column's allowed values",
    "R104": "a timestamp has no UTC offset (naive timestamps are not allowed)",
    "R105": "a timestamp is not ISO 8601 or not a real date-time",
    "R106": "a duration is negative",
    "R107": "a number is outside the column's range",
    "R108": "a text value contains a NUL byte (corrupt data)",
    "R201": "answered_at is before offered_at",
    "R202": "ended_at is before answered_at (or before offered_at when unanswered)",
    "R203": "an interval or event sequence ends before it starts",
    "R204": "answered_at and agent_id must both be present (answered) or both empty",
    "R205": "an unanswered contact has talk time",
    "R301": "conflict: another row of this delivery has the same key with different values",
    "R302": "conflict: the workspace holds a different row with this key (use --replace)",
    "R401": "the adapter could not read this record",
}

#: delivery-level codes: the whole delivery fails and nothing changes
DELIVERY_CODES: dict[str, str] = {
    "D001": "a required column is missing",
    "D002": "a file cannot be read (missing, empty, not CSV/Parquet)",
    "D003": "unknown table file, format or adapter",
    "D004": "a Parquet column has a type that cannot hold the column's values",
    "D005": "a column name appears twice in the header",
    "D006": "the mapping file is invalid",
}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def raw(name: str) -> str:
    """The source value of a column (as delivered)."""
    return _q(f"raw:{name}")


def typed(name: str) -> str:
    """The canonical typed value of a column (null when it could not be parsed)."""
    return _q(name)


DUCK_TYPES: dict[Kind, str] = {
    Kind.STRING: "VARCHAR",
    Kind.ENUM: "VARCHAR",
    Kind.LIST: "VARCHAR",
    Kind.TIMESTAMP: "TIMESTAMPTZ",
    Kind.DURATION: "DOUBLE",
    Kind.NUMBER: "DOUBLE",
    Kind.INTEGER: "BIGINT",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.DATE: "DATE",
}


@dataclass(frozen=True, slots=True)
class Rule:
    """A row rule: ``failed`` is SQL that is true when the row breaks it."""

    code: str
    field: str
    failed: str
    message: str  # SQL expression giving the message text


def _shown(name: str) -> str:
    # the offending value, quoted and shortened so a huge field does not flood the report
    return f"'''' || left(CAST({raw(name)} AS VARCHAR), 60) || ''''"


def typed_expression(col: Column, source_type: str) -> str:
    """SQL computing a column's canonical value from its raw value (null if unparseable)."""
    r = raw(col.name)
    native = source_type.upper() != "VARCHAR"
    if col.kind in (Kind.STRING,):
        value = f"CAST({r} AS VARCHAR)" if native else r
    elif col.kind is Kind.ENUM:
        text = f"CAST({r} AS VARCHAR)" if native else r
        value = f"CASE WHEN {text} IN ({', '.join(_lit(v) for v in col.values)}) THEN {text} END"
    elif col.kind is Kind.LIST:
        text = f"CAST({r} AS VARCHAR)" if native else r
        value = (
            f"array_to_string(list_filter(list_transform(string_split({text}, ','), "
            f"x -> trim(x)), x -> x <> ''), ',')"
        )
    elif col.kind is Kind.TIMESTAMP:
        if native:
            value = f"TRY_CAST({r} AS TIMESTAMPTZ)"
        else:
            value = (
                f"CASE WHEN regexp_full_match({r}, {_lit(ISO_WITH_OFFSET)}) "
                f"THEN TRY_CAST({r} AS TIMESTAMPTZ) END"
            )
    elif col.kind in (Kind.DURATION, Kind.NUMBER):
        d = f"TRY_CAST({r} AS DOUBLE)"
        value = f"CASE WHEN isfinite({d}) THEN {d} END"
    elif col.kind is Kind.INTEGER:
        d = f"TRY_CAST({r} AS DOUBLE)"
        value = f"CASE WHEN isfinite({d}) AND {d} = floor({d}) THEN CAST({d} AS BIGINT) END"
    elif col.kind is Kind.BOOLEAN:
        if native:
            value = f"TRY_CAST({r} AS BOOLEAN)"
        else:
            value = f"CASE lower({r}) WHEN 'true' THEN true WHEN 'false' THEN false END"
    elif col.kind is Kind.DATE:
        if native:
            value = f"TRY_CAST({r} AS DATE)"
        else:
            value = (
                f"CASE WHEN regexp_full_match({r}, {_lit(ISO_DATE)}) THEN TRY_CAST({r} AS DATE) END"
            )
    else:  # pragma: no cover - Kind is closed
        raise AssertionError(col.kind)
    if col.default is not None:
        default = _default_sql(col)
        value = f"CASE WHEN {r} IS NULL THEN {default} ELSE {value} END"
    return f"CAST(({value}) AS {DUCK_TYPES[col.kind]})"


def _default_sql(col: Column) -> str:
    if isinstance(col.default, bool):
        return "true" if col.default else "false"
    if isinstance(col.default, float | int):
        return repr(float(col.default))
    return _lit(str(col.default))


def column_rules(col: Column, source_type: str) -> list[Rule]:
    r, t, name = raw(col.name), typed(col.name), col.name
    native = source_type.upper() != "VARCHAR"
    rules: list[Rule] = []
    if not col.nullable and col.default is None:
        rules.append(Rule("R101", name, f"{r} IS NULL", _lit(f"{name} is required")))
    unparsed = f"({r} IS NOT NULL AND {t} IS NULL)"
    if col.kind is Kind.ENUM:
        allowed = ", ".join(col.values)
        rules.append(
            Rule("R103", name, unparsed, f"{_shown(name)} || {_lit(f' is not one of: {allowed}')}")
        )
    elif col.kind is Kind.LIST and name == "channels":
        from callpact.data.schema import CHANNELS

        allowed = ", ".join(CHANNELS)
        bad = (
            f"len(list_filter(list_transform(string_split({t}, ','), x -> trim(x)), "
            f"x -> x NOT IN ({', '.join(_lit(v) for v in CHANNELS)}))) > 0"
        )
        rules.append(
            Rule(
                "R103",
                name,
                f"({t} IS NOT NULL AND {bad})",
                f"{_shown(name)} || {_lit(f' lists a channel that is not one of: {allowed}')}",
            )
        )
    elif col.kind is Kind.TIMESTAMP:
        if native:
            rules.append(Rule("R105", name, unparsed, f"{_shown(name)} || ' is not a timestamp'"))
        else:
            naive = f"regexp_full_match({r}, {_lit(ISO_NAIVE)})"
            rules.append(
                Rule(
                    "R104",
                    name,
                    f"({unparsed} AND {naive})",
                    f"{_shown(name)} || ' has no UTC offset (write e.g. 2027-01-31T23:59:58-06:00"
                    " or …Z)'",
                )
            )
            rules.append(
                Rule(
                    "R105",
                    name,
                    f"({unparsed} AND NOT {naive})",
                    f"{_shown(name)} || ' is not an ISO 8601 date-time with offset'",
                )
            )
    elif col.kind in (Kind.DURATION, Kind.NUMBER, Kind.INTEGER, Kind.BOOLEAN, Kind.DATE):
        what = {
            Kind.DURATION: "a number of seconds",
            Kind.NUMBER: "a number",
            Kind.INTEGER: "an integer",
            Kind.BOOLEAN: "true or false",
            Kind.DATE: "a date (YYYY-MM-DD)",
        }[col.kind]
        rules.append(Rule("R102", name, unparsed, f"{_shown(name)} || {_lit(' is not ' + what)}"))
    if col.kind is Kind.STRING and not native:
        rules.append(
            Rule(
                "R108",
                name,
                f"contains({r}, chr(0))",
                _lit(f"{name} contains a NUL byte (corrupt data)"),
            )
        )
    if col.kind is Kind.DURATION and col.minimum is not None:
        rules.append(
            Rule(
                "R106",
                name,
                f"({t} < {col.minimum})",
                f"{_lit(name + ' is negative: ')} || CAST({t} AS VARCHAR)",
            )
        )
    elif col.kind in (Kind.NUMBER, Kind.INTEGER) and (
        col.minimum is not None or col.maximum is not None
    ):
        checks = []
        if col.minimum is not None:
            checks.append(f"{t} < {col.minimum}")
        if col.maximum is not None:
            checks.append(f"{t} > {col.maximum}")
        lo = "" if col.minimum is None else f"{col.minimum:g}"
        hi = "" if col.maximum is None else f"{col.maximum:g}"
        rules.append(
            Rule(
                "R107",
                name,
                f"({' OR '.join(checks)})",
                f"{_lit(name + ' ')} || CAST({t} AS VARCHAR) || {_lit(f' is outside {lo}–{hi}')}",
            )
        )
    return rules


def table_rules(schema: TableSchema) -> list[Rule]:
    rules: list[Rule] = []
    for rule in schema.order_rules:
        earlier = typed(rule.earlier)
        if rule.fallback:
            earlier = f"coalesce({earlier}, {typed(rule.fallback)})"
            before = f"{rule.earlier} (or {rule.fallback})"
        else:
            before = rule.earlier
        later = typed(rule.later)
        rules.append(
            Rule(
                rule.code,
                rule.later,
                f"({later} < {earlier})",
                f"{_lit(f'{rule.later} ')} || strftime({later}, '%Y-%m-%dT%H:%M:%S.%fZ')"
                f" || {_lit(f' is before {before} ')} || strftime({earlier}, "
                f"'%Y-%m-%dT%H:%M:%S.%fZ')",
            )
        )
    if "answered_consistency" in schema.extra_rules:
        answered, agent, talk = typed("answered_at"), typed("agent_id"), typed("talk_s")
        rules.append(
            Rule(
                "R204",
                "agent_id",
                f"(({raw('answered_at')} IS NULL) <> ({raw('agent_id')} IS NULL))",
                f"CASE WHEN {answered} IS NULL AND {raw('answered_at')} IS NULL "
                "THEN 'agent_id is set but answered_at is empty' "
                "ELSE 'answered_at is set but agent_id is empty' END",
            )
        )
        rules.append(
            Rule(
                "R205",
                "talk_s",
                f"({raw('answered_at')} IS NULL AND {talk} > 0)",
                f"'unanswered contact has talk_s ' || CAST({talk} AS VARCHAR)",
            )
        )
        del agent
    return rules


@dataclass(frozen=True)
class CompiledTable:
    """The SQL pieces for one table and one source (column → source type)."""

    schema: TableSchema
    source_types: dict[str, str]

    @property
    def rules(self) -> list[Rule]:
        rules: list[Rule] = []
        for col in self.schema.columns:
            rules.extend(column_rules(col, self.source_types.get(col.name, "VARCHAR")))
        rules.extend(table_rules(self.schema))
        return rules

    def project_raw(self, relation: str, extra: str = "") -> str:
        """SELECT raw values (absent columns as NULL) from a source relation."""
        items = []
        for col in self.schema.columns:
            if col.name in self.source_types:
                items.append(f"{_q(col.name)} AS {raw(col.name)}")
            else:
                items.append(f"CAST(NULL AS VARCHAR) AS {raw(col.name)}")
        extra_sql = f", {extra}" if extra else ""
        return f"SELECT {', '.join(items)}{extra_sql} FROM {relation}"

    def with_typed(self, relation: str, extra: str = "") -> str:
        """Raw values plus the canonical typed columns."""
        typed_items = [
            f"{typed_expression(c, self.source_types.get(c.name, 'VARCHAR'))} AS {typed(c.name)}"
            for c in self.schema.columns
        ]
        return f"SELECT *, {', '.join(typed_items)} FROM ({self.project_raw(relation, extra)})"

    def fast_pass(self, relation: str, extra_columns: tuple[str, ...] = ()) -> str:
        """Canonical columns + ``__ok`` for every row of the relation.

        The rows do not come out in the relation's order (DuckDB may run an ``IN`` list as a
        join that reorders them): to know which row is which, number the rows in the relation
        and pass that column in ``extra_columns``.
        """
        # R104 and R105 both mean "the timestamp did not parse": the fast pass needs only that
        # (one regex per value); the reasons pass tells them apart on the failing rows.
        conditions = [
            r.failed
            if r.code != "R105"
            else f"({raw(r.field)} IS NOT NULL AND {typed(r.field)} IS NULL)"
            for r in self.rules
            if r.code != "R104"
        ]
        # a rule whose inputs are null did not fail; ``coalesce(a OR b …, false)`` says the same
        # as OR-ing each rule's ``coalesce(…, false)`` (OR is true as soon as one term is true)
        # with one null check per row instead of one per rule
        failed = f"coalesce({' OR '.join(conditions)}, false)" if conditions else "false"
        cols = ", ".join(typed(c.name) for c in self.schema.columns)
        extra = ", ".join(_q(c) for c in extra_columns)
        extras = f", {extra}" if extra else ""
        return (
            f"SELECT {cols}{extras}, NOT ({failed}) AS __ok "
            f"FROM ({self.with_typed(relation, extra)})"
        )

    def reasons_pass(self, relation: str, ordinal: str) -> str:
        """One row per (row, failed rule): ``__ordinal, code, field, message``."""
        structs = ", ".join(
            f"CASE WHEN coalesce({r.failed}, false) THEN {{'code': {_lit(r.code)}, "
            f"'field': {_lit(r.field)}, 'message': {r.message}}} END"
            for r in self.rules
        )
        inner = self.with_typed(relation, f"{_q(ordinal)} AS __ordinal")
        return (
            "SELECT __ordinal, f.code, f.field, f.message FROM ("
            f"SELECT __ordinal, unnest(list_filter([{structs}], x -> x IS NOT NULL)) AS f "
            f"FROM ({inner})) ORDER BY __ordinal"
        )


def compile_table(schema: TableSchema, source_types: dict[str, str]) -> CompiledTable:
    """Rules and SQL for ``schema`` read from a source with the given column types.

    ``source_types`` maps each schema column present in the source to its DuckDB type name
    (``VARCHAR`` for every CSV column). Columns absent from the source read as null.
    """
    return CompiledTable(schema, {k: v for k, v in source_types.items() if k in schema.names})
