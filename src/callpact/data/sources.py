"""Open what a KPI run reads: a workspace, or a raw interchange folder validated on the fly.

This sits above both the workspace and ingest (a raw folder goes through ingest into a
temporary workspace), so that the workspace never imports ingest.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from callpact.data.ingest import ingest_path
from callpact.data.workspace import DataSource, Workspace, is_workspace


def open_source(path: str | os.PathLike[str]) -> DataSource:
    """Open a workspace, or validate a raw interchange folder into a temporary one.

    A raw folder (``<table>.csv|.parquet`` files) goes through exactly ingest's row rules; the
    returned source's ``rejected`` says how many rows each table lost. Close the source (or use
    it as a context manager) to remove the temporary copy. Raises
    :class:`callpact.data.ingest.DeliveryError` when the folder cannot be processed at all.
    """
    root = Path(path)
    if is_workspace(root):
        return Workspace(root).source()
    tmp = tempfile.TemporaryDirectory(prefix="callpact-folder-")
    try:
        report = ingest_path(root, Path(tmp.name) / "ws")
        src = Workspace(Path(tmp.name) / "ws").source()
    except BaseException:
        tmp.cleanup()
        raise
    src.kind = "folder"
    src.root = root
    src.rejected = {t: r.rejected for t, r in report.tables.items()}
    src.duplicates = {t: r.duplicates for t, r in report.tables.items()}
    src._tempdir = tmp
    return src
