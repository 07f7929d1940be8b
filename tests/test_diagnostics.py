import json

from callpact.diagnostics import Diagnostic, Severity, has_errors, to_json_text


def test_format_reads_like_a_compiler_message() -> None:
    d = Diagnostic(
        "a.yaml", 8, 13, Severity.ERROR, "CP001", "unknown key 'targt'", "did you mean 'target'?"
    )
    assert (
        d.format()
        == "a.yaml:8:13: error[CP001]: unknown key 'targt' (hint: did you mean 'target'?)"
    )


def test_json_carries_every_field_and_sorts_by_position() -> None:
    late = Diagnostic("a.yaml", 9, 1, Severity.WARNING, "CP101", "w")
    early = Diagnostic("a.yaml", 2, 5, Severity.ERROR, "CP002", "e", field="kpis")
    rows = json.loads(to_json_text([late, early]))
    assert [r["line"] for r in rows] == [2, 9]
    assert rows[0] == {
        "source": "a.yaml",
        "line": 2,
        "column": 5,
        "severity": "error",
        "code": "CP002",
        "message": "e",
        "hint": "",
        "field": "kpis",
    }
    assert has_errors([late, early])
    assert not has_errors([late])
