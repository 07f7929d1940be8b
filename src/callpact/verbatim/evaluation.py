"""How well the judge agrees with callpact's labelled evaluation set.

The set (``data/eval_set.jsonl``, built by ``data/build_eval_set.py``) is split by base
complaint: ``dev`` was used to tune :class:`~callpact.verbatim.judge.JudgeSettings`, ``heldout``
was not. Figures are per class (precision, recall, F1) and for the question the KPI asks:
faithful or not.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

from callpact.verbatim.judge import Fidelity, JudgeSettings, judge_many

if TYPE_CHECKING:
    from callpact.verbatim.embedding import Embedder

LABELS: tuple[str, ...] = tuple(f.value for f in Fidelity)


@dataclass(frozen=True, slots=True)
class EvalItem:
    id: str
    group: str
    domain: str
    split: str
    transcript: str
    recorded: str
    label: str
    pattern: str


def load_eval_set() -> list[EvalItem]:
    """The packaged labelled pairs."""
    text = resources.files("callpact.verbatim").joinpath("data/eval_set.jsonl").read_text("utf-8")
    return [EvalItem(**json.loads(line)) for line in text.splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class ClassFigures:
    label: str
    support: int
    precision: float
    recall: float
    f1: float


@dataclass
class EvalReport:
    split: str
    items: int
    accuracy: float
    faithful_accuracy: float  # faithful vs not faithful, the KPI's question
    classes: list[ClassFigures]
    confusion: dict[str, dict[str, int]]
    pattern_accuracy: dict[str, tuple[int, int]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "split": self.split,
            "items": self.items,
            "accuracy": round(self.accuracy, 4),
            "faithful_vs_not_accuracy": round(self.faithful_accuracy, 4),
            "classes": [
                {
                    "label": c.label,
                    "support": c.support,
                    "precision": round(c.precision, 4),
                    "recall": round(c.recall, 4),
                    "f1": round(c.f1, 4),
                }
                for c in self.classes
            ],
            "confusion": self.confusion,
            "pattern_accuracy": {
                k: {"correct": v[0], "total": v[1]} for k, v in self.pattern_accuracy.items()
            },
        }


def score_predictions(
    split: str,
    gold: Sequence[str],
    predicted: Sequence[str],
    patterns: Sequence[str] | None = None,
) -> EvalReport:
    """Per-class precision/recall/F1, accuracy and faithful-vs-not accuracy."""
    n = len(gold)
    confusion = {g: dict.fromkeys(LABELS, 0) for g in LABELS}
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    classes = []
    for label in LABELS:
        tp = confusion[label][label]
        predicted_n = sum(confusion[g][label] for g in LABELS)
        support = sum(confusion[label].values())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        classes.append(ClassFigures(label, support, precision, recall, f1))
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    binary = sum(
        (g == "faithful") == (p == "faithful") for g, p in zip(gold, predicted, strict=True)
    )
    by_pattern: dict[str, tuple[int, int]] = {}
    for g, p, pat in zip(gold, predicted, patterns or [""] * n, strict=True):
        ok, total = by_pattern.get(pat, (0, 0))
        by_pattern[pat] = (ok + (g == p), total + 1)
    return EvalReport(
        split=split,
        items=n,
        accuracy=correct / n if n else 0.0,
        faithful_accuracy=binary / n if n else 0.0,
        classes=classes,
        confusion=confusion,
        pattern_accuracy=dict(sorted(by_pattern.items())),
    )


def evaluate(
    embedder: Embedder | None = None,
    settings: JudgeSettings | None = None,
    items: Sequence[EvalItem] | None = None,
) -> dict[str, EvalReport]:
    """Judge the evaluation set; reports for ``dev``, ``heldout`` and ``all``."""
    data = list(items) if items is not None else load_eval_set()
    verdicts = judge_many([(i.transcript, i.recorded) for i in data], embedder, settings)
    reports: dict[str, EvalReport] = {}
    for split in ("dev", "heldout", "all"):
        chosen = [
            (item, v)
            for item, v in zip(data, verdicts, strict=True)
            if split in ("all", item.split)
        ]
        report = score_predictions(
            split,
            [i.label for i, _ in chosen],
            [v.judgement.value for _, v in chosen],
            [i.pattern for i, _ in chosen],
        )
        report.errors = [
            {
                "id": i.id,
                "label": i.label,
                "predicted": v.judgement.value,
                "pattern": i.pattern,
                "transcript": i.transcript,
                "recorded": i.recorded,
                "reason": v.reason,
            }
            for i, v in chosen
            if i.label != v.judgement.value
        ]
        reports[split] = report
    return reports
