"""Confidence intervals for KPI results: Wilson for proportions, Student's t for means.

Pure functions over counts and moments; the engine computes the counts, these say how sure a
result is. Both parties can recompute them by hand from the sample, the value and the spread.
"""

from __future__ import annotations

import math

# scipy.special is a fraction of scipy.stats' import time; stdtrit is t's quantile function
from scipy.special import stdtrit

DEFAULT_CONFIDENCE = 0.95


def _z(confidence: float) -> float:
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(
    successes: int, trials: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float] | None:
    """Wilson score interval of a proportion ``successes ÷ trials``; None without trials.

    Clamped to exactly 0 and 1 at the edges (the raw formula can leave 1e-18 above 0 at k = 0).
    """
    if trials <= 0:
        return None
    if not 0 <= successes <= trials:
        raise ValueError(f"successes {successes} outside 0..{trials}")
    z = _z(confidence)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / trials + z2n / (4 * trials)) / (1 + z2n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


def t_interval(
    mean: float, std: float | None, n: int, confidence: float = DEFAULT_CONFIDENCE
) -> tuple[float, float] | None:
    """Student's t interval of a mean from ``n`` values with sample standard deviation ``std``.

    None when fewer than two values (no spread to estimate).
    """
    if n < 2 or std is None or math.isnan(std):
        return None
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * std / math.sqrt(n)
    return (mean - half, mean + half)
