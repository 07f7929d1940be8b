"""``--explain``: a KPI's formula in words, its parameters and scope, and the query it ran."""

from __future__ import annotations

from callpact.kpi.definitions import METRIC_PARAMS, KpiDefinition, Program


def explain_text(definition: KpiDefinition, program: Program, sql: str) -> str:
    params = {**METRIC_PARAMS[definition.metric], **dict(definition.params)}
    scope = (
        "; ".join(
            f"{channel}: {', '.join(queues) if queues else 'any queue'}"
            for channel, queues in definition.scope
        )
        or "every inbound contact"
    )
    lines = [
        f"KPI {definition.kpi_id} ({definition.metric})",
        "",
        "Formula:",
        f"  {definition.formula_words or definition.metric}",
        "",
        "Parameters: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items()) if v is not None),
        f"Time zone: {program.time_zone} (local wall-clock time derived from UTC offsets)",
        f"Scope: {scope}",
        f"Hours: {'the KPI calendar' if definition.hours is not None else 'around the clock'}",
        "Exclusions: "
        + (
            ", ".join(
                e.kind + (f" ({e.tolerance})" if e.tolerance else "") for e in definition.exclusions
            )
            or "none"
        ),
        f"Target: {definition.direction} {definition.target}; min sample {definition.min_sample}",
        "",
        "Query (value = num ÷ den, sample = den):",
        sql,
    ]
    return "\n".join(lines)
