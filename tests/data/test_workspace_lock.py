"""Two writers, one workspace: the second ingest waits for the first one's lock (saying so on
stderr), then ingests on top of what the first wrote, so nothing is lost; ``--no-wait`` and a
wait that runs out refuse with exit status 75 and leave the workspace as the first writer made
it. Each writer is a process of its own, as two people running ``callpact ingest`` would be."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from callpact.data.sources import open_source
from callpact.data.workspace import LockWait, Workspace, WorkspaceBusy

HEADER = (
    "contact_id,channel,direction,queue,offered_at,answered_at,ended_at,"
    "talk_s,hold_s,acw_s,agent_id,customer_id,transferred,disposition"
)
ROW = (
    "{id},voice,inbound,members,2027-01-05T09:00:00-06:00,2027-01-05T09:00:20-06:00,"
    "2027-01-05T09:05:00-06:00,250,10,20,A1,K{id},false,resolved"
)

# The first writer: a real ingest that, once it holds the lock (its first progress report
# comes from inside the transaction), says so and keeps the lock until it is told to go on.
HOLDER = """
import sys, time
from pathlib import Path
from callpact.data.ingest import ingest_path

delivery, workspace, ready, release = map(Path, sys.argv[1:5])

def progress(table, stage, fraction):
    if not ready.exists():
        ready.touch()
        deadline = time.monotonic() + 30
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)

ingest_path(delivery, workspace, progress=progress)
"""

CLI = "import sys; sys.argv[0] = 'callpact'; from callpact.cli.main import run; run()"


def _delivery(folder: Path, ids: list[str]) -> Path:
    folder.mkdir(parents=True)
    rows = "\n".join(ROW.format(id=i) for i in ids)
    (folder / "contacts.csv").write_text(f"{HEADER}\n{rows}\n", encoding="utf-8")
    return folder


def _contact_ids(workspace: Path) -> list[str]:
    with open_source(workspace) as source:
        return sorted(source.read_table("contacts", ["contact_id"]).column(0).to_pylist())


def _env() -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}


class Holder:
    """The first ingest, in its own process, holding the workspace lock until released."""

    def __init__(self, tmp_path: Path, workspace: Path) -> None:
        self.ready = tmp_path / "holder.ready"
        self.release_file = tmp_path / "holder.release"
        delivery = _delivery(tmp_path / "first", ["C1", "C2", "C3"])
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                HOLDER,
                *map(str, (delivery, workspace, self.ready, self.release_file)),
            ],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not self.ready.exists():
            assert self.process.poll() is None, self.process.communicate()
            assert time.monotonic() < deadline, "the first ingest never took the lock"
            time.sleep(0.05)

    def release(self) -> None:
        self.release_file.touch()
        _, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return tmp_path / "ws"


def test_a_second_ingest_waits_for_the_first_then_runs_and_loses_nothing(
    tmp_path: Path, workspace: Path
) -> None:
    holder = Holder(tmp_path, workspace)
    second = _delivery(tmp_path / "second", ["C4", "C5"])
    waiter = subprocess.Popen(
        [sys.executable, "-c", CLI, "ingest", str(second), "-w", str(workspace)],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert waiter.stderr is not None
    said = waiter.stderr.readline()  # printed when the wait begins (EOF if it never waited)
    assert f"another callpact process is writing (ingest by pid {holder.process.pid} since" in (
        said
    )
    assert "waiting up to 600 s" in said
    time.sleep(0.5)
    assert waiter.poll() is None  # still waiting: the first ingest holds the lock
    holder.release()
    _, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    # both deliveries are in, and the second came after the first: two ingests in the log
    assert _contact_ids(workspace) == ["C1", "C2", "C3", "C4", "C5"]
    assert [entry["kind"] for entry in Workspace(workspace).ingest_log()] == ["ingest", "ingest"]


@pytest.mark.parametrize(
    ("options", "waited"),
    [(["--no-wait"], False), (["--wait-s", "0.5"], True)],
    ids=["no-wait", "wait-runs-out"],
)
def test_a_busy_workspace_is_refused_with_status_75_and_left_as_it_was(
    tmp_path: Path, workspace: Path, options: list[str], waited: bool
) -> None:
    holder = Holder(tmp_path, workspace)
    second = _delivery(tmp_path / "second", ["C4", "C5"])
    try:
        began = time.monotonic()
        refused = subprocess.run(
            [sys.executable, "-c", CLI, "ingest", str(second), "-w", str(workspace), *options],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        elapsed = time.monotonic() - began
    finally:
        holder.release()
    assert refused.returncode == 75, refused.stderr
    assert "Traceback" not in refused.stderr
    assert f"another callpact process is writing (ingest by pid {holder.process.pid}" in (
        refused.stderr
    )
    assert ("after waiting" in refused.stderr) is waited
    assert ("waiting up to" in refused.stderr) is waited
    if waited:
        assert elapsed >= 0.5
    assert _contact_ids(workspace) == ["C1", "C2", "C3"]  # only the first writer's rows


def test_the_lock_is_free_again_after_a_writer_and_says_nobody_holds_it(workspace: Path) -> None:
    ws = Workspace(workspace)
    with ws.transaction(purpose="ingest"):
        assert "ingest by pid" in (workspace / ".lock").read_text("utf-8")
    assert (workspace / ".lock").read_text("utf-8") == ""
    told: list[tuple[str, float]] = []
    with ws.transaction(wait=LockWait(timeout_s=0.0, on_wait=lambda h, t: told.append((h, t)))):
        pass
    assert told == []  # a free lock is taken at once, without a word


def test_waiting_in_process_is_bounded_and_names_the_holder(workspace: Path) -> None:
    ws = Workspace(workspace)
    told: list[tuple[str, float]] = []
    # flock locks belong to the open file, so a second open in this process contends too
    with ws.transaction(purpose="ingest"):
        began = time.monotonic()
        with (
            pytest.raises(WorkspaceBusy, match=r"ingest by pid \d+ since .* after waiting"),
            ws.transaction(
                wait=LockWait(timeout_s=0.3, on_wait=lambda h, t: told.append((h, t)), poll_s=0.05)
            ),
        ):
            pass
        assert time.monotonic() - began >= 0.3
    assert len(told) == 1
    assert told[0][0].startswith(f"ingest by pid {os.getpid()} since ")
    assert told[0][1] == 0.3
