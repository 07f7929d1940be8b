"""Where each value of an annex stands in its file, for every version of the contract.

The loader reads YAML into plain data and records, per path (``("kpis", 0, "target")``), the
1-based line and column of the key and of the value. An amendment merges its changes into the
previous version, so a version's path may come from the base text or from an amendment: each
version keeps an *origin* map from its paths to the file paths they were read from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Path = tuple[str | int, ...]
Position = tuple[int, int]


def resolve(origin: dict[Path, Path], path: Path) -> Path:
    """The file path a version's ``path`` was read from (longest known prefix wins)."""
    for cut in range(len(path), -1, -1):
        found = origin.get(path[:cut])
        if found is not None:
            return found + path[cut:]
    return path


@dataclass(slots=True)
class FilePositions:
    """Positions of keys and values in one file, keyed by file path."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    containers: set[Path] = field(default_factory=set)

    def locate(self, path: Path, *, prefer_key: bool = False) -> Position:
        """The position of ``path``, or of its nearest located ancestor (1, 1 at worst).

        A mapping or list is located at its key (the line a reader looks at); a scalar at its
        value, unless ``prefer_key`` asks for the key (an unknown key is the key's fault)."""
        for cut in range(len(path), -1, -1):
            here = path[:cut]
            if here in self.keys and (prefer_key or here in self.containers):
                return self.keys[here]
            if here in self.values:
                return self.values[here]
            if here in self.keys:
                return self.keys[here]
        return (1, 1)


@dataclass(slots=True)
class ContractPositions:
    """A file's positions plus, per contract version, where its paths came from."""

    source: str
    file: FilePositions = field(default_factory=FilePositions)
    origins: list[dict[Path, Path]] = field(default_factory=list)

    def file_path(self, path: Path, version: int = 0) -> Path:
        root: dict[Path, Path] = {(): ()}
        origin = self.origins[version] if version < len(self.origins) else root
        return resolve(origin, path)

    def locate(self, path: Path, version: int = 0, *, prefer_key: bool = False) -> Position:
        return self.file.locate(self.file_path(path, version), prefer_key=prefer_key)


def dotted(path: Path) -> str:
    """``("kpis", 0, "target")`` → ``kpis[0].target``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
