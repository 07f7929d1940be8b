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

ParamKind = Literal["seconds", "days", "score", "ratio", "minutes", "choice", "flag"]
Unit = Literal["ratio", "seconds", "score"]
ParamValue = bool | int | Decimal | str


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One parameter of a metric: its kind decides type and range; ``default`` None = required.

    ``choice`` parameters name a variant (``abandons: excluded``); ``flag`` ones are true/false.
    """

    name: str
    kind: ParamKind
    default: ParamValue | None
    meaning: str
    minimum: int = 0
    maximum: int | None = None
    choices: tuple[str, ...] = ()


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
_ABANDONS = ParamSpec(
    "abandons",
    "choice",
    "counted",
    "how contacts abandoned within the threshold count (variant)",
    choices=("counted", "excluded", "neutral_within", "met_within"),
)

METRICS: Mapping[str, MetricSpec] = {
    spec.metric: spec
    for spec in (
        MetricSpec(
            "service_level", "Service level", "ratio", (_THRESHOLD, _SHORT, _ABANDONS), "contacts"
        ),
        MetricSpec("abandon_rate", "Abandon rate", "ratio", (_SHORT,), "contacts"),
        MetricSpec("short_abandon_rate", "Short-abandon rate", "ratio", (_SHORT,), "contacts"),
        MetricSpec("asa", "ASA", "seconds", (_SHORT,), "contacts"),
        MetricSpec("aht", "AHT", "seconds", (), "contacts"),
        MetricSpec("transfer_rate", "Transfer rate", "ratio", (), "contacts"),
        MetricSpec(
            "fcr",
            "FCR",
            "ratio",
            (
                ParamSpec("window_days", "days", 7, "look-ahead for a repeat contact", minimum=1),
                _SHORT,
                ParamSpec("same_queue", "flag", False, "a repeat must be in the same queue"),
                ParamSpec("same_channel", "flag", False, "a repeat must be in the same channel"),
            ),
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
                ParamSpec(
                    "method",
                    "choice",
                    "top_box",
                    "top_box share or mean answer (variant)",
                    choices=("top_box", "mean"),
                ),
                _SHORT,
            ),
            "surveys",
        ),
        MetricSpec("nps", "NPS", "score", (_SHORT,), "surveys"),
        MetricSpec(
            "ces",
            "CES",
            "score",
            (
                _SHORT,
                ParamSpec(
                    "method",
                    "choice",
                    "mean",
                    "mean answer or top_box share (variant)",
                    choices=("mean", "top_box"),
                ),
                ParamSpec(
                    "top_box_from",
                    "score",
                    5,
                    "lowest ces answer (1–7) that counts in the top box",
                    minimum=1,
                    maximum=7,
                ),
            ),
            "surveys",
        ),
        MetricSpec("qa_score", "QA score", "ratio", (_SHORT,), "qa_evaluations"),
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
                _ABANDONS,
            ),
            "contacts",
        ),
        MetricSpec("occupancy", "Occupancy", "ratio", (), "agent_states"),
        MetricSpec("schedule_adherence", "Schedule adherence", "ratio", (), "agent_states"),
        MetricSpec(
            "forecast_accuracy",
            "Forecast accuracy",
            "ratio",
            (
                _INTERVAL,
                ParamSpec(
                    "method",
                    "choice",
                    "wape",
                    "how interval errors are combined (variant)",
                    choices=("wape", "within_tolerance", "mean_interval"),
                ),
                ParamSpec(
                    "tolerance",
                    "ratio",
                    Decimal("0.10"),
                    "within_tolerance: the largest error, as a share of the forecast",
                ),
            ),
            "forecast",
        ),
    )
}


def value_range(metric: str, params: Mapping[str, ParamValue]) -> tuple[Decimal, Decimal]:
    """The values a metric can take with these parameters (for targets and tiers)."""
    if metric == "csat" and params.get("method") == "mean":
        return Decimal(1), Decimal(5)
    if metric == "ces" and params.get("method", "mean") == "mean":
        return Decimal(1), Decimal(7)
    if metric == "nps":
        return Decimal(-1), Decimal(1)
    if METRICS[metric].unit == "seconds":
        return Decimal(0), Decimal("Infinity")
    return Decimal(0), Decimal(1)


def _fmt(value: ParamValue) -> str:
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def formula_words(metric: str, params: Mapping[str, ParamValue]) -> str:
    """The metric's exact definition in words with the given parameters filled in.

    ``params`` should carry every parameter (defaults applied); a missing one reads as its
    default. The default variant's words follow docs/interchange.md, "Reference KPI
    semantics"; a variant parameter (``abandons``, ``method``, ``same_queue``…) changes the
    words where it changes the computation. Unknown metrics raise ``KeyError``.
    """
    spec = METRICS[metric]

    def value(name: str) -> ParamValue | None:
        found = spec.param(name)
        return params.get(name, found.default if found else None)

    def p(name: str) -> str:
        found = value(name)
        return _fmt(found) if found is not None and not isinstance(found, bool) else f"<{name}>"

    in_scope = (
        "inbound contacts in the KPI's scope (its channels, queues and hours) whose offered_at "
        "falls in the period, read in the contract's time zone"
    )
    wait = "wait_s = (answered_at or, if never answered, ended_at) − offered_at"
    short = f"a short abandon is an unanswered contact with wait_s < {p('short_abandon_s')} s"
    offered = f"offered = {in_scope}, minus short abandons ({short})"
    surveyed = f"surveys of {in_scope}, short abandons excluded ({short})"
    belongs = "a response belongs to the period of its contact's offered_at, not of responded_at"

    def answered_in_time(threshold: str) -> str:
        variant = value("abandons")
        within = f"answered contacts with wait_s ≤ {threshold} s"
        gave_up = f"unanswered contacts with wait_s ≤ {threshold} s"
        if variant == "excluded":
            return f"{within} ÷ answered contacts (abandoned contacts left out)"
        if variant == "neutral_within":
            return f"{within} ÷ (offered contacts minus {gave_up}, which count neither way)"
        if variant == "met_within":
            return f"({within} + {gave_up}, counted as in time) ÷ offered contacts"
        return f"{within} ÷ offered contacts"

    if metric == "fcr":
        where = (
            "in any of the KPI's channels and queues (not necessarily a's own)"
            if value("same_queue") is not True and value("same_channel") is not True
            else "in "
            + " and ".join(
                words
                for flag, words in (
                    ("same_channel", "a's own channel"),
                    ("same_queue", "a's own queue"),
                )
                if value(flag) is True
            )
        )
    else:
        where = ""
    if metric == "csat" and value("method") == "mean":
        csat = f"mean csat answer (1–5) over survey responses with a csat answer, over {surveyed}"
    else:
        csat = (
            f"survey responses with csat ≥ {p('top_box_from')} ÷ survey responses with a csat "
            f"answer, over {surveyed}"
        )
    if metric == "ces" and value("method") == "top_box":
        ces = (
            f"survey responses with ces ≥ {p('top_box_from')} ÷ survey responses with a ces "
            f"answer, over {surveyed}"
        )
    else:
        ces = f"mean ces answer (1–7) over survey responses with a ces answer, over {surveyed}"
    method = value("method")
    if metric == "forecast_accuracy" and method == "within_tolerance":
        accuracy = (
            "forecast intervals whose actual offered contacts differ from the forecast by at most "
            f"{p('tolerance')} × the forecast ÷ forecast intervals"
        )
    elif metric == "forecast_accuracy" and method == "mean_interval":
        accuracy = (
            "mean over forecast intervals with a forecast above 0 of "
            "max(0, 1 − |offered − forecast offered| ÷ forecast offered)"
        )
    else:
        accuracy = "1 − Σ|offered − forecast offered| ÷ Σ forecast offered"
    words: dict[str, str] = {
        "service_level": f"{answered_in_time(p('threshold_s'))}; {offered}; {wait}",
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
            "a repeat of contact a is another inbound contact b of the same customer "
            f"{where}, answered or not, short abandons excluded ({short}), with b.offered_at > "
            f"a.offered_at as instants and local b.offered_at ≤ local a.offered_at + "
            f"{p('window_days')} days, comparing local wall-clock date-times in the contract's "
            "time zone (so the window lasts 167 or 169 hours across a DST change); the "
            f"look-ahead may cross the period's end; contacts a are the {in_scope}"
        ),
        "csat": f"{csat}; {belongs}",
        "nps": (
            "share of survey responses with nps ≥ 9 minus share with nps ≤ 6, over responses "
            f"with an nps answer to {surveyed}; {belongs}"
        ),
        "ces": f"{ces}; {belongs}",
        "qa_score": (
            "mean of score ÷ 100 (0 where auto_fail) over QA evaluations of "
            f"{in_scope}, short abandons excluded ({short}); an evaluation belongs to the "
            "period of its contact's offered_at"
        ),
        "verbatim_fidelity": (
            "audited feedback items judged faithful ÷ audited feedback items of the period"
        ),
        "interval_service_level": (
            f"intervals of {p('interval_minutes')} minutes (local time) with at least one "
            "offered contact whose own service level ("
            f"{answered_in_time(p('threshold_s'))}) is at least {p('interval_target')} ÷ those "
            f"intervals; {offered}; {wait}"
        ),
        "occupancy": (
            "time agents spent busy, on hold or in after-call work ÷ that time plus the time "
            "they were available, from agent_states; only time inside the period (and the "
            "KPI's hours, where it has them) counts, each part in its own day or interval"
        ),
        "schedule_adherence": (
            "scheduled work time during which the agent was in a working state (available, "
            "busy, hold, acw) ÷ scheduled work time, from schedules and agent_states; only time "
            "inside the period (and the KPI's hours, where it has them) counts, each part in its "
            "own day or interval"
        ),
        "forecast_accuracy": (
            f"{accuracy}, over the forecast's {p('interval_minutes')}-minute intervals in the "
            "period (offered: contacts in scope minus short abandons per interval)"
        ),
    }
    return words[metric]
