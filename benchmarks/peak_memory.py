"""Peak memory of the running benchmark process, for the benchmarks' last lines."""

from __future__ import annotations

import resource
from pathlib import Path


def own_peak_mb() -> float:
    """This process's own peak RSS in MB.

    Linux's ``ru_maxrss`` carries a parent's peak over into the child it starts (5.7 GB reported
    for a 1.6 GB KPI run started right after building 50M contacts); ``VmHWM`` is the high-water
    mark of this program's own memory.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
