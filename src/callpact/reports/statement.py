"""The statement people approve, as HTML and PDF from one Jinja2 template.

Page 1 is the summary (totals, KPI status, cure and termination); then a chart of each KPI
against its target over the months the statement replayed; then every line with its reason
and the fingerprints.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from callpact.reports.charts import kpi_chart_svg
from callpact.reports.record import StatementRecordInfo
from callpact.settlement import rules


def _charts(statement: dict[str, Any]) -> list[str]:
    records = [*statement.get("history", []), statement["results"]][-12:]
    months = [r["period"] for r in records]
    charts = []
    for kpi in statement["kpis"]:
        values: list[Decimal | None] = []
        for record in records:
            result = record["kpis"].get(kpi["kpi_id"]) or {}
            value = result.get("value")
            values.append(Decimal(value) if value is not None else None)
        charts.append(
            kpi_chart_svg(
                kpi["label"], months, values, Decimal(kpi["target"]["value"]), unit=kpi["unit"]
            )
        )
    return charts


def reading(value: str, unit: str = "ratio") -> str:
    """A statement's KPI value (JSON text, every digit) as the document shows it."""
    return rules.reading(Decimal(value), unit)


def _suspended(statement: dict[str, Any]) -> Decimal:
    """Credits assessed this month but held back under a cure period: contingent, not charged."""
    return sum(
        (Decimal(line["amount"]) for line in statement["lines"] if line["kind"] == "suspended"),
        Decimal(0),
    )


def render_html(statement: dict[str, Any], record: StatementRecordInfo | None = None) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("callpact.reports", "templates"),
        autoescape=select_autoescape(["html", "jinja"]),
    )
    env.filters["reading"] = reading
    template = env.get_template("statement.html.jinja")
    return template.render(
        s=statement, charts=_charts(statement), record=record, suspended=_suspended(statement)
    )


def render_pdf(statement: dict[str, Any], record: StatementRecordInfo | None = None) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(statement, record)).write_pdf()
    return pdf
