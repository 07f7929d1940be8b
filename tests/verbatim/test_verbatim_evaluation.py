"""The labelled evaluation set and the judge's agreement with it."""

from __future__ import annotations

from collections import Counter

import pytest

from callpact.verbatim.evaluation import evaluate, load_eval_set, score_predictions


def test_eval_set_is_big_enough_and_balanced() -> None:
    items = load_eval_set()
    labels = Counter(i.label for i in items)
    assert len(items) >= 300
    assert all(labels[c] >= 60 for c in ("faithful", "paraphrased", "distorted", "missing"))
    assert len({i.id for i in items}) == len(items)
    # Splits are by base complaint: no transcript sits in both.
    dev = {i.group for i in items if i.split == "dev"}
    heldout = {i.group for i in items if i.split == "heldout"}
    assert dev
    assert heldout
    assert not dev & heldout
    patterns = {i.pattern for i in items if i.label == "distorted"}
    assert {
        "generalizing",
        "softening",
        "dropping_object",
        "adding_interpretation",
        "changing_numbers",
        "changing_names",
        "negation_flip",
        "partial_recording",
    } <= patterns


def test_scoring_on_a_hand_worked_confusion() -> None:
    gold = ["faithful", "faithful", "distorted", "missing", "paraphrased"]
    pred = ["faithful", "paraphrased", "distorted", "missing", "distorted"]
    report = score_predictions("t", gold, pred)
    figures = {c.label: c for c in report.classes}
    assert report.accuracy == pytest.approx(3 / 5)
    assert report.faithful_accuracy == pytest.approx(4 / 5)  # only item 2 crosses the line
    assert figures["faithful"].precision == 1.0
    assert figures["faithful"].recall == 0.5
    assert figures["distorted"].precision == 0.5
    assert figures["distorted"].recall == 1.0
    assert figures["paraphrased"].f1 == 0.0


def test_judge_meets_the_accuracy_bar_on_both_splits() -> None:
    reports = evaluate()
    for split in ("dev", "heldout"):
        assert reports[split].faithful_accuracy >= 0.90, reports[split].errors
        assert reports[split].accuracy >= 0.85, reports[split].errors
