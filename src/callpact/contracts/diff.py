"""What changed between two contract versions, in contract terms, not as a text diff:
``sl-voice target 0.80 → 0.82``, ``sl-voice penalty tier 3 added``, ``cure period 30 → 15 days``.

KPIs, documents and AHT measures are matched by id (a renamed KPI reads as removed + added);
tiers are matched by position, because a tier's place is its meaning (tier 1 is the mildest).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from callpact.contracts.model import ContractVersion

ChangeKind = Literal["added", "removed", "changed"]

#: Readable names (and units) for the terms people negotiate over.
LABELS: Mapping[tuple[str, ...], tuple[str, str]] = {
    ("contract", "cure", "period_days"): ("cure period", " days"),
    ("contract", "cure", "credits_during_cure"): ("credits during cure", ""),
    ("contract", "cure", "notice_required"): ("breach notice required", ""),
    ("contract", "termination", "for_convenience_notice_days"): (
        "termination for convenience notice",
        " days",
    ),
    ("contract", "termination", "chronic_breach", "consecutive_months"): (
        "chronic breach: consecutive months",
        "",
    ),
    ("contract", "termination", "chronic_breach", "or_months_in_window"): (
        "chronic breach: months missed in window",
        "",
    ),
    ("contract", "termination", "chronic_breach", "notice_days"): (
        "chronic breach notice",
        " days",
    ),
    ("contract", "fee", "amount"): ("fee", ""),
    ("contract", "fee", "model"): ("fee model", ""),
    ("contract", "at_risk", "share_of_fee"): ("at-risk pool (share of fee)", ""),
    ("contract", "at_risk", "amount"): ("at-risk pool", ""),
    ("contract", "bonus_pool", "share_of_fee"): ("bonus pool (share of fee)", ""),
    ("contract", "bonus_pool", "amount"): ("bonus pool", ""),
    ("contract", "term", "end"): ("term end", ""),
    ("incidents", "liability_per_unreported_case"): ("liability per unreported incident", ""),
    ("incidents", "liability_per_late_report"): ("liability per late incident report", ""),
    ("staff", "removal_requests", "vendor_response_days"): (
        "removal request response",
        " days",
    ),
    ("staff", "removal_requests", "replacement_days"): ("replacement after removal", " days"),
    ("training", "trainee_sla_exemption_days"): ("trainee SLA exemption", " days"),
}


@dataclass(frozen=True, slots=True)
class Change:
    """One change of a term. ``path`` names it the annex's way (``kpis[sl-voice].target``)."""

    path: str
    kind: ChangeKind
    old: Any
    new: Any
    text: str

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.kind,
            "old": _json(self.old),
            "new": _json(self.new),
            "text": self.text,
        }


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def fmt(value: Any) -> str:
    """A value as a contract writes it: shares with two decimals at least (0.80, 0.125)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return f"{value.quantize(Decimal(1)):f}"
        text = f"{value.normalize():f}"
        decimals = len(text.split(".")[1])
        return f"{value:.{max(2, decimals)}f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k.replace('_', ' ')} {fmt(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def _tier_words(tier: Any) -> str:
    return fmt(tier)


def _walk(old: Any, new: Any, path: tuple[str, ...], name: str) -> Iterator[Change]:
    label, unit = LABELS.get(path, (name, ""))
    where = ".".join(path)
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in list(old) + [k for k in new if k not in old]:
            child = str(key)
            yield from _walk(
                old.get(key),
                new.get(key),
                (*path, child),
                f"{name} {child.replace('_', ' ')}".strip(),
            )
        return
    if old is None:
        yield Change(where, "added", None, new, f"{label} added: {fmt(new)}{unit}")
    elif new is None:
        yield Change(where, "removed", old, None, f"{label} removed (was {fmt(old)}{unit})")
    else:
        yield Change(where, "changed", old, new, f"{label} {fmt(old)} → {fmt(new)}{unit}")


def _by_id(items: Any) -> dict[str, Any]:
    return {str(item["id"]): item for item in items or ()}


def _tiers(kpi: str, kind: str, old: Any, new: Any) -> Iterator[Change]:
    old_tiers, new_tiers = list(old or ()), list(new or ())
    word = "penalty" if kind == "penalties" else "reward"
    for index in range(max(len(old_tiers), len(new_tiers))):
        where = f"kpis[{kpi}].{kind}[{index}]"
        before = old_tiers[index] if index < len(old_tiers) else None
        after = new_tiers[index] if index < len(new_tiers) else None
        if before == after:
            continue
        label = f"{kpi} {word} tier {index + 1}"
        if before is None:
            yield Change(where, "added", None, after, f"{label} added: {_tier_words(after)}")
        elif after is None:
            text = f"{label} removed (was {_tier_words(before)})"
            yield Change(where, "removed", before, None, text)
        else:
            text = f"{label} {_tier_words(before)} → {_tier_words(after)}"
            yield Change(where, "changed", before, after, text)


def _target_words(target: Mapping[str, Any]) -> str:
    ((direction, value),) = target.items()
    return f"{direction.replace('_', ' ')} {fmt(value)}"


def _kpis(old: Any, new: Any) -> Iterator[Change]:
    before, after = _by_id(old), _by_id(new)
    for kpi_id in list(before) + [k for k in after if k not in before]:
        a, b = before.get(kpi_id), after.get(kpi_id)
        where = f"kpis[{kpi_id}]"
        if a is None:
            assert b is not None
            text = f"KPI {kpi_id} added ({b['metric']}, target {_target_words(b['target'])})"
            yield Change(where, "added", None, b, text)
            continue
        if b is None:
            yield Change(where, "removed", a, None, f"KPI {kpi_id} removed")
            continue
        for key in list(a) + [k for k in b if k not in a]:
            x, y = a.get(key), b.get(key)
            if x == y:
                continue
            if key in ("penalties", "rewards"):
                yield from _tiers(kpi_id, key, x, y)
            elif key == "target" and x is not None and y is not None:
                same_way = next(iter(x)) == next(iter(y))
                old_words = fmt(next(iter(x.values()))) if same_way else _target_words(x)
                new_words = fmt(next(iter(y.values()))) if same_way else _target_words(y)
                yield Change(
                    f"{where}.target", "changed", x, y, f"{kpi_id} target {old_words} → {new_words}"
                )
            else:
                for change in _walk(x, y, (key,), f"{kpi_id} {key.replace('_', ' ')}"):
                    yield Change(
                        f"{where}.{change.path}", change.kind, change.old, change.new, change.text
                    )


def _listed(section: str, noun: str, old: Any, new: Any) -> Iterator[Change]:
    before, after = _by_id(old), _by_id(new)
    for item_id in list(before) + [k for k in after if k not in before]:
        a, b = before.get(item_id), after.get(item_id)
        where = f"{section}[{item_id}]"
        if a == b:
            continue
        if a is None:
            yield Change(where, "added", None, b, f"{noun} {item_id} added")
        elif b is None:
            yield Change(where, "removed", a, None, f"{noun} {item_id} removed")
        else:
            for change in _walk(a, b, (), f"{noun} {item_id}"):
                path = f"{where}.{change.path}" if change.path else where
                yield Change(path, change.kind, change.old, change.new, change.text)


def diff_versions(old: ContractVersion, new: ContractVersion) -> list[Change]:
    """Every change from ``old`` to ``new``, in the annex's section order."""
    a, b = old.to_annex(), new.to_annex()
    changes: list[Change] = []
    for section in list(a) + [k for k in b if k not in a]:
        x, y = a.get(section), b.get(section)
        if x == y:
            continue
        if section == "kpis":
            changes += _kpis(x, y)
        elif section == "documents":
            changes += _listed("documents", "document", x, y)
        elif section == "aht_plan":
            rest_x = {k: v for k, v in (x or {}).items() if k != "measures"}
            rest_y = {k: v for k, v in (y or {}).items() if k != "measures"}
            changes += _walk(rest_x or None, rest_y or None, ("aht_plan",), "AHT plan")
            changes += _listed(
                "aht_plan.measures",
                "AHT measure",
                (x or {}).get("measures"),
                (y or {}).get("measures"),
            )
        else:
            changes += _walk(x, y, (section,), section.replace("_", " "))
    return changes
