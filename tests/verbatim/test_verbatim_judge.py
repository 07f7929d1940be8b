"""The fidelity judge on hand-written cases: one per verdict and one per named reason."""

from __future__ import annotations

import pytest

from callpact.verbatim.judge import Fidelity, JudgeSettings, assess, judge, judge_many
from callpact.verbatim.text import analyse, is_placeholder, normalise

SAID = "Um, the form on your site does not work."


@pytest.mark.parametrize(
    "recorded",
    [
        "The form on your site does not work.",
        "Customer said: the form on your site doesn't work",
        '"the form on your site doesnt work"',
        "THE FORM ON YOUR SITE DOES NOT WORK!!!",
        "the form on your stie does not work",  # a typo
    ],
)
def test_faithful_forms(recorded: str) -> None:
    verdict = judge(SAID, recorded)
    assert verdict.judgement is Fidelity.FAITHFUL, verdict.reason
    assert verdict.score >= 0.9


@pytest.mark.parametrize("recorded", ["", None, "n/a", "see call", "Customer called in.", "-"])
def test_missing(recorded: str | None) -> None:
    verdict = judge(SAID, recorded)
    assert verdict.judgement is Fidelity.MISSING
    assert verdict.score == 0.0


def test_paraphrase_keeps_meaning_in_other_words() -> None:
    verdict = judge(SAID, "Your website's form is broken.")
    assert verdict.judgement is Fidelity.PARAPHRASED, verdict.reason
    assert verdict.semantic is not None
    assert verdict.semantic >= 0.7


@pytest.mark.parametrize(
    ("said", "recorded", "reason"),
    [
        (SAID, "Customer unhappy with website.", "generalised"),
        (SAID, "The form on your site does work.", "negation lost"),
        ("The app works fine on my phone.", "The app does not work on my phone.", "negation added"),
        ("I was charged 45 dollars twice.", "I was charged 54 dollars twice.", "number changed"),
        (
            "I was charged 45 dollars twice for one visit.",
            "Charged twice for one visit.",
            "number lost",
        ),
        (
            "The pharmacy closed at 6 even though your site says 9.",
            "The pharmacy closed at 9 even though your site says 6.",
            "numbers swapped",
        ),
        (
            "Walgreens told me Dr. Patel never sent it.",
            "Walgreens told me Dr. Patil never sent it.",
            "name changed",
        ),
        (
            SAID,
            "The form on your site does not work, customer seems confused.",
            "interpretation added",
        ),
        (
            "I'm furious, you took money from my account.",
            "You took money from my account.",
            "softened",
        ),
        (
            "The app crashes every time I upload my card.",
            "The app crashes a bit when I upload my card.",
            "softened",
        ),
        (
            "I've been waiting three weeks for my refund and nobody calls me back.",
            "I've been waiting three weeks for my refund.",
            "partial",
        ),
    ],
)
def test_distortions_name_what_was_lost(said: str, recorded: str, reason: str) -> None:
    verdict = judge(said, recorded)
    assert verdict.judgement is Fidelity.DISTORTED
    assert reason in verdict.reason, verdict.reason


def test_clear_cases_need_no_model() -> None:
    # Exact, empty and visibly distorted notes are decided without embedding anything.
    for recorded in ("the form on your site does not work", "", "Customer unhappy with website"):
        assert not assess(SAID, recorded, JudgeSettings()).needs_semantics


def test_batch_embeds_each_distinct_text_once() -> None:
    from callpact.verbatim.embedding import Embedder, OnnxEncoder, WordPieceTokenizer

    embedder = Embedder(OnnxEncoder(), WordPieceTokenizer())
    pairs = [(SAID, "Your website's form is broken.")] * 50 + [(SAID, SAID)] * 50
    verdicts = judge_many(pairs, embedder)
    assert embedder.stats.texts == 2
    assert {v.judgement for v in verdicts} == {Fidelity.PARAPHRASED, Fidelity.FAITHFUL}


def test_a_transcript_is_required() -> None:
    with pytest.raises(ValueError, match="transcript"):
        judge("  ", "something")


def test_normalisation() -> None:
    assert normalise("Customer said: \u201cUm, I can't log in!\u201d") == "i can not log in"
    assert normalise("cx stated that the rx is late, you know") == "the prescription is late"
    assert analyse("Dr. Gomez and CVS were closed at 9").names == {"gomez", "cvs"}
    assert analyse("two claims, 45 dollars, third time").numbers == ("2", "3", "45")
    assert is_placeholder("  N/A ")
    assert not is_placeholder("card declined")
