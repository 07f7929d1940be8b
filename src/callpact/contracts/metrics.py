"""The closed library of KPI metrics an annex may name, their parameters, and their formulas
in words (the reference semantics of docs/interchange.md, "Reference KPI semantics").

The words here are what both parties sign: ``callpact contract render`` prints them in the
annex and the KPI engine's ``--explain`` prints them beside each number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

ParamKind = Literal["seconds", "days", "score", "ratio", "minutes"]
Unit = Literal["ratio", "seconds", "score"]
ParamValue = int | Decimal


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of a metric: its kind decides type and range; ``default`` None = required."""

    name: str
    kind: ParamKind
    default: ParamValue | None
    meaning: str
    minimum: int = 0
    maximum: int | None = None


@dataclass(frozen=True, slots=True)
class MetricSpec:
    metric: str
    label: str
    unit: Unit
    params: tuple[ParamSpec, ...]
    source_table: str

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


_SHORT = ParamSpec(
    "short_abandon_s",
    "seconds",
    5,
    "an unanswered contact that waited less than this is a short abandon",
)
_THRESHOLD = ParamSpec(
    "threshold_s", "seconds", None, "a contact answered within this wait counts as in time"
)
_INTERVAL = ParamSpec("interval_minutes", "minutes", 30, "length of one interval", minimum=1)

METRICS: Mapping[str, MetricSpec] = {
    spec.metric: spec
    for spec in (
        MetricSpec("service_level", "Service level", "ratio", (_THRESHOLD, _SHORT), "contacts"),
        MetricSpec("abandon_rate", "Abandon rate", "ratio", (_SHORT,), "contacts"),
        MetricSpec("short_abandon_rate", "Short-abandon rate", "ratio", (_SHORT,), "contacts"),
        MetricSpec("asa", "ASA", "seconds", (), "contacts"),
        MetricSpec("aht", "AHT", "seconds", (), "contacts"),
        MetricSpec("transfer_rate", "Transfer rate", "ratio", (), "contacts"),
        MetricSpec(
            "fcr",
            "FCR",
            "ratio",
            (ParamSpec("window_days", "days", 7, "look-ahead for a repeat contact", minimum=1),),
            "contacts",
        ),
        MetricSpec(
            "csat",
            "CSAT",
            "ratio",
            (
                ParamSpec(
                    "top_box_from",
                    "score",
                    4,
                    "lowest csat answer (1–5) that counts as satisfied",
                    minimum=1,
                    maximum=5,
                ),
            ),
            "surveys",
        ),
        MetricSpec("nps", "NPS", "score", (), "surveys"),
        MetricSpec("ces", "CES", "score", (), "surveys"),
        MetricSpec("qa_score", "QA score", "ratio", (), "qa_evaluations"),
        MetricSpec("verbatim_fidelity", "Verbatim fidelity", "ratio", (), "feedback"),
        MetricSpec(
            "interval_service_level",
            "Interval service level",
            "ratio",
            (
                _THRESHOLD,
                _SHORT,
                _INTERVAL,
                ParamSpec(
                    "interval_target",
                    "ratio",
                    Decimal("0.80"),
                    "service level an interval must reach to count as met",
                ),
            ),
            "contacts",
        ),
        MetricSpec("occupancy", "Occupancy", "ratio", (), "agent_states"),
        MetricSpec("schedule_adherence", "Schedule adherence", "ratio", (), "agent_states"),
        MetricSpec("forecast_accuracy", "Forecast accuracy", "ratio", (_INTERVAL,), "forecast"),
    )
}

#: Metrics whose value is better when higher, for every default variant.
HIGHER_IS_BETTER = frozenset(
    {
        "service_level",
        "fcr",
        "csat",
        "nps",
        "qa_score",
        "verbatim_fidelity",
        "interval_service_level",
        "schedule_adherence",
        "forecast_accuracy",
    }
)
#: Metrics whose value is better when lower.
LOWER_IS_BETTER = frozenset(
    {"abandon_rate", "short_abandon_rate", "asa", "aht", "transfer_rate", "ces"}
)


def _fmt(value: ParamValue) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def formula_words(metric: str, params: Mapping[str, ParamValue]) -> str:
    """The metric's exact definition in words with the given parameters filled in.

    ``params`` should carry every parameter (defaults applied); a missing one reads as its
    default. Unknown metrics raise ``KeyError``: the loader has rejected them already.
    """
    spec = METRICS[metric]

    def p(name: str) -> str:
        found = spec.param(name)
        value = params.get(name, found.default if found else None)
        return _fmt(value) if value is not None else f"<{name}>"

    in_scope = (
        "inbound contacts in the KPI's scope (its channels, queues and hours) whose offered_at "
        "falls in the period, read in the contract's time zone"
    )
    wait = "wait_s = (answered_at or, if never answered, ended_at) − offered_at"
    short = f"a short abandon is an unanswered contact with wait_s < {p('short_abandon_s')} s"
    offered = f"offered = {in_scope}, minus short abandons ({short})"
    words: dict[str, str] = {
        "service_level": (
            f"answered contacts with wait_s ≤ {p('threshold_s')} s ÷ offered contacts; "
            f"{offered}; {wait}"
        ),
        "abandon_rate": (
            f"unanswered contacts that are not short abandons ÷ offered contacts; {offered}; {wait}"
        ),
        "short_abandon_rate": (
            f"short abandons ÷ {in_scope} (short abandons included); {short}; {wait}"
        ),
        "asa": (
            f"mean wait_s of answered contacts among {in_scope}; {wait} "
            "(short abandons are unanswered, so they never enter ASA)"
        ),
        "aht": f"mean of talk_s + hold_s + acw_s over answered contacts among {in_scope}",
        "transfer_rate": (
            f"answered contacts marked transferred ÷ answered contacts among {in_scope}"
        ),
        "fcr": (
            "among answered contacts with a customer_id, the share whose customer has no repeat; "
            "a repeat of contact a is another inbound contact b of the same customer in any of "
            "the KPI's channels and queues, answered or not, short abandons excluded (short "
            "abandon threshold 5 s), with b.offered_at > a.offered_at as instants and local "
            f"b.offered_at ≤ local a.offered_at + {p('window_days')} days, comparing local "
            "wall-clock date-times in the contract's time zone (so the window lasts 167 or 169 "
            "hours across a DST change); the look-ahead may cross the period's end; contacts a "
            f"are the {in_scope}"
        ),
        "csat": (
            f"survey responses with csat ≥ {p('top_box_from')} ÷ survey responses with a csat "
            f"answer, over surveys of {in_scope}, short abandons excluded; a response belongs "
            "to the period of its contact's offered_at, not of responded_at"
        ),
        "nps": (
            "share of survey responses with nps ≥ 9 minus share with nps ≤ 6, over responses "
            f"with an nps answer to surveys of {in_scope}; a response belongs to the period of "
            "its contact's offered_at"
        ),
        "ces": (
            f"mean ces answer (1–7) over responses with a ces answer to surveys of {in_scope}; "
            "a response belongs to the period of its contact's offered_at"
        ),
        "qa_score": (
            "mean of score ÷ 100 (0 where auto_fail) over QA evaluations of "
            f"{in_scope}, short abandons excluded; an evaluation belongs to the period of its "
            "contact's offered_at"
        ),
        "verbatim_fidelity": (
            "audited feedback items judged faithful ÷ audited feedback items of the period"
        ),
        "interval_service_level": (
            f"intervals of {p('interval_minutes')} minutes inside the hours of operation whose "
            f"service level (answered with wait_s ≤ {p('threshold_s')} s ÷ offered) is at least "
            f"{p('interval_target')} ÷ intervals with at least one offered contact; {offered}"
        ),
        "occupancy": (
            "time agents spent busy, on hold or in after-call work ÷ that time plus the time "
            "they were available, from agent_states within the period"
        ),
        "schedule_adherence": (
            "scheduled work time during which the agent was in a working state (available, "
            "busy, hold, acw) ÷ scheduled work time, from schedules and agent_states"
        ),
        "forecast_accuracy": (
            "1 − Σ|offered − forecast offered| ÷ Σ forecast offered, over the forecast's "
            f"{p('interval_minutes')}-minute intervals in the period"
        ),
    }
    return words[metric]
