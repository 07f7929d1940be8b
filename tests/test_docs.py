"""Docs as tests: every link in the README and docs/ resolves, and every command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from callpact.cli.main import _register, app

ROOT = Path(__file__).resolve().parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_every_relative_link_resolves() -> None:
    broken = [
        f"{page.relative_to(ROOT)} → {target}"
        for page in _pages()
        for target in LINK.findall(page.read_text("utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert broken == []


def test_every_command_is_documented() -> None:
    _register()
    root = typer.main.get_command(app)
    assert isinstance(root, typer.core.TyperGroup)
    docs = "\n".join(p.read_text("utf-8") for p in (ROOT / "docs").glob("*.md"))
    missing = [name for name in root.commands if f"callpact {name}" not in docs]
    assert missing == []
