"""The monthly verbatim audit: sample, judge, record, summarise.

Reads the interchange ``feedback`` table (and ``contacts`` and ``agents`` when present),
draws the audit sample per operator (see :mod:`callpact.verbatim.sampling`), judges each
sampled item, writes the verdicts to the workspace table ``verbatim_judgements`` (which the
``verbatim_fidelity`` KPI counts: faithful ÷ audited) and summarises fidelity per operator and
per team with Wilson confidence intervals.

**Which month an item belongs to**: the month of its contact's ``offered_at`` read in the
given time zone (the contract's), like survey and QA results; an item whose contact is not in
``contacts`` falls back to its own ``recorded_at``. Items without a transcript cannot be
audited: they are counted, never judged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pyarrow as pa

from callpact.diagnostics import Diagnostic, Severity
from callpact.verbatim.judge import Fidelity, Judgement, JudgeSettings, judge_many
from callpact.verbatim.sampling import AuditPlan, plan_audit, select_sample

if TYPE_CHECKING:
    from callpact.data.workspace import DataSource
    from callpact.verbatim.embedding import Embedder

JUDGEMENTS_TABLE = "verbatim_judgements"
JUDGEMENTS_SCHEMA = pa.schema(
    [
        ("feedback_id", pa.string()),
        ("agent_id", pa.string()),
        ("contact_id", pa.string()),
        ("judgement", pa.string()),
        ("score", pa.float64()),
        ("reason", pa.string()),
        ("audited_at", pa.timestamp("us", tz="UTC")),
        ("period", pa.string()),
    ]
)


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    feedback_id: str
    contact_id: str
    agent_id: str
    recorded_at: datetime
    recorded_text: str | None
    transcript_text: str | None
    period: str = ""
    dated_by_recording: bool = False  # its contact was not in contacts: recorded_at dates it


@dataclass
class FeedbackSource:
    items: list[FeedbackItem]
    team_of: dict[str, str]
    diagnostics: list[Diagnostic] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Reading


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def period_of(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m")


def read_feedback(source: DataSource, tz: ZoneInfo) -> FeedbackSource:
    """Feedback items with their period, the operator → team map, and what was left out.

    ``source`` is a workspace or a raw interchange folder opened by the data layer, so every
    row has already passed ingest's row rules; rows that broke them are counted (and kept in
    the rejects file), never judged.
    """
    where = str(source.root)
    if not source.has_table("feedback"):
        problem = Diagnostic(
            where,
            0,
            0,
            Severity.ERROR,
            "V001",
            "no feedback table in this data",
            hint="the verbatim audit reads the interchange feedback table (feedback.csv)",
        )
        return FeedbackSource([], {}, [problem])
    diagnostics = [
        Diagnostic(
            where,
            0,
            0,
            Severity.WARNING,
            "V002",
            f"{source.rejected[table]} {table} row(s) broke the interchange rules and were "
            "left out of the audit",
            hint="the rejects file of the ingest lists each row with its line and reason",
            field=table,
        )
        for table in ("feedback", "contacts", "agents")
        if source.rejected.get(table)
    ]
    offered: dict[str, datetime] = {}
    if source.has_table("contacts"):
        contacts = source.read_table("contacts", ["contact_id", "offered_at"])
        offered = dict(
            zip(
                contacts.column("contact_id").to_pylist(),
                contacts.column("offered_at").to_pylist(),
                strict=True,
            )
        )
    team_of: dict[str, str] = {}
    if source.has_table("agents"):
        for row in source.read_table("agents", ["agent_id", "team"]).to_pylist():
            if row["team"] is not None:
                team_of[str(row["agent_id"])] = str(row["team"])
    items: list[FeedbackItem] = []
    for row in source.read_table("feedback").to_pylist():
        contact_id = str(row["contact_id"])
        moment = offered.get(contact_id)
        recorded_at: datetime = row["recorded_at"]
        items.append(
            FeedbackItem(
                feedback_id=str(row["feedback_id"]),
                contact_id=contact_id,
                agent_id=str(row["agent_id"]),
                recorded_at=recorded_at,
                recorded_text=_text(row.get("recorded_text")),
                transcript_text=_text(row.get("transcript_text")),
                period=period_of(moment or recorded_at, tz),
                dated_by_recording=moment is None,
            )
        )
    return FeedbackSource(items, team_of, diagnostics)


# --------------------------------------------------------------------------------------------
# Statistics


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion, clamped to [0, 1] (exactly 0/1 at the edges)."""
    if trials <= 0:
        return (0.0, 1.0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return (low, high)


@dataclass(frozen=True, slots=True)
class FidelityLine:
    """Fidelity of one operator or team: faithful ÷ audited, with its Wilson interval."""

    key: str
    audited: int
    faithful: int
    paraphrased: int
    distorted: int
    missing: int
    fidelity: float
    low: float
    high: float

    def to_json(self, key_name: str) -> dict[str, object]:
        return {
            key_name: self.key,
            "audited": self.audited,
            "faithful": self.faithful,
            "paraphrased": self.paraphrased,
            "distorted": self.distorted,
            "missing": self.missing,
            "fidelity": round(self.fidelity, 4),
            "ci_low": round(self.low, 4),
            "ci_high": round(self.high, 4),
        }


def summarise(
    keyed: Iterable[tuple[str, Fidelity]], confidence: float = 0.95
) -> list[FidelityLine]:
    counts: dict[str, dict[Fidelity, int]] = {}
    for key, verdict in keyed:
        bucket = counts.setdefault(key, dict.fromkeys(Fidelity, 0))
        bucket[verdict] += 1
    lines = []
    for key in sorted(counts):
        c = counts[key]
        audited = sum(c.values())
        faithful = c[Fidelity.FAITHFUL]
        low, high = wilson_interval(faithful, audited, confidence)
        lines.append(
            FidelityLine(
                key,
                audited,
                faithful,
                c[Fidelity.PARAPHRASED],
                c[Fidelity.DISTORTED],
                c[Fidelity.MISSING],
                faithful / audited,
                low,
                high,
            )
        )
    return lines


# --------------------------------------------------------------------------------------------
# The audit


@dataclass(frozen=True, slots=True)
class AuditedItem:
    item: FeedbackItem
    verdict: Judgement


@dataclass
class AuditResult:
    period: str
    plan: AuditPlan
    items: list[AuditedItem]
    by_agent: list[FidelityLine]
    by_team: list[FidelityLine]
    in_period: int
    not_transcribed: int
    diagnostics: list[Diagnostic]
    period_fallbacks: int
    written_to: Path | None = None  # the workspace that recorded the verdicts

    def worst(self, count: int = 5) -> list[AuditedItem]:
        """The least faithful items, lowest score first: the examples to show the vendor."""
        bad = [a for a in self.items if a.verdict.judgement is not Fidelity.FAITHFUL]
        order = {Fidelity.DISTORTED: 0, Fidelity.MISSING: 1, Fidelity.PARAPHRASED: 2}
        bad.sort(key=lambda a: (order[a.verdict.judgement], a.verdict.score, a.item.feedback_id))
        return bad[:count]

    def to_json(self) -> dict[str, object]:
        return {
            "period": self.period,
            "in_period": self.in_period,
            "not_transcribed": self.not_transcribed,
            "dated_by_recorded_at": self.period_fallbacks,
            "audited": len(self.items),
            "items": [
                {
                    "feedback_id": a.item.feedback_id,
                    "agent_id": a.item.agent_id,
                    "contact_id": a.item.contact_id,
                    "judgement": a.verdict.judgement.value,
                    "score": a.verdict.score,
                    "reason": a.verdict.reason,
                }
                for a in self.items
            ],
            "by_agent": [line.to_json("agent_id") for line in self.by_agent],
            "by_team": [line.to_json("team") for line in self.by_team],
            "worst": [
                {
                    "feedback_id": a.item.feedback_id,
                    "agent_id": a.item.agent_id,
                    "judgement": a.verdict.judgement.value,
                    "transcript": a.item.transcript_text,
                    "recorded": a.item.recorded_text,
                    "reason": a.verdict.reason,
                }
                for a in self.worst()
            ],
            "written_to": str(self.written_to) if self.written_to else None,
            "diagnostics": [d.to_json() for d in self.diagnostics],
        }


def auditable_by_agent(items: Sequence[FeedbackItem]) -> dict[str, int]:
    population: dict[str, int] = {}
    for item in items:
        if item.transcript_text is not None:
            population[item.agent_id] = population.get(item.agent_id, 0) + 1
    return population


def run_audit(
    source: FeedbackSource,
    period: str,
    *,
    sample: int | None = None,
    margin: float = 0.05,
    confidence: float = 0.95,
    min_per_agent: int = 10,
    seed: int | str = 0,
    embedder: Embedder | None = None,
    settings: JudgeSettings | None = None,
) -> AuditResult:
    """Sample per the plan (``sample``: a fixed number per operator; ``-1``: every item)."""
    in_period = [i for i in source.items if i.period == period]
    auditable = [i for i in in_period if i.transcript_text is not None]
    population = auditable_by_agent(in_period)
    fixed = max(population.values(), default=0) if sample == -1 else sample
    plan = plan_audit(
        population,
        period,
        margin=margin,
        confidence=confidence,
        min_per_agent=min_per_agent,
        fixed_per_agent=fixed,
    )
    chosen = select_sample(((i.feedback_id, i.agent_id) for i in auditable), plan, seed)
    sampled = sorted((i for i in auditable if i.feedback_id in chosen), key=lambda i: i.feedback_id)
    verdicts = judge_many(
        [(i.transcript_text or "", i.recorded_text) for i in sampled], embedder, settings
    )
    audited = [AuditedItem(i, v) for i, v in zip(sampled, verdicts, strict=True)]
    by_agent = summarise(((a.item.agent_id, a.verdict.judgement) for a in audited), confidence)
    by_team = summarise(
        ((source.team_of.get(a.item.agent_id, "all"), a.verdict.judgement) for a in audited),
        confidence,
    )
    return AuditResult(
        period=period,
        plan=plan,
        items=audited,
        by_agent=by_agent,
        by_team=by_team,
        in_period=len(in_period),
        not_transcribed=len(in_period) - len(auditable),
        diagnostics=list(source.diagnostics),
        period_fallbacks=sum(i.dated_by_recording for i in in_period),
    )


def judgements_table(result: AuditResult, audited_at: datetime) -> pa.Table:
    """The rows of ``verbatim_judgements`` for this audit."""
    return pa.Table.from_pylist(
        [
            {
                "feedback_id": a.item.feedback_id,
                "agent_id": a.item.agent_id,
                "contact_id": a.item.contact_id,
                "judgement": a.verdict.judgement.value,
                "score": float(a.verdict.score),
                "reason": a.verdict.reason,
                "audited_at": audited_at.astimezone(UTC),
                "period": result.period,
            }
            for a in result.items
        ],
        schema=JUDGEMENTS_SCHEMA,
    )


def write_judgements(workspace: Path, table: pa.Table, period: str) -> None:
    """Record the month's verdicts in the workspace table ``verbatim_judgements``.

    One partition per audited month, replaced atomically: re-auditing a month replaces its
    verdicts, never duplicates them.
    """
    from callpact.data.workspace import Workspace

    Workspace(workspace).write_derived(JUDGEMENTS_TABLE, table, partition=f"period={period}")
