"""The statement people approve, as HTML and PDF from one Jinja2 template.

Page 1 is the summary (totals, KPI status, cure and termination); then a chart of each KPI
against its target over the months the statement replayed; then every line with its reason
and the fingerprints.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from callpact.reports.charts import kpi_chart_svg
from callpact.reports.money import DEFAULT_LOCALE, format_amount, format_money
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


def _side(a: Decimal, b: Decimal) -> int:
    return (a > b) - (a < b)


def deciding_reading(value: str, unit: str, thresholds: list[str]) -> str:
    """The value at the reading precision, with more digits where the shown value would sit on
    the other side of (or on) a target or tier threshold than the value itself: AHT 420.03
    against "at most 420" reads 420.03, not 420.0."""
    exact = Decimal(value)
    places = 1 if unit == "seconds" else 4
    shown = Decimal(rules.reading(exact, unit))
    while places < 12 and any(
        _side(shown, Decimal(t)) != _side(exact, Decimal(t)) for t in thresholds
    ):
        places += 1
        shown = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(shown, "f")


def _thresholds(kpi: dict[str, Any]) -> list[str]:
    found = [kpi["target"]["value"]]
    for tier in (kpi.get("penalty_tier"), kpi.get("reward_tier")):
        if tier and tier.get("threshold") is not None:
            found.append(tier["threshold"])
    return [t for t in found if t is not None]


def _suspended(statement: dict[str, Any]) -> Decimal:
    """Credits assessed this month but held back under a cure period: contingent, not charged."""
    return sum(
        (Decimal(line["amount"]) for line in statement["lines"] if line["kind"] == "suspended"),
        Decimal(0),
    )


# How each line kind enters the net adjustment: +1 adds, −1 deducts, 0 only informs (fee is
# the invoice's base, suspended and waived credits are contingent or forgone, kpi lines explain).
LINE_SIGN: dict[str, int] = {
    "credit": -1,
    "liability": -1,
    "bonus": 1,
    "earn_back": 1,
}


def signed_lines(statement: dict[str, Any]) -> list[dict[str, Any]]:
    """The statement's lines with ``counts`` (the signed amount entering the net adjustment,
    or None) and ``informs`` (an amount shown for information only, or None)."""
    out = []
    for line in statement["lines"]:
        amount = Decimal(line["amount"])
        sign = LINE_SIGN.get(line["kind"], 0)
        counts = amount * sign if sign else None
        informs = None if sign else amount
        out.append({**line, "counts": counts, "informs": informs})
    return out


def key_dates(
    statement: dict[str, Any], record: StatementRecordInfo | None
) -> dict[str, date | None]:
    """Issue date, payment due date and dispute deadline: the annex's terms counted from the
    day the statement was issued (in the contract's zone); None until it is issued."""
    terms = statement.get("terms") or {}
    issued = None
    if record is not None and record.issued_at is not None:
        from zoneinfo import ZoneInfo

        issued = record.issued_at.astimezone(ZoneInfo(terms.get("time_zone") or "UTC")).date()

    def after(days: int | None) -> date | None:
        return issued + timedelta(days=days) if issued is not None and days is not None else None

    return {
        "issued": issued,
        "payment_due": after(terms.get("payment_term_days")),
        "dispute_deadline": after(terms.get("dispute_window_days")),
    }


def render_html(
    statement: dict[str, Any],
    record: StatementRecordInfo | None = None,
    *,
    locale: str = DEFAULT_LOCALE,
) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("callpact.reports", "templates"),
        autoescape=select_autoescape(["html", "jinja"]),
    )
    currency = statement["currency"]
    env.filters["reading"] = reading
    env.globals["deciding"] = lambda k: deciding_reading(k["value"], k["unit"], _thresholds(k))
    env.filters["money"] = lambda v: format_money(v, currency, locale=locale)
    env.filters["amount"] = lambda v, signed=False: format_amount(
        v, currency, locale=locale, signed=signed
    )
    template = env.get_template("statement.html.jinja")
    lines = signed_lines(statement)
    counted = sum((x["counts"] for x in lines if x["counts"] is not None), Decimal(0))
    return template.render(
        s=statement,
        charts=_charts(statement),
        record=record,
        suspended=_suspended(statement),
        lines=lines,
        counted=counted,
        dates=key_dates(statement, record),
        excluded_total=sum(int(k.get("excluded") or 0) for k in statement["kpis"]),
    )


def render_pdf(
    statement: dict[str, Any],
    record: StatementRecordInfo | None = None,
    *,
    locale: str = DEFAULT_LOCALE,
) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(statement, record, locale=locale)).write_pdf()
    return pdf
