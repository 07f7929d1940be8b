"""The package's deliberate public surface: every name resolves, and importing is cheap."""

from __future__ import annotations

import subprocess
import sys

import callpact


def test_every_public_name_resolves() -> None:
    for name in callpact.__all__:
        assert getattr(callpact, name) is not None, name


def test_importing_callpact_loads_no_engine() -> None:
    heavy = ("duckdb", "ibis", "pyspark", "sqlalchemy")
    code = f"import sys, callpact; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
