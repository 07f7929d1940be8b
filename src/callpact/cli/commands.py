"""Every command group of the CLI, in the order ``callpact --help`` lists them."""

from __future__ import annotations

import importlib

import typer

# (module under callpact.cli, how it is attached). A module exposing ``app`` becomes a group
# (``callpact contract check``); one exposing ``register(app)`` adds top-level commands
# (``callpact ingest``).
COMMAND_MODULES: tuple[str, ...] = (
    "contract",
    "data",
    "kpi",
    "settlement",
    "staffing",
    "generate",
    "governance",
    "identity",
    "verbatim",
)


def register(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"callpact.cli.{name}")
        module.register(app)
