"""The fidelity judge: did the operator write down what the customer said?

A feedback item pairs ``recorded_text`` (the operator's note) with ``transcript_text`` (what
the customer said, from the recording). The judge gives one of four verdicts:

* ``faithful`` — the customer's own words, allowing case, punctuation, a "customer said:"
  prefix, spoken fillers ("um", "you know"), spelled-out contractions and small typos;
* ``paraphrased`` — the same meaning in other words: every specific (the object, the fault,
  numbers, names, negations, the intensity of the complaint) is still there;
* ``distorted`` — the meaning changed: generalised ("customer unhappy with website"), softened,
  the object or part of the complaint dropped, interpretation added, a number or name changed,
  a negation flipped, or the semantic similarity too low;
* ``missing`` — nothing the customer said was written down.

Decisions that need no model are taken without one: empty notes, word-for-word notes and notes
where a specific detail is visibly lost. Only the rest is embedded, each distinct text once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from callpact.verbatim.text import (
    ABBREVIATIONS,
    INTENSITY_GROUPS,
    NEGATIONS,
    Analysed,
    analyse,
    is_placeholder,
    number_changes,
    stem,
    swapped_numbers,
)

if TYPE_CHECKING:
    from callpact.verbatim.embedding import Embedder


class Fidelity(StrEnum):
    FAITHFUL = "faithful"
    PARAPHRASED = "paraphrased"
    DISTORTED = "distorted"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class JudgeSettings:
    """Thresholds, tuned on the dev split of the evaluation set (see docs/verbatim.md)."""

    faithful_ratio: float = 88.0  # rapidfuzz ratio of the normalised texts, 0-100
    faithful_coverage: float = 0.9  # share of the customer's content words in the note
    faithful_novelty: float = 0.1  # share of the note's content words the customer never said
    partial_coverage: float = 0.6  # below this, with little new wording: part of it dropped
    partial_novelty: float = 0.34
    paraphrase_similarity: float = 0.70  # MiniLM cosine at or above which the meaning is kept
    fuzzy_token: float = 85.0  # two words this close (0-100) are one word with a typo


@dataclass(frozen=True, slots=True)
class Judgement:
    """A verdict with its evidence. ``score`` is 0-1: 1 word for word, 0 nothing recorded."""

    judgement: Fidelity
    score: float
    reason: str
    semantic: float | None = None
    lexical: float = 0.0
    lost: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(slots=True)
class Evidence:
    """What the model-free pass found; ``needs_semantics`` when only the model can decide."""

    transcript: Analysed
    recorded: Analysed
    lexical: float
    coverage: float
    novelty: float
    lost: list[str]
    added: list[str]
    flags: list[str] = field(default_factory=list)
    verdict: Judgement | None = None

    @property
    def needs_semantics(self) -> bool:
        return self.verdict is None


def _matches(word: str, pool_stems: frozenset[str], pool: tuple[str, ...], cutoff: float) -> bool:
    if stem(word) in pool_stems:
        return True
    if len(word) < 4 or word[0].isdigit():
        return False
    return any(len(other) >= 4 and fuzz.ratio(word, other) >= cutoff for other in pool)


def _compound_pool(tokens: tuple[str, ...]) -> tuple[str, ...]:
    # "web site" meets "website", "log in" meets "login".
    return tokens + tuple(a + b for a, b in itertools.pairwise(tokens))


def _lost_and_added(
    t: Analysed, r: Analysed, cutoff: float
) -> tuple[list[str], list[str], float, float]:
    r_pool = _compound_pool(r.tokens)
    t_pool = _compound_pool(t.tokens)
    r_stems = frozenset(stem(w) for w in r_pool)
    t_stems = frozenset(stem(w) for w in t_pool)
    t_content = list(dict.fromkeys(t.said))
    r_content = list(dict.fromkeys(r.content))
    lost = [w for w in t_content if not _matches(w, r_stems, r_pool, cutoff)]
    added = [w for w in r_content if not _matches(w, t_stems, t_pool, cutoff)]
    coverage = 1.0 - len(lost) / len(t_content) if t_content else 1.0
    novelty = len(added) / len(r_content) if r_content else 0.0
    return lost, added, coverage, novelty


# "Intends to" reports "I want to": an intention the customer stated is no interpretation.
_INTENT = re.compile(r"\b(?:wants?|want|intends?|going|will|would like|need|plan(?:s|ning)?)\b")


def _name_in(name: str, words: set[str]) -> bool:
    return all(part in words for part in ABBREVIATIONS.get(name, name).split())


def _flags(t: Analysed, r: Analysed, ev: Evidence, s: JudgeSettings) -> list[str]:
    flags: list[str] = []
    lost_numbers, new_numbers = number_changes(t, r)
    if lost_numbers and new_numbers:
        flags.append(f"number changed: {', '.join(lost_numbers)} → {', '.join(new_numbers)}")
    elif lost_numbers:
        flags.append(f"number lost: {', '.join(lost_numbers)}")
    elif new_numbers:
        flags.append(f"number the customer did not say: {', '.join(new_numbers)}")
    r_words = set(r.tokens) | set(_compound_pool(r.tokens))
    t_words = set(t.tokens) | set(_compound_pool(t.tokens))
    lost_names = sorted(n for n in t.names if not _name_in(n, r_words))
    new_names = sorted(n for n in r.names if not _name_in(n, t_words))
    if lost_names and new_names:
        flags.append(f"name changed: {', '.join(lost_names)} → {', '.join(new_names)}")
    elif lost_names:
        flags.append(f"name lost: {', '.join(lost_names)}")
    elif new_names:
        flags.append(f"name the customer did not say: {', '.join(new_names)}")
    # Only between two notes with the same words: a paraphrase moves numbers around freely.
    if ev.coverage >= 0.9 and ev.novelty <= 0.2 and swapped_numbers(t, r):
        flags.append("numbers swapped between the things they belong to")
    # A "not" may turn into a negative word ("does not work" → "is broken"); only a negation
    # that no such word makes up for is a flip.
    neg_gap = t.negations - r.negations
    meaning_gap = r.negative_meaning - t.negative_meaning
    if neg_gap > 0 and neg_gap > meaning_gap:
        flags.append("negation lost: the customer said it did not / never happen")
    elif neg_gap < 0 and -neg_gap > -meaning_gap:
        flags.append("negation added: the note denies what the customer said")
    # A customer who said "complaint" or "problem" was not generalised by a note that says so.
    generic = [
        g for g in r.generic if g not in t.normalised and not set(g.split()[:-1]) & set(t.tokens)
    ]
    if generic:
        flags.append(f"generalised: '{generic[0]}' instead of the customer's words")
    interpretation = [
        p
        for p in r.interpretation
        if p not in t.normalised and not (_INTENT.search(p) and _INTENT.search(t.normalised))
    ]
    if interpretation:
        flags.append(f"interpretation added: '{interpretation[0]}'")
    softened = sorted(t.intensity - r.intensity)
    if softened:
        words = sorted(w for g in softened for w in INTENSITY_GROUPS[g] if w in t.tokens)
        flags.append(f"softened: lost {', '.join(words) or ', '.join(softened)}")
    softeners = sorted(r.softeners - set(t.tokens))
    if softeners:
        flags.append(f"softened: added '{softeners[0]}'")
    exaggerated = sorted(r.intensity - t.intensity)
    if exaggerated:
        words = sorted(w for g in exaggerated for w in INTENSITY_GROUPS[g] if w in r.tokens)
        flags.append(f"intensity added: {', '.join(words)}")
    if not generic and (
        (ev.coverage < s.partial_coverage and ev.novelty <= s.partial_novelty)
        or (ev.lost and not ev.added and fuzz.partial_ratio(r.normalised, t.normalised) >= 90)
    ):
        flags.append(f"partial: dropped {', '.join(ev.lost[:4])}")
    return flags


def _score(lexical: float, semantic: float | None) -> float:
    if semantic is None:
        return round(lexical, 4)
    return round((lexical + max(semantic, 0.0)) / 2, 4)


def _lost_suffix(lost: Sequence[str]) -> str:
    return f"; lost: {', '.join(lost[:5])}" if lost else ""


@lru_cache(maxsize=200_000)
def _assess_cached(transcript: str, recorded: str, settings: JudgeSettings) -> Evidence:
    return _assess(transcript, recorded, settings)


def assess(transcript: str, recorded: str | None, settings: JudgeSettings) -> Evidence:
    """The model-free pass: a verdict when lexical evidence settles it, else the evidence."""
    if not transcript or not transcript.strip():
        raise ValueError("a feedback item without a transcript cannot be audited")
    return _assess_cached(transcript, recorded or "", settings)


def _correct_typos(t: Analysed, r: Analysed) -> str:
    """The note with each misspelt word replaced by the transcript word it misspells."""
    vocabulary = set(t.tokens)
    protected = t.names | set(t.numbers) | NEGATIONS
    out = []
    for word in r.tokens:
        if word in vocabulary or len(word) < 4 or word[0].isdigit():
            out.append(word)
            continue
        best = min(
            (w for w in vocabulary if len(w) >= 4 and w not in protected),
            key=lambda w: OSA.distance(word, w),
            default=None,
        )
        # One slip (a swap counts as one) in a short word, two in a long one.
        if best is not None and OSA.distance(word, best) <= (1 if len(word) < 8 else 2):
            out.append(best)
        else:
            out.append(word)
    return " ".join(out)


def _assess(transcript: str, recorded: str, s: JudgeSettings) -> Evidence:
    t = analyse(transcript)
    r = analyse(recorded)
    if is_placeholder(recorded):
        ev = Evidence(t, r, 0.0, 0.0, 0.0, list(t.content), [])
        ev.verdict = Judgement(Fidelity.MISSING, 0.0, "nothing the customer said was recorded")
        return ev
    if t.normalised == r.normalised:
        ev = Evidence(t, r, 1.0, 1.0, 0.0, [], [])
        ev.verdict = Judgement(Fidelity.FAITHFUL, 1.0, "the customer's words", lexical=1.0)
        return ev
    if _correct_typos(t, r) == t.normalised:
        ev = Evidence(t, r, 1.0, 1.0, 0.0, [], [])
        ev.verdict = Judgement(
            Fidelity.FAITHFUL, 0.99, "the customer's words, with typos", lexical=0.99
        )
        return ev
    lexical = fuzz.ratio(t.normalised, r.normalised) / 100.0
    lost, added, coverage, novelty = _lost_and_added(t, r, s.fuzzy_token)
    ev = Evidence(t, r, lexical, coverage, novelty, lost, added)
    ev.flags = _flags(t, r, ev, s)
    if ev.flags:
        ev.verdict = Judgement(
            Fidelity.DISTORTED,
            _score(lexical, None),
            "; ".join(ev.flags) + _lost_suffix(lost if "partial" not in ev.flags[-1] else []),
            lexical=lexical,
            lost=tuple(lost),
            flags=tuple(ev.flags),
        )
        return ev
    if (
        lexical * 100 >= s.faithful_ratio
        and coverage >= s.faithful_coverage
        and novelty <= s.faithful_novelty
    ):
        ev.verdict = Judgement(
            Fidelity.FAITHFUL,
            _score(lexical, None),
            "the customer's words, with small differences (typos, word order, fillers)",
            lexical=lexical,
            lost=tuple(lost),
        )
    return ev


def decide(ev: Evidence, semantic: float, s: JudgeSettings) -> Judgement:
    """The verdict for evidence that needed the model: paraphrase or meaning drift."""
    if ev.verdict is not None:
        return ev.verdict
    score = _score(ev.lexical, semantic)
    if semantic >= s.paraphrase_similarity:
        return Judgement(
            Fidelity.PARAPHRASED,
            score,
            f"same meaning in other words (similarity {semantic:.2f})"
            + (f"; reworded: {', '.join(ev.lost[:5])}" if ev.lost else ""),
            semantic=semantic,
            lexical=ev.lexical,
            lost=tuple(ev.lost),
        )
    return Judgement(
        Fidelity.DISTORTED,
        score,
        f"meaning changed (similarity {semantic:.2f})" + _lost_suffix(ev.lost),
        semantic=semantic,
        lexical=ev.lexical,
        lost=tuple(ev.lost),
        flags=("meaning changed",),
    )


def judge(
    transcript: str,
    recorded: str | None,
    embedder: Embedder | None = None,
    settings: JudgeSettings | None = None,
) -> Judgement:
    """Judge one feedback item; the embedder is only touched when lexical evidence is silent."""
    return judge_many([(transcript, recorded)], embedder, settings)[0]


def judge_many(
    pairs: Sequence[tuple[str, str | None]],
    embedder: Embedder | None = None,
    settings: JudgeSettings | None = None,
) -> list[Judgement]:
    """Judge a batch: model-free first, then each distinct undecided text embedded once."""
    s = settings or JudgeSettings()
    evidence = [assess(t, r, s) for t, r in pairs]
    pending = [ev for ev in evidence if ev.needs_semantics]
    similarities: dict[tuple[str, str], float] = {}
    if pending:
        if embedder is None:
            from callpact.verbatim.embedding import default_embedder

            embedder = default_embedder()
        keys = list(
            dict.fromkeys((ev.transcript.normalised, ev.recorded.normalised) for ev in pending)
        )
        texts = list(dict.fromkeys(text for key in keys for text in key))
        vectors = embedder.embed(texts)
        index = {text: i for i, text in enumerate(texts)}
        for a, b in keys:
            similarities[(a, b)] = float(vectors[index[a]] @ vectors[index[b]])
    return [
        ev.verdict
        if ev.verdict is not None
        else decide(ev, similarities[(ev.transcript.normalised, ev.recorded.normalised)], s)
        for ev in evidence
    ]
