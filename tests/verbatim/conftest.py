from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Build the ONNX graph into a throwaway cache, never into the user's."""
    mp = pytest.MonkeyPatch()
    mp.setenv("CALLPACT_CACHE_DIR", str(tmp_path_factory.mktemp("callpact-cache")))
    yield
    mp.undo()
