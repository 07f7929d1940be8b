"""Read an annex file into a :class:`Contract`, collecting every problem as a Diagnostic.

Nothing here raises on user input. The file is parsed once (ruamel.yaml, round-trip mode, so
every key and value keeps its line and column), each section is validated on its own (a broken
KPI does not hide the errors of the next one), then checks that span sections run on whatever
validated: references, tiers against the target, dates within the term, amendments.

Amendments::

    amendments:
      - effective_from: 2027-07-01
        note: service level target raised
        changes:                    # partial sections, merged into the previous version
          contract: {cure: {period_days: 15}}
          kpis:
            - {id: sl-voice, target: 0.82}      # merged into the KPI with that id
            - {id: verbatim, remove: true}      # drops a KPI
            - {id: asa-chat, metric: asa, …}    # a new id adds a KPI

Mappings merge key by key; a list of items with ``id`` (kpis, documents, aht_plan.measures)
merges item by item; any other list is replaced whole.
"""

from __future__ import annotations

import copy
import difflib
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from callpact.contracts.metrics import METRICS
from callpact.contracts.model import (
    AhtPlan,
    Contract,
    ContractTerms,
    ContractVersion,
    Incidents,
    KpiSpec,
    RequiredDocument,
    Scope,
    Staff,
    Training,
    check_params,
)
from callpact.contracts.positions import ContractPositions, FilePositions, Path, dotted, resolve
from callpact.diagnostics import Diagnostic, Severity

SECTIONS: Mapping[str, type[BaseModel]] = {
    "contract": ContractTerms,
    "scope": Scope,
    "incidents": Incidents,
    "staff": Staff,
    "training": Training,
    "aht_plan": AhtPlan,
}
LIST_SECTIONS: Mapping[str, type[BaseModel]] = {"kpis": KpiSpec, "documents": RequiredDocument}
REQUIRED = ("contract", "scope", "kpis")
ROOT_KEYS = (*SECTIONS, *LIST_SECTIONS, "amendments")
AMENDMENT_KEYS = ("effective_from", "note", "changes")


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found at a path of one version (turned into a Diagnostic by the caller)."""

    path: Path
    code: str
    message: str
    hint: str = ""
    prefer_key: bool = False


@dataclass(slots=True)
class LoadResult:
    contract: Contract | None
    diagnostics: list[Diagnostic]
    positions: ContractPositions
    data: Any = None


@dataclass(slots=True)
class VersionParts:
    """The sections of one version that validated (a failed one is absent)."""

    index: int
    effective_from: date | None
    data: dict[str, Any]
    origin: dict[Path, Path]
    sections: dict[str, Any] = field(default_factory=dict)
    kpis: list[tuple[int, KpiSpec]] = field(default_factory=list)
    documents: list[tuple[int, RequiredDocument]] = field(default_factory=list)
    complete: bool = True


# -- YAML → plain data with positions -----------------------------------------------------------


#: An annex has a few hundred values; YAML aliases can multiply a small text into millions.
MAX_NODES = 100_000
MAX_DEPTH = 40


class _TooComplexError(Exception):
    """The YAML expands beyond what an annex can be (alias bombs, recursive aliases)."""


def _plain(node: Any, path: Path, where: FilePositions, budget: list[int]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    budget[0] -= 1
    if budget[0] < 0 or len(path) > MAX_DEPTH:
        raise _TooComplexError
    if isinstance(node, CommentedMap):
        where.containers.add(path)
        out: dict[Any, Any] = {}
        for key, value in node.items():
            plain_key = _scalar(key)
            child = (*path, plain_key)
            spot = node.lc.data.get(key)
            if spot is not None:
                where.keys[child] = (spot[0] + 1, spot[1] + 1)
                where.values[child] = (spot[2] + 1, spot[3] + 1)
            out[plain_key] = _plain(value, child, where, budget)
        return out
    if isinstance(node, CommentedSeq):
        where.containers.add(path)
        items: list[Any] = []
        for index, value in enumerate(node):
            child = (*path, index)
            spot = node.lc.data.get(index)
            if spot is not None:
                where.values[child] = (spot[0] + 1, spot[1] + 1)
            items.append(_plain(value, child, where, budget))
        return items
    return _scalar(node)


def _scalar(value: Any) -> Any:
    # YAML floats become Decimal through their shortest text (0.80 → Decimal("0.8")), never
    # through binary floating point: money and shares stay exact.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(float(value)))
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    # Dates stay dates; a date with a time stays a datetime, which a date field rejects.
    return value


def _parse(text: str, source: str) -> tuple[Any, FilePositions, list[Diagnostic]]:
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    where = FilePositions()
    yaml = YAML(typ="rt")
    yaml.max_depth = MAX_DEPTH  # refuse deep nesting before it costs seconds of recursion
    try:
        node = yaml.load(text)
    except DuplicateKeyError as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        return None, where, [_diag(source, line, column, "CP002", _yaml_message(error))]
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        message = f"YAML syntax: {_yaml_message(error)}"
        if type(error).__name__ == "MaxDepthExceededError":
            message = f"the YAML is nested more than {MAX_DEPTH} levels deep"
        return None, where, [_diag(source, line, column, "CP001", message)]
    except YAMLError as error:
        return None, where, [_diag(source, 0, 0, "CP001", f"YAML syntax: {error}")]
    except RecursionError:
        return None, where, [_diag(source, 1, 1, "CP001", "the YAML is nested too deeply")]
    except ValueError:
        # The constructor rejects a well-formed but impossible timestamp (2027-02-30) without
        # a position: find it on the composed node tree, which keeps every mark.
        return None, where, [_bad_timestamp(text, source)]
    try:
        return _plain(node, (), where, [MAX_NODES]), where, []
    except _TooComplexError:
        message = (
            f"the YAML expands to more than {MAX_NODES} values or {MAX_DEPTH} levels "
            "(recursive or repeated aliases?)"
        )
        return None, where, [_diag(source, 1, 1, "CP001", message)]


def _bad_timestamp(text: str, source: str) -> Diagnostic:
    from ruamel.yaml import YAML
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    stack = [YAML(typ="rt").compose(text)]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, ScalarNode) and str(node.tag).endswith(":timestamp"):
            try:
                date.fromisoformat(str(node.value)[:10])
            except ValueError:
                mark = node.start_mark
                return _diag(
                    source,
                    mark.line + 1,
                    mark.column + 1,
                    "CP006",
                    f"{node.value} is not a date of the calendar",
                    "write dates as YYYY-MM-DD",
                )
    return _diag(source, 0, 0, "CP001", "the YAML holds a value that cannot be read")


def _yaml_message(error: Any) -> str:
    parts = [str(p) for p in (error.context, error.problem) if p]
    return " ".join(" ".join(parts).split()) or str(error)


def _diag(  # noqa: PLR0917 - the Diagnostic's own fields, in its order
    source: str,
    line: int,
    column: int,
    code: str,
    message: str,
    hint: str = "",
    field_name: str = "",
) -> Diagnostic:
    return Diagnostic(source, line, column, Severity.ERROR, code, message, hint, field_name)


# -- amendments: versions as merged data ----------------------------------------------------------


def _rekey(origin: dict[Path, Path], old: Path, new: Path, into: dict[Path, Path]) -> None:
    for key, value in origin.items():
        if key[: len(old)] == old:
            into[new + key[len(old) :]] = value
    if new not in into:
        into[new] = resolve(origin, old)


def _merge(base: Any, change: Any, at: Path, source: Path, origin: dict[Path, Path]) -> Any:
    """``change`` (read at file path ``source``) merged into ``base`` (version path ``at``).
    ``origin`` is updated in place so merged paths resolve to where their text was written."""
    if isinstance(base, dict) and isinstance(change, dict):
        out = dict(base)
        for key, value in change.items():
            if key in out:
                out[key] = _merge(out[key], value, (*at, key), (*source, key), origin)
            else:
                _graft(origin, (*at, key), (*source, key))
                out[key] = value
        return out
    if _by_id(base) and _by_id(change):
        return _merge_by_id(base, change, at, source, origin)
    _graft(origin, at, source)
    return change


def _by_id(items: Any) -> bool:
    return isinstance(items, list) and all(isinstance(i, dict) and "id" in i for i in items)


def _graft(origin: dict[Path, Path], at: Path, source: Path) -> None:
    for key in [k for k in origin if k[: len(at)] == at]:
        del origin[key]
    origin[at] = source


def _merge_by_id(
    base: list[dict[str, Any]],
    change: list[dict[str, Any]],
    at: Path,
    source: Path,
    origin: dict[Path, Path],
) -> list[Any]:
    old = {k: v for k, v in origin.items() if k[: len(at)] == at and len(k) > len(at)}
    for key in old:
        del origin[key]
    if at not in origin:
        origin[at] = resolve({**origin, **old}, at)
    merged: list[Any] = []
    full = {**origin, **old}
    for index, item in enumerate(base):
        _rekey(full, (*at, index), (*at, len(merged)), origin)
        merged.append(item)
    for index, item in enumerate(change):
        found = next((i for i, m in enumerate(merged) if m.get("id") == item["id"]), None)
        if item.get("remove") is True:
            if found is not None:
                # Shift the origins of the items after the removed one down by one.
                shifted: dict[Path, Path] = {}
                for key, value in list(origin.items()):
                    if key[: len(at)] == at and len(key) > len(at):
                        position = key[len(at)]
                        assert isinstance(position, int)
                        del origin[key]
                        if position != found:
                            new_index = position - (position > found)
                            shifted[(*at, new_index, *key[len(at) + 1 :])] = value
                origin.update(shifted)
                del merged[found]
            continue
        if found is None:
            _graft(origin, (*at, len(merged)), (*source, index))
            merged.append(item)
        else:
            merged[found] = _merge(merged[found], item, (*at, found), (*source, index), origin)
    return merged


def _amendments(
    data: dict[str, Any], where: FilePositions, source: str
) -> tuple[list[VersionParts], list[Diagnostic]]:
    problems: list[Diagnostic] = []
    base = {k: v for k, v in data.items() if k != "amendments"}
    versions = [VersionParts(0, None, base, {(): ()})]
    raw = data.get("amendments")
    if raw is None:
        return versions, problems
    if not isinstance(raw, list):
        line, column = where.locate(("amendments",))
        return versions, [_diag(source, line, column, "CP005", "amendments must be a list")]
    previous = versions[0]
    last_date: date | None = None
    for index, amendment in enumerate(raw):
        here: Path = ("amendments", index)

        def report(path: Path, code: str, message: str, hint: str = "") -> None:
            line, column = where.locate(path, prefer_key=code == "CP003")
            problems.append(_diag(source, line, column, code, message, hint, dotted(path)))

        if not isinstance(amendment, dict):
            report(here, "CP005", "an amendment is a mapping with effective_from and changes")
            continue
        for key in amendment:
            if key not in AMENDMENT_KEYS:
                report((*here, key), "CP003", _unknown(str(key), AMENDMENT_KEYS))
        effective = amendment.get("effective_from")
        changes = amendment.get("changes")
        if "effective_from" not in amendment or "changes" not in amendment:
            missing = "effective_from" if "effective_from" not in amendment else "changes"
            report(here, "CP004", f"amendment {index + 1} needs {missing}")
            continue
        if isinstance(effective, datetime) or not isinstance(effective, date):
            report((*here, "effective_from"), "CP005", "effective_from must be a date (YYYY-MM-DD)")
            continue
        if not isinstance(changes, dict):
            report((*here, "changes"), "CP005", "changes must be a mapping of sections")
            continue
        bad = False
        for key in changes:
            if key not in (*SECTIONS, *LIST_SECTIONS):
                report((*here, "changes", key), "CP003", _unknown(str(key), ROOT_KEYS[:-1]))
                bad = True
        terms = changes.get("contract")
        fixed = (("id",), ("term", "start"))
        for field_path in fixed if isinstance(terms, dict) else ():
            inner: Any = terms
            for part in field_path:
                inner = inner.get(part) if isinstance(inner, dict) else None
            if inner is not None:
                report(
                    (*here, "changes", "contract", *field_path),
                    "CP006",
                    f"an amendment cannot change contract.{'.'.join(field_path)}",
                    "a contract with another id or start is a new contract: write a new annex",
                )
                bad = True
        if last_date is not None and effective <= last_date:
            report(
                (*here, "effective_from"),
                "CP014",
                f"amendment effective {effective} is not after the previous one ({last_date})",
                "list amendments in the order they take effect",
            )
            continue
        for key, nested in (("kpis", None), ("documents", None), ("aht_plan", "measures")):
            listed = changes.get(key)
            have = previous.data.get(key)
            if nested is not None:
                listed = listed.get(nested) if isinstance(listed, dict) else None
                have = have.get(nested) if isinstance(have, dict) else None
            ids = {i.get("id") for i in have or () if isinstance(i, dict)}
            for position, item in enumerate(listed if isinstance(listed, list) else ()):
                if (
                    isinstance(item, dict)
                    and item.get("remove") is True
                    and item.get("id") not in ids
                ):
                    path: Path = (*here, "changes", key, *((nested,) if nested else ()), position)
                    report(path, "CP012", f"there is no {key} item {item.get('id')!r} to remove")
                    bad = True
        if bad:
            continue
        last_date = effective
        origin = dict(previous.origin)
        merged = _merge(copy.deepcopy(previous.data), changes, (), (*here, "changes"), origin)
        note = amendment.get("note")
        parts = VersionParts(len(versions), effective, merged, origin)
        parts.sections["note"] = str(note) if note is not None else None
        versions.append(parts)
        previous = parts
    return versions, problems


# -- validation -------------------------------------------------------------------------------


def _unknown(key: str, allowed: typing.Iterable[str]) -> str:
    near = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    message = f"unknown key {key!r}"
    return message + (f"; did you mean {near[0]!r}?" if near else "")


def _allowed_keys(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model that sits at ``loc`` inside ``model`` (for did-you-mean)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                continue
            current = info.annotation
            continue
        origin = typing.get_origin(current)
        args = typing.get_args(current)
        if origin in (tuple, list) and args:
            current = args[0]
        elif origin is dict and len(args) == 2:
            current = args[1]
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            annotation = args[0]
        elif args and (origin is typing.Union or str(origin) == "<class 'types.UnionType'>"):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            non_none = [a for a in args if a is not type(None)]
            annotation = models[0] if models else non_none[0]
        else:
            return annotation


_TYPE_ERRORS = ("_type", "_parsing", "_inexact", "int_from_float", "is_instance_of", "union_tag")
_VALUE_ERRORS = (
    "greater_than",
    "less_than",
    "string_pattern_mismatch",
    "too_short",
    "too_long",
    "literal_error",
    "enum",
    "value_error",
    "assertion_error",
    "multiple_of",
    "decimal_max_places",
    "decimal_max_digits",
    "decimal_whole_digits",
)


def _exists(data: Any, path: Path) -> bool:
    current = data
    for part in path:
        if isinstance(current, dict):
            if part not in current:
                return False
            current = current[part]
            continue
        if not isinstance(current, list) or not isinstance(part, int):
            return False
        if not 0 <= part < len(current):
            return False
        current = current[part]
    return True


def _finding(error: ErrorDetails, prefix: Path, data: Any, model: Any) -> Finding:
    kind = error["type"]
    context = dict(error.get("ctx") or {})
    loc: tuple[Any, ...] = tuple(error["loc"]) + tuple(context.get("path") or ())
    located: Path = prefix
    for part in loc:
        if _exists(data, (*located, part)):
            located = (*located, part)
    hint = str(context.get("hint") or "")
    readable = dotted(located)
    if kind.startswith("CP"):
        return Finding(located, kind, f"{readable}: {error['msg']}", hint)
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = _allowed_keys(model, loc[:-1])
        hint = f"allowed here: {', '.join(allowed)}" if allowed else ""
        return Finding(located, "CP003", f"{readable}: {_unknown(key, allowed)}", hint, True)
    if kind == "missing":
        name = str(loc[-1]) if loc else "?"
        where = readable or "the annex"
        return Finding(located, "CP004", f"{where}: missing required field {name!r}", "", True)
    message = f"{readable}: {error['msg']}"
    if kind == "literal_error":
        expected = str(context.get("expected", ""))
        value = error.get("input")
        options = [part.strip(" '") for part in expected.replace(" or ", ", ").split(",")]
        near = difflib.get_close_matches(str(value), options, n=1)
        message = f"{readable}: {value!r} is not one of {expected}" + (
            f"; did you mean {near[0]!r}?" if near else ""
        )
        return Finding(located, "CP006", message, hint)
    if kind.endswith(_TYPE_ERRORS) or kind in ("model_type", "dict_type", "list_type"):
        return Finding(located, "CP005", f"{message} (got {error.get('input')!r})", hint)
    if kind.startswith(_VALUE_ERRORS):
        return Finding(located, "CP006", message, hint)
    return Finding(located, "CP005", message, hint)


def _validate(
    model: type[BaseModel], raw: Any, prefix: Path, data: Any
) -> tuple[Any | None, list[Finding]]:
    try:
        return model.model_validate(raw), []
    except ValidationError as error:
        return None, [_finding(e, prefix, data, model) for e in error.errors()]


def _param_findings(item: Any, at: Path) -> list[Finding]:
    """Every parameter problem of a KPI (the model stops at the first one)."""
    if not isinstance(item, dict) or not isinstance(item.get("params"), dict):
        return []
    metric = item.get("metric")
    if metric not in METRICS:
        return []
    _, problems = check_params(str(metric), item["params"])
    out = []
    for problem in problems:
        context = problem.context or {}
        path: Path = (*at, "params", *context.get("path", ()))
        message = f"{dotted(path)}: {problem.message()}"
        out.append(Finding(path, problem.type, message, str(context.get("hint", ""))))
    return out


def _validate_version(parts: VersionParts) -> list[Finding]:
    findings: list[Finding] = []
    data = parts.data
    for key in data:
        if key not in ROOT_KEYS:
            findings.append(Finding((key,), "CP003", _unknown(str(key), ROOT_KEYS), "", True))
            parts.complete = False
    for key in REQUIRED:
        if key not in data or data[key] is None:
            findings.append(Finding((), "CP004", f"the annex needs a {key!r} section", "", False))
            parts.complete = False
    for key, model in SECTIONS.items():
        if data.get(key) is None:
            continue
        value, problems = _validate(model, data[key], (key,), data)
        findings += problems
        if value is None:
            parts.complete = False
        else:
            parts.sections[key] = value
    for key, model in LIST_SECTIONS.items():
        items = data.get(key)
        if items is None:
            continue
        if not isinstance(items, list):
            findings.append(Finding((key,), "CP005", f"{key} must be a list", "", True))
            parts.complete = False
            continue
        if key == "kpis" and not items:
            findings.append(Finding((key,), "CP004", "kpis: the annex needs at least one KPI"))
            parts.complete = False
        target = parts.kpis if key == "kpis" else parts.documents
        for index, item in enumerate(items):
            value, problems = _validate(model, item, (key, index), data)
            findings += problems
            if key == "kpis":
                findings += _param_findings(item, (key, index))
            if value is None:
                parts.complete = False
            else:
                target.append((index, value))
    findings += [f for check in CHECKS for f in check(parts)]
    return findings


# -- checks across sections ---------------------------------------------------------------------


def _check_term(parts: VersionParts) -> Iterator[Finding]:
    terms = parts.sections.get("contract")
    if not isinstance(terms, ContractTerms):
        return
    start, end = terms.term.start, terms.term.end
    if end is not None and end < start:
        yield Finding(
            ("contract", "term", "end"),
            "CP011",
            f"contract.term.end {end} is before the term starts ({start})",
        )
        return
    if parts.effective_from is not None and not (
        start < parts.effective_from and (end is None or parts.effective_from <= end)
    ):
        yield Finding(
            ("amendments",),
            "CP011",
            f"an amendment effective {parts.effective_from} lies outside the term "
            f"({start} to {end or 'open-ended'}); it must take effect after the start",
        )

    def outside(day: date) -> bool:
        return day < start or (end is not None and day > end)

    plan = parts.sections.get("aht_plan")
    if isinstance(plan, AhtPlan):
        for index, measure in enumerate(plan.measures):
            if measure.due is not None and outside(measure.due):
                yield Finding(
                    ("aht_plan", "measures", index, "due"),
                    "CP011",
                    f"AHT measure {measure.id} is due {measure.due}, outside the term",
                )
        for month in plan.trajectory:
            first = date(int(month[:4]), int(month[5:]), 1)
            if (end is not None and first > end) or first.replace(day=28) < start.replace(day=1):
                yield Finding(
                    ("aht_plan", "trajectory", month),
                    "CP011",
                    f"AHT trajectory month {month} lies outside the term",
                )
    for index, document in parts.documents:
        if document.due is not None and outside(document.due):
            yield Finding(
                ("documents", index, "due"),
                "CP011",
                f"document {document.id} is due {document.due}, outside the term",
            )


def _check_ids(parts: VersionParts) -> Iterator[Finding]:
    # Read from the raw data: a KPI with another error still must not reuse an id.
    for key, label in (("kpis", "KPI"), ("documents", "document")):
        items = parts.data.get(key)
        seen: dict[str, int] = {}
        for index, item in enumerate(items if isinstance(items, list) else ()):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            if item_id in seen:
                yield Finding(
                    (key, index, "id"),
                    "CP013",
                    f"{label} id {item_id!r} is used twice (first at {key}[{seen[item_id]}])",
                )
            seen.setdefault(item_id, index)
    plan = parts.sections.get("aht_plan")
    if isinstance(plan, AhtPlan):
        ids: set[str] = set()
        for index, measure in enumerate(plan.measures):
            if measure.id in ids:
                yield Finding(
                    ("aht_plan", "measures", index, "id"),
                    "CP013",
                    f"AHT measure id {measure.id!r} is used twice",
                )
            ids.add(measure.id)


def _check_references(parts: VersionParts) -> Iterator[Finding]:
    scope = parts.sections.get("scope")
    if not isinstance(scope, Scope):
        return
    names = list(scope.hours)
    for index, covered in enumerate(scope.channels):
        if covered.hours is not None and covered.hours not in scope.hours:
            yield _unknown_hours(("scope", "channels", index, "hours"), covered.hours, names)
    channels = {c.channel for c in scope.channels}
    for index, spec in parts.kpis:
        if spec.scope is None:
            continue
        here: Path = ("kpis", index, "scope")
        if spec.scope.hours is not None and spec.scope.hours not in scope.hours:
            yield _unknown_hours((*here, "hours"), spec.scope.hours, names)
        for position, channel in enumerate(spec.scope.channels or ()):
            if channel not in channels:
                yield Finding(
                    (*here, "channels", position),
                    "CP012",
                    f"KPI {spec.id} counts channel {channel!r}, which the scope does not cover",
                    f"scope channels: {', '.join(sorted(channels))}",
                )
        wanted = spec.scope.channels or tuple(channels)
        queues = {q for c in wanted for q in scope.queues_of(c)}
        for position, queue in enumerate(spec.scope.queues or ()):
            if queue not in queues:
                near = difflib.get_close_matches(queue, sorted(queues), n=1)
                yield Finding(
                    (*here, "queues", position),
                    "CP012",
                    f"KPI {spec.id} counts queue {queue!r}, not a queue of its channels"
                    + (f"; did you mean {near[0]!r}?" if near else ""),
                    f"queues: {', '.join(sorted(queues))}",
                )


def _unknown_hours(path: Path, name: str, names: list[str]) -> Finding:
    near = difflib.get_close_matches(name, names, n=1)
    return Finding(
        path,
        "CP012",
        f"no hours named {name!r} in scope.hours"
        + (f"; did you mean {near[0]!r}?" if near else ""),
        f"defined: {', '.join(names) or 'none'}",
    )


def _check_tiers(parts: VersionParts) -> Iterator[Finding]:
    """Tiers must point the way a miss (or a beat) goes, deepest last."""
    for index, spec in parts.kpis:
        higher_is_better = spec.target.direction == "at_least"
        groups: tuple[tuple[str, tuple[Any, ...], frozenset[str]], ...] = (
            (
                "penalties",
                spec.penalties,
                frozenset({"below", "at_most"} if higher_is_better else {"above", "at_least"}),
            ),
            (
                "rewards",
                spec.rewards,
                frozenset({"above", "at_least"} if higher_is_better else {"below", "at_most"}),
            ),
        )
        for name, tiers, allowed in groups:
            # Penalties deepen away from the target: downwards when higher is better.
            deeper_is_lower = higher_is_better == (name == "penalties")
            for position, tier in enumerate(tiers):
                here: Path = ("kpis", index, name, position)
                if tier.comparison not in allowed:
                    yield Finding(
                        (*here, tier.comparison),
                        "CP010",
                        f"KPI {spec.id}: a {name[:-1] if name == 'rewards' else 'penalty'} "
                        f"tier '{tier.comparison}' points the wrong way for a target "
                        f"{spec.target.direction.replace('_', ' ')} {spec.target.value}",
                        f"use {' or '.join(sorted(allowed))}",
                    )
                    continue
                linear = tier.linear_to
                if linear is not None and (
                    (linear.value >= tier.threshold)
                    if deeper_is_lower
                    else (linear.value <= tier.threshold)
                ):
                    yield Finding(
                        (*here, "linear_to", "value"),
                        "CP010",
                        f"KPI {spec.id}: linear_to {linear.value} must lie beyond the tier's "
                        f"threshold {tier.threshold}",
                    )
                if position == 0:
                    continue
                before = tiers[position - 1]
                ordered = (
                    tier.threshold < before.threshold
                    if deeper_is_lower
                    else tier.threshold > before.threshold
                )
                if not ordered:
                    yield Finding(
                        (*here, tier.comparison),
                        "CP010",
                        f"KPI {spec.id}: {name} tier {position + 1} ({tier.comparison} "
                        f"{tier.threshold}) is not beyond tier {position} ({before.comparison} "
                        f"{before.threshold}); list tiers from the mildest to the deepest",
                    )


CHECKS: tuple[Callable[[VersionParts], Iterator[Finding]], ...] = (
    _check_term,
    _check_ids,
    _check_references,
    _check_tiers,
)


# -- entry points -------------------------------------------------------------------------------


def load_contract_located(text: str, source: str) -> LoadResult:
    """Parse, validate and check an annex text; returns the contract (None on any error),
    every diagnostic, and the positions the linter needs."""
    positions = ContractPositions(source)
    data, where, problems = _parse(text, source)
    positions.file = where
    if problems:
        return LoadResult(None, problems, positions)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        return LoadResult(
            None,
            [_diag(source, 1, 1, "CP005", f"an annex is a mapping of sections, got {got}")],
            positions,
        )
    versions, diagnostics = _amendments(data, where, source)
    seen: set[tuple[str, int, int, str]] = set()
    for parts in versions:
        positions.origins.append(parts.origin)
        for finding in _validate_version(parts):
            file_path = resolve(parts.origin, finding.path)
            line, column = where.locate(file_path, prefer_key=finding.prefer_key)
            key = (finding.code, line, column, finding.message)
            if key in seen:
                continue
            seen.add(key)
            diagnostics.append(
                _diag(
                    source,
                    line,
                    column,
                    finding.code,
                    finding.message,
                    finding.hint,
                    dotted(file_path),
                )
            )
    contract = None
    if not diagnostics and all(p.complete for p in versions):
        contract = _assemble(versions, source)
    diagnostics.sort(key=lambda d: (d.line, d.column, d.code))
    return LoadResult(contract, diagnostics, positions, data)


def _assemble(versions: list[VersionParts], source: str) -> Contract:
    built: list[ContractVersion] = []
    for parts in versions:
        terms = parts.sections["contract"]
        built.append(
            ContractVersion(
                effective_from=parts.effective_from or terms.term.start,
                note=parts.sections.get("note"),
                contract=terms,
                scope=parts.sections["scope"],
                kpis=tuple(spec for _, spec in parts.kpis),
                incidents=parts.sections.get("incidents"),
                staff=parts.sections.get("staff"),
                training=parts.sections.get("training"),
                aht_plan=parts.sections.get("aht_plan"),
                documents=tuple(doc for _, doc in parts.documents),
            )
        )
    return Contract(id=built[0].contract.id, versions=tuple(built), source=source)


def load_contract_text(
    text: str, source: str = "<annex>"
) -> tuple[Contract | None, list[Diagnostic]]:
    """An annex from text: the contract, or None with the errors that prevent it."""
    result = load_contract_located(text, source)
    return result.contract, result.diagnostics


def read_annex(path: str | FilePath) -> LoadResult:
    """An annex file with positions (for the linter); an unreadable file is a CP001."""
    source = str(path)
    try:
        text = FilePath(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return LoadResult(
            None,
            [_diag(source, 0, 0, "CP001", f"cannot read the annex: {reason}")],
            ContractPositions(source),
        )
    return load_contract_located(text, source)


def load_contract(path: str | FilePath) -> tuple[Contract | None, list[Diagnostic]]:
    """An annex file: the contract, or None with every error (never raises on user input)."""
    result = read_annex(path)
    return result.contract, result.diagnostics
