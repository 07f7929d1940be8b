"""Docs as tests: every diagnostic code is documented and every documented code exists; every
key of the annex model appears in the annex format document."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from callpact.contracts import model
from callpact.contracts.codes import ALL_CODES, ERROR_CODES, LINT_CODES

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_codes_in_docs_and_registry_agree() -> None:
    text = (DOCS / "lint.md").read_text(encoding="utf-8")
    documented = re.findall(r"^### (CP\d{3}) — ", text, flags=re.MULTILINE)
    assert sorted(documented) == sorted(ALL_CODES)
    assert len(documented) == len(set(documented))


def test_each_documented_code_gives_a_reason_and_a_fix() -> None:
    text = (DOCS / "lint.md").read_text(encoding="utf-8")
    sections = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    for section in sections:
        code = section[:5]
        assert "**Why.**" in section, code
        assert "**Fix.**" in section, code


def test_codes_are_stable_shapes() -> None:
    assert all(re.fullmatch(r"CP0\d\d", code) for code in ERROR_CODES)
    assert all(re.fullmatch(r"CP1\d\d", code) for code in LINT_CODES)


def test_every_annex_key_is_described_in_the_annex_format() -> None:
    text = (DOCS / "annex.md").read_text(encoding="utf-8")
    sections = [
        value
        for value in vars(model).values()
        if isinstance(value, type)
        and issubclass(value, BaseModel)
        and value.__module__ == model.__name__
    ]
    # The model's own bookkeeping, and fields the YAML writes in a shorthand form
    # (`target: {at_most: 420}`, `exclusions: [declared_outages]`).
    internal = {"versions", "source", "direction", "kind"}
    missing = sorted(
        f"{cls.__name__}.{name}"
        for cls in sections
        for name in cls.model_fields
        if name not in internal and f"`{name}" not in text
    )
    assert missing == []
