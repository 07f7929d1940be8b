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


def test_every_exit_status_is_documented_with_its_name() -> None:
    from callpact.cli import errors

    statuses = {name: value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    page = (ROOT / "docs" / "cli.md").read_text("utf-8")
    documented = dict(re.findall(r"^\| (\d+) \| `(EXIT_\w+)` \|", page, flags=re.MULTILINE))
    assert {name: value for value, name in documented.items()} == {
        name: str(value) for name, value in statuses.items()
    }
