"""The loader never raises on user input: odd YAML, alias bombs, impossible dates, and random
damage to a valid annex all come back as diagnostics with codes from the closed list."""

from __future__ import annotations

import time

from annex_text import CLEAN, position
from hypothesis import given, settings
from hypothesis import strategies as st

from callpact.contracts import load_contract_text
from callpact.contracts.codes import ERROR_CODES
from callpact.diagnostics import Severity

LINES = CLEAN.splitlines(keepends=True)


def test_an_impossible_date_is_located() -> None:
    text = CLEAN.replace("start: 2027-01-01", "start: 2027-02-30")
    contract, found = load_contract_text(text, "annex.yaml")
    assert contract is None
    assert [(d.code, d.line, d.column) for d in found] == [("CP006", *position(text, "2027-02-30"))]


def test_deep_nesting_and_alias_bombs_are_refused_quickly() -> None:
    deep = "a: " + "[" * 1000 + "]" * 1000 + "\n"
    (problem,) = load_contract_text(deep)[1]
    assert problem.code == "CP001"
    assert "nested more than 40 levels" in problem.message
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    started = time.perf_counter()
    _, found = load_contract_text(bomb)
    assert [d.code for d in found] == ["CP001"]
    assert "aliases" in found[0].message
    assert time.perf_counter() - started < 5


@settings(max_examples=40, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(LINES) - 1),
    st.sampled_from(["delete", "duplicate", "garble", "dedent"]),
    st.integers(min_value=0, max_value=200),
)
def test_damaged_annexes_give_diagnostics_never_exceptions(
    index: int, damage: str, offset: int
) -> None:
    lines = list(LINES)
    line = lines[index]
    if damage == "delete":
        del lines[index]
    elif damage == "duplicate":
        lines.insert(index, line)
    elif damage == "garble" and line.strip():
        at = offset % len(line.rstrip("\n"))
        lines[index] = line[:at] + "~:{" + line[at + 1 :]
    else:
        lines[index] = line.lstrip(" ")
    text = "".join(lines)
    contract, found = load_contract_text(text, "annex.yaml")
    errors = [d for d in found if d.severity is Severity.ERROR]
    assert (contract is None) == bool(errors)
    assert all(d.code in ERROR_CODES for d in found)
    assert all(0 <= d.line <= text.count("\n") + 1 for d in found)
