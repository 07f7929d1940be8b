"""What the KPI engine answers: each KPI's value, sample, interval and status for a period.

:class:`Scorecard` holds the :class:`KpiResult` of every KPI (and bucket) of one month; settlement,
the CLI and the portal read it. Pure data, no backend.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class KpiStatus(StrEnum):
    MET = "met"
    MISSED = "missed"
    NOT_MEASURABLE = "not_measurable"


@dataclass(frozen=True, slots=True)
class KpiResult:
    """One KPI over one period (or one bucket of it)."""

    kpi_id: str
    metric: str
    period: str
    bucket: str | None
    value: float | None
    sample: int
    ci: tuple[float, float] | None
    target: Any
    direction: str
    status: KpiStatus
    excluded: int = 0
    excluded_by: Mapping[str, int] = field(default_factory=dict)
    queue: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kpi": self.kpi_id, "metric": self.metric, "period": self.period}
        if self.bucket is not None:
            out["bucket"] = self.bucket
        if self.queue is not None:
            out["queue"] = self.queue
        out.update(
            value=self.value,
            sample=self.sample,
            ci=None if self.ci is None else [self.ci[0], self.ci[1]],
            target=None if self.target is None else {self.direction: float(self.target)},
            status=self.status.value,
            excluded={**dict(self.excluded_by), "total": self.excluded},
        )
        return out


@dataclass
class Scorecard:
    period: str
    by: str
    backend: str
    results: list[KpiResult]
    rejected: dict[str, int] = field(default_factory=dict)
    queries: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "by": self.by,
            "backend": self.backend,
            "rejected": dict(self.rejected),
            "results": [r.to_json() for r in self.results],
        }
