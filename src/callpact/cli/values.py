"""The kinds of value a user types into an option, each read in one place for every command.

A command declares an option with one of these readers (``typer.Option(..., parser=read_month)``
or the ``*_option`` helpers), so a value that is not what the option expects is refused while
the command line is parsed, before anything runs: the user sees ``Invalid value for '--month':
'2027-13' is not a month: write YYYY-MM …`` and the command exits with status 2 (usage). No
command reads these values again in its body, so none can fail half-way with a traceback.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import typer

from callpact.clock import clock

# Metavars shown in --help: the shape the option expects.
MONTH = "YYYY-MM"
DAY = "YYYY-MM-DD"
INSTANT = "ISO-TIME"
AMOUNT = "DECIMAL"
NUMBER = "NUMBER"
DATABASE_URL = "URL"
TIME_ZONE = "ZONE"

_MONTH = re.compile(r"\d{4}-\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_month(text: str) -> str:
    """A month ``YYYY-MM`` with a month number from 01 to 12 (kept as its text)."""
    from callpact.settlement.months import parse_month

    try:
        if not _MONTH.fullmatch(text):
            raise ValueError(text)
        parse_month(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a month: write YYYY-MM with a month from 01 to 12, e.g. 2027-01"
        ) from None
    return text


def read_day(text: str | date) -> date:
    """A calendar date ``YYYY-MM-DD``."""
    if isinstance(text, date):
        return text
    try:
        if not _DAY.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date: write YYYY-MM-DD, e.g. 2027-01-31"
        ) from None


def read_instant(text: str | datetime) -> datetime:
    """An instant: ISO 8601 with an offset (or ``Z``); a bare date means its UTC midnight."""
    if isinstance(text, datetime):
        return text
    try:
        if _DAY.fullmatch(text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=UTC)
        if not _DAY.match(text):
            raise ValueError(text)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a time: write ISO 8601 with an offset, e.g. 2027-01-31T23:59:58-06:00"
        ) from None
    if value.tzinfo is None:
        raise typer.BadParameter(
            f"{text!r} has no offset: add one, e.g. 2027-01-31T23:59:58-06:00 or …Z"
        )
    return value


def read_amount(text: str | Decimal) -> Decimal:
    """A finite decimal number (money, a score, a fraction): read exactly, never as a float."""
    if isinstance(text, Decimal):
        return text
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        value = Decimal("NaN")
    if not value.is_finite() or not text.strip():
        raise typer.BadParameter(f"{text!r} is not a decimal number: write e.g. 1250.00 or 0.85")
    return value


def read_number(
    text: str | float, minimum: float | None = None, maximum: float | None = None
) -> float:
    """A finite number (seconds, a share); ``nan`` and ``inf`` are refused, and so is one
    outside ``minimum``–``maximum`` when given."""
    if isinstance(text, float | int):
        value = float(text)
    else:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
    if not math.isfinite(value):
        raise typer.BadParameter(f"{text!r} is not a finite number: write e.g. 20 or 0.8")
    if minimum is not None and value < minimum:
        raise typer.BadParameter(f"{text!r} is below {minimum:g}")
    if maximum is not None and value > maximum:
        raise typer.BadParameter(f"{text!r} is above {maximum:g}")
    return value


def read_database_url(text: str) -> str:
    """A SQLAlchemy database URL naming a dialect callpact can use (sqlite, postgresql)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(text).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError):
        raise typer.BadParameter(
            f"{text!r} is not a database URL: write e.g. sqlite:///callpact.db or "
            "postgresql+psycopg://user@host/db"
        ) from None
    return text


def read_time_zone(text: str) -> str:
    """An IANA time zone name such as ``America/Chicago`` (kept as its text)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise typer.BadParameter(
            f"{text!r} is not a time zone: write an IANA name, e.g. America/Chicago or UTC"
        ) from None
    return text


class OneOf:
    """A word from a vocabulary the domain defines (``"module:NAME"``: a tuple or an enum of
    words), imported only when a value is read, so the CLI starts without the services."""

    def __init__(self, where: str) -> None:
        self.where = where

    def choices(self) -> tuple[str, ...]:
        module, name = self.where.split(":")
        found = getattr(importlib.import_module(module), name)
        return tuple(str(getattr(word, "value", word)) for word in found)

    def __call__(self, text: str) -> str:
        allowed = self.choices()
        if text not in allowed:
            raise typer.BadParameter(f"{text!r} is not one of {', '.join(allowed)}")
        return text


def one_of_option(where: str, *declarations: str, **settings: Any) -> Any:
    """An option whose value is one word of the domain's vocabulary ``where``."""
    return typer.Option(*declarations, parser=OneOf(where), **settings)


def instant_or_now(value: datetime | None) -> datetime:
    """An option's instant, or now (the server's clock) when it was not given."""
    return clock() if value is None else value


def month_option(*declarations: str, **settings: Any) -> Any:
    """An option whose value is a month (``YYYY-MM``)."""
    return typer.Option(*declarations, parser=read_month, metavar=MONTH, **settings)


def day_option(*declarations: str, **settings: Any) -> Any:
    """An option whose value is a date (``YYYY-MM-DD``)."""
    return typer.Option(*declarations, parser=read_day, metavar=DAY, **settings)


def instant_option(*declarations: str, **settings: Any) -> Any:
    """An option whose value is an instant with an offset."""
    return typer.Option(*declarations, parser=read_instant, metavar=INSTANT, **settings)


def amount_option(*declarations: str, **settings: Any) -> Any:
    """An option whose value is a finite decimal number."""
    return typer.Option(*declarations, parser=read_amount, metavar=AMOUNT, **settings)


def number_option(
    *declarations: str,
    minimum: float | None = None,
    maximum: float | None = None,
    **settings: Any,
) -> Any:
    """An option whose value is a finite number, within ``minimum``–``maximum`` when given
    (typer's own ``min``/``max`` do not apply to a value a parser reads)."""
    parser: Callable[..., float] = read_number
    if minimum is not None or maximum is not None:
        parser = partial(read_number, minimum=minimum, maximum=maximum)
    return typer.Option(*declarations, parser=parser, metavar=NUMBER, **settings)


def time_zone_option(*declarations: str, **settings: Any) -> Any:
    """An option whose value is an IANA time zone name."""
    return typer.Option(*declarations, parser=read_time_zone, metavar=TIME_ZONE, **settings)
