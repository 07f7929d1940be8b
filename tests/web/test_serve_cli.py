"""``callpact serve`` refuses a data folder that is not there, naming the option."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from callpact.cli.main import _register, app


def test_serve_names_a_missing_data_folder(tmp_path: Path) -> None:
    _register()
    result = CliRunner().invoke(
        app, ["serve", "--data", str(tmp_path / "absent")], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert "--data" in result.output
    assert "does not exist" in result.output
