"""Every option of every command, driven with malformed values of its kind: no traceback, ever,
and never exit 0 for a value that is not what the option expects.

The command tree is read from the root group itself, so a command added tomorrow is fuzzed
without touching this file. Each option's kind comes from how it is declared: a reader of
:mod:`callpact.cli.values` (month, date, instant, decimal, number, database URL, time zone), a
choice, an integer, a path that must exist, or free text. For a value of the wrong kind the
command must stop while parsing, with status 2 and the option named; free text (ids, names,
notes) may be accepted or refused, but never with a traceback. The other options get valid
values and governance commands run signed in against a seeded temporary SQLite database, so
each command gets as far as its own checks on the value under test.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from callpact.cli import values
from callpact.cli.main import _register, app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ANNEX = EXAMPLES / "annex.yaml"

READERS: dict[Callable[..., Any], str] = {
    values.read_month: "month",
    values.read_day: "date",
    values.read_instant: "instant",
    values.read_amount: "decimal",
    values.read_number: "number",
    values.read_database_url: "database_url",
    values.read_time_zone: "time_zone",
}
# Kinds whose malformed values must be refused while parsing, naming the option (exit 2).
TYPED = {*READERS.values(), "choice", "int", "existing_path", "custom"}


@dataclass(frozen=True)
class Param:
    command: tuple[str, ...]
    name: str
    flag: str | None  # the option's first flag; None for an argument
    kind: str
    required: bool
    choices: tuple[str, ...]
    minimum: float | None

    @property
    def label(self) -> str:
        return f"{' '.join(self.command)} {self.flag or self.name.upper()}"  # as --help shows

    @property
    def shown(self) -> str:
        """How the error message names it: '--month' for an option, 'name' for an argument."""
        return self.flag or self.name


def _kind(param: Any) -> str:
    described = param.type_descriptor
    info = described.parameter_info
    annotation = described.annotation
    if isinstance(info.parser, values.OneOf):
        return "choice"
    if info.parser is not None:  # a reader, or a reader with bounds (functools.partial)
        return READERS.get(getattr(info.parser, "func", info.parser), "custom")
    if described.choices is not None:
        return "choice"
    if described.is_path:
        return "existing_path" if info.exists else "output_path"
    if annotation is bool:
        return "flag"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"  # must not happen: a float is read by values.read_number
    return "text"


def _choices(param: Any) -> tuple[str, ...]:
    """The words a choice takes: typer's (an enum, a Literal) or the domain's (values.OneOf)."""
    described = param.type_descriptor
    if isinstance(described.parameter_info.parser, values.OneOf):
        return described.parameter_info.parser.choices()
    return tuple(str(getattr(c, "value", c)) for c in described.choices or ())


def _minimum(info: Any) -> float | None:
    """The lowest value an option takes: typer's ``min``, or the bound given to its reader."""
    bounds = getattr(info.parser, "keywords", {}) if info.parser is not None else {}
    found = bounds.get("minimum", info.min)
    return None if found is None else float(found)


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in sorted(subcommands.items()):
            yield from _commands(sub, (*path, name))
    else:
        yield path, command


def _tree() -> dict[tuple[str, ...], list[Param]]:
    _register()
    root = typer.main.get_command(app)
    tree: dict[tuple[str, ...], list[Param]] = {}
    for path, command in _commands(root):
        params = []
        for param in command.params:
            if param.name in {"help"} or getattr(param, "is_eager", False):
                continue
            described = param.type_descriptor
            params.append(
                Param(
                    command=path,
                    name=param.name,
                    flag=next((o for o in param.opts if o.startswith("--")), None)
                    if param.param_type_name == "option"
                    else None,
                    kind=_kind(param),
                    required=bool(param.required),
                    choices=_choices(param),
                    minimum=_minimum(described.parameter_info),
                )
            )
        tree[path] = params
    return tree


TREE = _tree()
PARAMS = [p for params in TREE.values() for p in params if p.kind != "flag"]


def test_the_tree_is_every_command_and_no_number_escapes_the_readers() -> None:
    assert len(TREE) >= 70  # every leaf command of `callpact --help`, groups walked down
    assert ("dispute", "open") in TREE
    assert ("ingest",) in TREE
    floats = [p.label for p in PARAMS if p.kind == "float"]
    assert floats == [], "read floats with values.read_number (finite), not a bare float"
    # every option a user types a month into is read as a month (or is a choice of formats)
    monthly = {"--month", "--period", "--from", "--to"}
    unread = [p.label for p in PARAMS if p.flag in monthly and p.kind not in {"month", "choice"}]
    assert unread == []


# -- the world the commands run in ---------------------------------------------------------------


@dataclass
class World:
    root: Path
    env: dict[str, str | None]
    inputs: dict[str, Path]

    def valid(self, param: Param) -> str:
        """A value of the option's kind that parses (the command may still refuse it later)."""
        name = param.name
        if param.kind == "existing_path":
            return str(self.inputs.get(name, self.inputs["_default"]))
        if param.kind == "output_path":
            return str(self.root / "out" / f"{'-'.join(param.command)}-{name}")
        if param.kind == "choice":
            return param.choices[0]
        if param.kind == "int":
            return str(max(int(param.minimum or 1), 1))
        if param.kind == "custom":
            return {"actual": "2027-01=400", "sample": "all"}.get(name, "0.5")
        return {
            "month": "2027-01",
            "date": "2027-01-15",
            "instant": "2027-01-15T10:00:00Z",
            "decimal": "0.5",
            "number": "0.5",
            "database_url": str(self.env["CALLPACT_DATABASE_URL"]),
            "time_zone": "UTC",
        }.get(param.kind, "x")


# Valid settings, beyond the required ones, that keep a command quick while its other values
# are fuzzed (a small generated program, no audit verdicts written).
QUICK: dict[tuple[str, ...], list[str]] = {
    ("generate",): ["--contacts-per-month", "20", "--from", "2027-01", "--to", "2027-01"],
    ("verbatim", "audit"): ["--no-write", "--engine", "numpy"],
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("clifuzz")
    (root / "out").mkdir()
    delivery = root / "delivery"
    delivery.mkdir()
    (delivery / "contacts.csv").write_text(
        "contact_id,channel,direction,queue,offered_at,answered_at,ended_at,talk_s,hold_s,"
        "acw_s,agent_id,customer_id,transferred,disposition\n"
        "C1,voice,inbound,members,2027-01-05T09:00:00-06:00,2027-01-05T09:00:20-06:00,"
        "2027-01-05T09:05:00-06:00,250,10,20,A1,K1,false,resolved\n",
        encoding="utf-8",
    )
    statement = root / "statement.json"
    statement.write_text(json.dumps({"period": "2027-01"}), encoding="utf-8")
    text_file = root / "input.txt"
    text_file.write_text("not what any command reads\n", encoding="utf-8")
    inputs = {
        "_default": text_file,
        "contract": ANNEX,
        "contract_file": ANNEX,
        "annex": ANNEX,
        "file": ANNEX,
        "old": ANNEX,
        "new": ANNEX,
        "data": delivery,
        "path": delivery,
        "statement_file": statement,
    }
    env: dict[str, str | None] = {
        "CALLPACT_DATABASE_URL": f"sqlite:///{root / 'governance.db'}",
        "CALLPACT_CHEAP_PASSWORD_HASH": "1",
        "CALLPACT_CONFIG_DIR": str(root / "config"),
        "CALLPACT_CONTRACT": None,
        "CALLPACT_TOKEN": None,
        "CALLPACT_NEW_PASSWORD": None,
        "CALLPACT_DEMO_PASSWORD": None,
        "COLUMNS": "200",  # one line per message, so the option's name is never wrapped
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)  # commands that write to a default folder write here
        import typer.testing
        import uvicorn

        patch.setattr(uvicorn, "run", lambda *a, **k: None)  # `serve` must never listen
        # The runner builds the command tree from the app on every call (~0.1 s); thousands of
        # calls share one tree, built once, as one process of `callpact` does.
        built = typer.main.get_command(app)
        patch.setattr(typer.testing, "_get_command", lambda _: built)
        runner = CliRunner()
        seeded = runner.invoke(app, ["governance", "seed", "--contract", str(ANNEX)], env=env)
        assert seeded.exit_code == 0, seeded.output
        login = runner.invoke(
            app,
            ["login", "--email", "admin@northwind.example", "--password-stdin"],
            input="demo-password\n",
            env=env,
        )
        assert login.exit_code == 0, login.output
        yield World(root, env, inputs)


def _argv(world: World, bad: Param, value: str) -> list[str]:
    """The command, its options as ``--flag=value`` (so a value may start with ``-``), then
    ``--`` and its arguments in order."""
    params = TREE[bad.command]
    options = list(QUICK.get(bad.command, []))
    arguments = []
    for param in params:
        if param.kind == "flag":
            continue
        if param == bad or param.required:
            given = value if param == bad else world.valid(param)
            if param.flag is None:
                arguments.append(given)
            else:
                options.append(f"{param.flag}={given}")
    return [*bad.command, *options, "--", *arguments]


def _run(world: World, bad: Param, value: str) -> None:
    argv = _argv(world, bad, value)
    result = CliRunner().invoke(app, argv, env=world.env)
    shown = f"callpact {' '.join(argv)!r} → {result.exit_code}\n{result.output}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        trace = "".join(traceback.format_exception(result.exception))
        pytest.fail(f"traceback for a user's mistake: {shown}\n{trace}")
    assert "Traceback" not in result.output, shown
    if bad.kind in TYPED:
        assert result.exit_code == 2, shown
        flat = " ".join(result.output.replace("│", " ").split())
        assert f"'{bad.shown}'" in flat, shown


# -- malformed values of each kind ----------------------------------------------------------------


def _not(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda text: compiled.fullmatch(text) is None


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _is_zone(text: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(text)
    except Exception:
        return False
    return True


# A few drawn values per option keep the whole tree under a minute on two cores; set
# CALLPACT_FUZZ_EXAMPLES higher for a deeper search.
EXAMPLES_PER_OPTION = int(os.environ.get("CALLPACT_FUZZ_EXAMPLES", "3"))
TEXT = st.text(max_size=24)
CANONICAL: dict[str, list[str]] = {
    "month": ["2027-13", "2027-00", "2027-1", "27-01", "2027/01", "2027-01-01", "", "January"],
    "date": ["2027-02-30", "2027-13-01", "2027-1-5", "20270105", "tomorrow", ""],
    "instant": ["2027-01-15T10:00", "2027-13-01T00:00Z", "10:00Z", "now", ""],
    "decimal": ["abc", "NaN", "Infinity", "-inf", "1,5", "", "1e"],
    "number": ["nan", "inf", "-Infinity", "abc", "1,5", ""],
    "database_url": ["garbage", "nosuchdb://x", "sqlite//x.db", ""],
    "time_zone": ["Mars/Olympus", "UTC+5", "../etc/passwd", ""],
    "choice": ["no-such-choice", ""],
    "int": ["abc", "1.5", "", "1e3"],
    "existing_path": ["no/such/path", "\u00e9\u00e0/missing.yaml"],
    "custom": ["abc", "", "-"],
    "output_path": ["input.txt/inside-a-file"],
    "text": ["", " ", "-", "0", "../../etc/passwd", "x" * 300, "ü\u200b", "2027-13"],
}
MALFORMED: dict[str, st.SearchStrategy[str]] = {
    "month": TEXT.filter(_not(r"\d{4}-(0[1-9]|1[0-2])"))
    | st.builds("{:04d}-{:02d}".format, st.integers(0, 9999), st.integers(13, 99)),
    "date": TEXT.filter(_not(r"\d{4}-\d{2}-\d{2}"))
    | st.builds(
        "{:04d}-{:02d}-{:02d}".format,
        st.integers(1, 9999),
        st.integers(1, 12),
        st.integers(32, 99),
    ),
    "instant": TEXT.filter(_not(r"\d{4}-\d{2}-\d{2}.*"))
    | st.datetimes().map(lambda moment: moment.isoformat()),  # naive: no offset
    "decimal": TEXT.filter(lambda t: not _is_number(t)),
    "number": TEXT.filter(lambda t: not _is_number(t))
    | st.sampled_from(["nan", "inf", "-inf", "NaN", "+Infinity"]),
    "database_url": TEXT.filter(lambda t: "://" not in t),
    "time_zone": TEXT.filter(lambda t: not _is_zone(t)),
    "int": TEXT.filter(lambda t: not _is_int(t))
    | st.floats(allow_nan=False, allow_infinity=False)
    .filter(lambda f: not f.is_integer())
    .map(repr),
    "existing_path": st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1)
    .filter(lambda t: not Path(t).exists())
    .map(lambda t: f"missing/{t}"),
    "custom": st.text(st.characters(categories=["L"]), max_size=12).filter(lambda t: t != "all"),
    "text": TEXT,
}


@pytest.mark.parametrize("bad", PARAMS, ids=[p.label for p in PARAMS])
def test_a_malformed_value_is_a_message_never_a_traceback(world: World, bad: Param) -> None:
    samples = list(CANONICAL[bad.kind])
    if bad.kind == "choice":
        samples += [c.upper() + "x" for c in bad.choices[:1]]
    if bad.kind in {"int", "number"} and bad.minimum is not None:
        samples.append(str(int(bad.minimum) - 1))  # just below the option's range
    for value in samples:
        _run(world, bad, value)
    strategy = MALFORMED.get(bad.kind)
    if bad.kind == "choice":
        strategy = TEXT.filter(lambda t: t not in bad.choices)
    if strategy is None:
        return

    @settings(
        max_examples=EXAMPLES_PER_OPTION,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(strategy)
    def fuzz(value: str) -> None:
        _run(world, bad, value)

    fuzz()


def test_dispute_open_on_an_impossible_month_is_a_usage_message(world: World) -> None:
    # the reported case: a month 13, anywhere a month is read, is refused while parsing
    result = CliRunner().invoke(
        app,
        ["dispute", "list", "--contract", "northwind-harbor-2027", "--month", "2027-13"],
        env=world.env,
    )
    assert result.exit_code == 2
    assert (
        "Invalid value for '--month': '2027-13' is not a month: write YYYY-MM with a month "
        "from 01 to 12" in " ".join(result.output.replace("│", " ").split())
    )
    assert os.environ.get("CALLPACT_TOKEN") is None  # the world's sign-in stays in the world
