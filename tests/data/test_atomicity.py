"""A kill half-way through an ingest leaves the workspace exactly as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from callpact.data.ingest import ingest_path
from callpact.data.sources import open_source
from callpact.data.workspace import Workspace

HEADER = (
    "contact_id,channel,direction,queue,offered_at,answered_at,ended_at,"
    "talk_s,hold_s,acw_s,agent_id,customer_id,transferred,disposition\n"
)


def big_delivery(folder: Path, rows: int, prefix: str, first: str = "") -> Path:
    """``rows`` contacts over three months; ``first`` (a key) adds a row for it at the top."""
    folder.mkdir(parents=True)
    line = (
        ",voice,inbound,members,2027-0{m}-05T09:00:00-06:00,2027-0{m}-05T09:00:20-06:00,"
        "2027-0{m}-05T09:05:00-06:00,250,10,20,A1,K{k},false,resolved\n"
    )
    body = first + line.format(m=1, k=0) if first else ""
    body += "".join(f"{prefix}{i}" + line.format(m=1 + i % 3, k=i % 997) for i in range(rows))
    (folder / "contacts.csv").write_text(HEADER + body, encoding="utf-8")
    return folder


def snapshot(ws: Path) -> tuple[str, str, list[dict[str, object]], dict[str, int]]:
    with open_source(ws) as src:
        return (
            (ws / "CURRENT").read_text(),
            src.fingerprint("contacts"),
            Workspace(ws).ingest_log(),
            src.rejected,
        )


@pytest.mark.parametrize(
    ("kill_when", "repeats_stored"),
    [
        # a new delivery: split by month, then each month sorted and merged with stored rows
        ("scratch/contacts/months", False),
        ("scratch/contacts/out", False),
        ("next/tables", False),
        # a delivery repeating a stored contact: staged, keys resolved, then written
        ("scratch/contacts/staged.parquet", True),
        ("scratch/contacts/out", True),
    ],
)
def test_kill_mid_ingest_leaves_the_workspace_unchanged(
    tmp_path: Path, kill_when: str, repeats_stored: bool
) -> None:
    ws = tmp_path / "ws"
    ingest_path(big_delivery(tmp_path / "first", 50, "F"), ws)
    before = snapshot(ws)
    second = big_delivery(tmp_path / "second", 300_000, "S", first="F0" if repeats_stored else "")
    script = (
        "import sys; from callpact.data.ingest import ingest_path; "
        "ingest_path(sys.argv[1], sys.argv[2])"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, str(second), str(ws)])
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        if any((ws / ".staging").glob(f"*/{kill_when}")):
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.002)
    proc.wait()
    assert killed, "the ingest finished before the kill point was seen"
    assert snapshot(ws) == before
    # the next writer cleans up after the killed one and works normally
    report = ingest_path(big_delivery(tmp_path / "third", 10, "T"), ws)
    assert report.tables["contacts"].accepted == 10
    assert not any((ws / ".staging").iterdir())
    with open_source(ws) as src:
        assert src.read_table("contacts").num_rows == 60
