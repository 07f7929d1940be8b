"""The training outcome rule: a group passes when the Wilson lower bound of its pass rate reaches
the contract's minimum — a raw percentage of a small group proves little.

The bound is the lower end of the two-sided Wilson score interval at the contract's confidence
(``confidence: 0.90`` → z = Φ⁻¹(0.95) ≈ 1.645). The verdict is

* ``passed`` when the lower bound ≥ ``min_pass_rate``;
* ``failed`` when even the upper bound < ``min_pass_rate``;
* ``inconclusive`` otherwise, and always when the group has fewer than ``min_group`` examined
  trainees: "2 of 3 passed" is inconclusive, not 67 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from statistics import NormalDist

from callpact.governance.terms import TrainingOutcomeRule


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"


def wilson_interval(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """Two-sided Wilson score interval for a proportion, clamped exactly to [0, 1]."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} outside 0..{trials}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence}")
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    # At the edges the formula's rounding can land a hair inside (0, 1): clamp exactly.
    low = 0.0 if successes == 0 else max(0.0, centre - margin)
    high = 1.0 if successes == trials else min(1.0, centre + margin)
    return low, high


@dataclass(frozen=True, slots=True)
class GroupOutcome:
    passed: int
    examined: int
    pass_rate: float | None
    lower_bound: float
    upper_bound: float
    verdict: Verdict
    reason: str


def judge_group(passed: int, examined: int, rule: TrainingOutcomeRule) -> GroupOutcome:
    """Judge a training group by the contract's outcome rule (see the module docstring)."""
    low, high = wilson_interval(passed, examined, float(rule.confidence))
    rate = passed / examined if examined else None
    minimum = float(rule.min_pass_rate)
    level = f"{Decimal(100) * rule.confidence:g} %"
    if examined < rule.min_group:
        verdict = Verdict.INCONCLUSIVE
        reason = f"{passed} of {examined} passed: a group under {rule.min_group} is not judged"
    elif low >= minimum:
        verdict = Verdict.PASSED
        reason = f"lower bound {low:.3f} at {level} ≥ {minimum:g}"
    elif high < minimum:
        verdict = Verdict.FAILED
        reason = f"upper bound {high:.3f} at {level} < {minimum:g}"
    else:
        verdict = Verdict.INCONCLUSIVE
        reason = f"{minimum:g} lies within [{low:.3f}, {high:.3f}] at {level}"
    return GroupOutcome(passed, examined, rate, low, high, verdict, reason)
