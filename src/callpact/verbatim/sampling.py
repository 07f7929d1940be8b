"""The audit plan: how many feedback items to check per operator per month, and which ones.

Fidelity is a proportion (faithful ÷ audited). To estimate one operator's proportion within a
margin of error *e* at confidence *c*, the classic sample size is

    n₀ = z² · p(1 − p) / e²        (z the two-sided normal quantile of c, p = 0.5 worst case)

and for an operator who recorded only N items in the month the finite-population correction
gives n = n₀ / (1 + (n₀ − 1) / N), rounded up, never more than N. Every operator gets at
least ``min_per_agent`` items (or all they have), so nobody escapes the audit by being small.

Which items: within each operator, items are ranked by SHA-256(seed, feedback_id) and the
first n taken. The choice depends on the seed and the item's own id only: reordering the
rows or adding another operator's items never changes an operator's sample, and either party
can recompute it from the data and the seed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: 1.959964 for 0.95."""
    if not 0 < confidence < 1:
        raise ValueError("confidence must be strictly between 0 and 1")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def infinite_sample_size(margin: float, confidence: float, proportion: float = 0.5) -> float:
    """n₀ = z² p(1−p) / e², before the finite-population correction (not rounded)."""
    if not 0 < margin < 1:
        raise ValueError("margin must be strictly between 0 and 1")
    z = z_value(confidence)
    return z * z * proportion * (1 - proportion) / (margin * margin)


def sample_size(population: int, margin: float, confidence: float, proportion: float = 0.5) -> int:
    """Items to audit out of ``population`` for the margin and confidence (FPC applied)."""
    if population <= 0:
        return 0
    n0 = infinite_sample_size(margin, confidence, proportion)
    n = n0 / (1 + (n0 - 1) / population)
    # A float a hair above an integer (e.g. 100.0000000001) must not cost one more item.
    return min(population, math.ceil(round(n, 9)))


def audit_rank(seed: int | str, feedback_id: str) -> str:
    """The item's place in the audit queue: a hex digest, compared as text."""
    return hashlib.sha256(f"{seed}\x1f{feedback_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AgentPlan:
    """One operator's line of the audit plan."""

    agent_id: str
    population: int  # auditable items (with a transcript) recorded in the period
    sample_size: int
    margin_achieved: float  # the margin this sample gives at the plan's confidence, p = 0.5


@dataclass(frozen=True, slots=True)
class AuditPlan:
    period: str
    margin: float
    confidence: float
    min_per_agent: int
    agents: tuple[AgentPlan, ...]

    @property
    def population(self) -> int:
        return sum(a.population for a in self.agents)

    @property
    def total_sample(self) -> int:
        return sum(a.sample_size for a in self.agents)


def achieved_margin(sample: int, population: int, confidence: float, p: float = 0.5) -> float:
    """The margin of error a sample of ``sample`` out of ``population`` gives (FPC applied)."""
    if sample <= 0:
        return 1.0
    if sample >= population:
        return 0.0
    fpc = math.sqrt((population - sample) / (population - 1))
    return z_value(confidence) * math.sqrt(p * (1 - p) / sample) * fpc


def plan_audit(
    population_by_agent: Mapping[str, int],
    period: str,
    *,
    margin: float = 0.05,
    confidence: float = 0.95,
    min_per_agent: int = 10,
    fixed_per_agent: int | None = None,
) -> AuditPlan:
    """Per operator: the sample size for the margin/confidence, at least ``min_per_agent``.

    ``fixed_per_agent`` replaces the formula by a fixed number per operator (``--sample N``).
    """
    lines = []
    for agent_id in sorted(population_by_agent):
        population = population_by_agent[agent_id]
        if fixed_per_agent is not None:
            n = min(population, fixed_per_agent)
        else:
            n = max(sample_size(population, margin, confidence), min(min_per_agent, population))
        lines.append(AgentPlan(agent_id, population, n, achieved_margin(n, population, confidence)))
    return AuditPlan(period, margin, confidence, min_per_agent, tuple(lines))


def select_sample(items: Iterable[tuple[str, str]], plan: AuditPlan, seed: int | str) -> set[str]:
    """Feedback ids to audit from ``(feedback_id, agent_id)`` pairs, per the plan."""
    by_agent: dict[str, list[tuple[str, str]]] = {}
    for feedback_id, agent_id in items:
        by_agent.setdefault(agent_id, []).append((audit_rank(seed, feedback_id), feedback_id))
    wanted = {a.agent_id: a.sample_size for a in plan.agents}
    chosen: set[str] = set()
    for agent_id, ranked in by_agent.items():
        ranked.sort()
        chosen.update(fid for _, fid in ranked[: wanted.get(agent_id, 0)])
    return chosen
