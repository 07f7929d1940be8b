from typer.testing import CliRunner

from callpact import __version__
from callpact.cli.main import _register, app


def test_version_prints_the_installed_version() -> None:
    _register()
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"callpact {__version__}"
