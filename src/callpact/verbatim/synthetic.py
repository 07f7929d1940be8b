"""Generated feedback for tests, demos and the throughput benchmark.

Pairs come from the labelled evaluation set, so every generated item has a known verdict. A
neutral context ("This morning, ") is put before both texts of a pair to multiply the distinct
phrasings the way real notes vary, while many items still repeat word for word, as real
verbatims do. The mix is like real data: mostly notes copied from what the customer said, the
rest paraphrased, distorted or missing, and a few items not yet transcribed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from callpact.verbatim.evaluation import EvalItem, load_eval_set

CONTEXTS: tuple[str, ...] = (
    "",
    "This morning, ",
    "Yesterday, ",
    "Last week, ",
    "Earlier today, ",
    "On Friday, ",
    "Since the weekend, ",
    "For my husband, ",
    "For my son, ",
    "On my mother's account, ",
    "After the last call, ",
    "Like I told the last person, ",
    "Again today, ",
    "As of this afternoon, ",
    "On the family plan, ",
    "For the second line, ",
    "Since the move, ",
    "While I was travelling, ",
    "Right before the holiday, ",
    "For my business account, ",
)
MIX: dict[str, float] = {"faithful": 0.72, "paraphrased": 0.1, "distorted": 0.12, "missing": 0.06}


@dataclass(frozen=True, slots=True)
class GeneratedFeedback:
    feedback_id: str
    contact_id: str
    agent_id: str
    recorded_at: datetime
    recorded_text: str
    transcript_text: str | None
    label: str


def _with_context(context: str, text: str) -> str:
    if not context or not text:
        return text
    return context + text[0].lower() + text[1:] if not text[:2].isupper() else context + text


def generate_feedback(
    count: int,
    *,
    agents: int = 20,
    start: datetime,
    days: int = 28,
    seed: int = 7,
    untranscribed: float = 0.02,
    items: list[EvalItem] | None = None,
) -> list[GeneratedFeedback]:
    """``count`` feedback items spread over ``agents`` operators and ``days`` from ``start``."""
    rng = random.Random(seed)
    pool = items if items is not None else load_eval_set()
    by_label: dict[str, list[EvalItem]] = {}
    for item in pool:
        by_label.setdefault(item.label, []).append(item)
    labels = list(MIX)
    weights = [MIX[label] for label in labels]
    out = []
    for n in range(count):
        label = rng.choices(labels, weights)[0]
        pair = rng.choice(by_label[label])
        context = rng.choice(CONTEXTS)
        transcript: str | None = _with_context(context, pair.transcript)
        recorded = pair.recorded if label == "missing" else _with_context(context, pair.recorded)
        if label == "faithful" and rng.random() < 0.8:
            recorded = transcript or ""  # most real notes are plain copies
        if rng.random() < untranscribed:
            transcript = None
        out.append(
            GeneratedFeedback(
                feedback_id=f"F{n:07d}",
                contact_id=f"C{n:07d}",
                agent_id=f"A{rng.randrange(agents):03d}",
                recorded_at=start + timedelta(seconds=rng.randrange(days * 86_400)),
                recorded_text=recorded,
                transcript_text=transcript,
                label=label,
            )
        )
    return out
