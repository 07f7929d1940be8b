"""KPI definitions as the engine reads them: metric, parameters, scope, exclusions, target.

The annex (``callpact.contracts``) is what both parties sign; :func:`definitions_from_version`
turns one contract version into these small, engine-facing values so the Ibis layer never
depends on how the annex is parsed. Tests build definitions directly.

Every metric's parameters and their defaults live in :data:`METRIC_PARAMS`; the variants each
metric supports are documented in docs/kpis.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from callpact.contracts.model import ContractVersion

ParamValue = int | float | str | bool | Decimal
Direction = Literal["at_least", "at_most"]
ExclusionKind = Literal["declared_outages", "volume_above_forecast", "trainees_in_exemption"]
EXCLUSION_KINDS: tuple[ExclusionKind, ...] = (
    "declared_outages",
    "volume_above_forecast",
    "trainees_in_exemption",
)

#: metric → {parameter: default}. ``None`` means required. Variant parameters are strings.
METRIC_PARAMS: dict[str, dict[str, ParamValue | None]] = {
    "service_level": {"threshold_s": None, "short_abandon_s": 5, "abandons": "counted"},
    "interval_service_level": {
        "threshold_s": None,
        "short_abandon_s": 5,
        "interval_minutes": 30,
        "interval_target": Decimal("0.80"),
        "abandons": "counted",
    },
    "asa": {"short_abandon_s": 5},
    "abandon_rate": {"short_abandon_s": 5},
    "short_abandon_rate": {"short_abandon_s": 5},
    "aht": {},
    "transfer_rate": {},
    "fcr": {"window_days": 7, "short_abandon_s": 5, "same_queue": False, "same_channel": False},
    "csat": {"top_box_from": 4, "method": "top_box", "short_abandon_s": 5},
    "nps": {"short_abandon_s": 5},
    "ces": {"short_abandon_s": 5, "method": "mean", "top_box_from": 5},
    "qa_score": {"short_abandon_s": 5},
    "verbatim_fidelity": {},
    "occupancy": {},
    "schedule_adherence": {},
    "forecast_accuracy": {"interval_minutes": 30, "method": "wape", "tolerance": Decimal("0.10")},
}

#: the choices a string variant parameter accepts
VARIANT_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("service_level", "abandons"): ("counted", "excluded", "neutral_within", "met_within"),
    ("interval_service_level", "abandons"): (
        "counted",
        "excluded",
        "neutral_within",
        "met_within",
    ),
    ("csat", "method"): ("top_box", "mean"),
    ("ces", "method"): ("mean", "top_box"),
    ("forecast_accuracy", "method"): ("wape", "within_tolerance", "mean_interval"),
}

#: metrics whose value is a proportion of counted things (Wilson interval)
PROPORTIONS = frozenset(
    {
        "service_level",
        "interval_service_level",
        "abandon_rate",
        "short_abandon_rate",
        "transfer_rate",
        "fcr",
        "verbatim_fidelity",
    }
)
#: metrics that are a mean of per-item values (t interval)
MEANS = frozenset({"asa", "aht", "nps", "qa_score"})
#: metrics that are a ratio of summed durations or volumes (no sampling interval)
RATIOS_OF_SUMS = frozenset({"occupancy", "schedule_adherence"})


class KpiDefinitionError(ValueError):
    """A definition the engine cannot compute (unknown metric, parameter or variant)."""


class HoursLike(Protocol):
    """A contract hours calendar (``callpact.contracts.HoursCalendar``)."""

    @property
    def weekly(self) -> Mapping[int, Any]: ...

    def holiday_dates(self, start: date, end: date) -> frozenset[date]: ...


@dataclass(frozen=True, slots=True)
class Exclusion:
    kind: ExclusionKind
    tolerance: float | None = None


@dataclass(frozen=True, slots=True)
class KpiDefinition:
    """One KPI ready to compute.

    ``scope`` lists ``(channel, queues)`` pairs a contact must match (``queues`` None = any
    queue of that channel); an empty tuple means every inbound contact. ``hours`` is the
    calendar the KPI counts inside, or None for around the clock.
    """

    kpi_id: str
    metric: str
    params: Mapping[str, ParamValue] = field(default_factory=dict)
    scope: tuple[tuple[str, tuple[str, ...] | None], ...] = ()
    hours: HoursLike | None = None
    period: str = "month"
    target: Decimal | None = None
    direction: Direction = "at_least"
    min_sample: int = 0
    exclusions: tuple[Exclusion, ...] = ()
    trainee_exemption_days: int = 0
    formula_words: str = ""

    def param(self, name: str) -> ParamValue:
        defaults = METRIC_PARAMS[self.metric]
        if name in self.params:
            return self.params[name]
        value = defaults.get(name)
        if value is None:
            raise KpiDefinitionError(f"{self.kpi_id}: {self.metric} needs the parameter {name}")
        return value

    def seconds_us(self, name: str) -> int:
        """A seconds parameter as exact integer microseconds (30 → 30_000_000; 2.5 → 2_500_000)."""
        return int(Decimal(str(self.param(name))) * 1_000_000)

    def validate(self) -> None:
        if self.metric not in METRIC_PARAMS:
            raise KpiDefinitionError(f"{self.kpi_id}: unknown metric {self.metric!r}")
        known = METRIC_PARAMS[self.metric]
        for name, value in self.params.items():
            if name not in known:
                raise KpiDefinitionError(f"{self.kpi_id}: {self.metric} has no parameter {name!r}")
            choices = VARIANT_CHOICES.get((self.metric, name))
            if choices is not None and value not in choices:
                raise KpiDefinitionError(
                    f"{self.kpi_id}: {name} must be one of {', '.join(choices)}, not {value!r}"
                )
        for name, default in known.items():
            if default is None and name not in self.params:
                raise KpiDefinitionError(f"{self.kpi_id}: {self.metric} needs {name}")

    def meets(self, value: float) -> bool | None:
        if self.target is None:
            return None
        if self.direction == "at_least":
            return Decimal(repr(value)) >= self.target
        return Decimal(repr(value)) <= self.target


@dataclass(frozen=True, slots=True)
class Program:
    """What every KPI of one contract version shares: the time zone."""

    time_zone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


_EPOCH_DAY = date(1970, 1, 1)


def open_hours_rules(
    hours: HoursLike, first: date, end: date
) -> tuple[tuple[tuple[int, tuple[tuple[int, int], ...]], ...], tuple[int, ...]]:
    """The calendar as wall-clock rules: ((weekday, ((open µs, close µs), …)), …) and the
    epoch day numbers of the holidays between ``first`` and ``end`` (both inclusive)."""
    minute = 60 * 1_000_000
    weekly = tuple(
        (int(day), tuple((int(o) * minute, int(c) * minute) for o, c in windows))
        for day, windows in sorted(hours.weekly.items())
    )
    closed = tuple(sorted((d - _EPOCH_DAY).days for d in hours.holiday_dates(first, end)))
    return weekly, closed


def _plain(value: Any) -> ParamValue:
    if isinstance(value, bool | int | str | Decimal | float):
        return value
    return str(value)


def definitions_from_version(
    version: ContractVersion,
) -> tuple[Program, tuple[KpiDefinition, ...]]:
    """Read a contract version into engine definitions.

    A KPI's scope narrows the contract's: its channels (default all of the contract's), each
    with the contract's queues for that channel intersected with the KPI's queues; hours only
    where the KPI names a calendar.
    """
    from callpact.contracts import kpi_formula_words

    program = Program(time_zone=str(version.contract.time_zone))
    contract_channels: dict[str, tuple[str, ...]] = {}
    for channel_scope in version.scope.channels:
        contract_channels.setdefault(str(channel_scope.channel), ())
        contract_channels[str(channel_scope.channel)] += tuple(channel_scope.queues)
    training = version.training
    exemption_days = (training.trainee_sla_exemption_days if training is not None else None) or 0
    out: list[KpiDefinition] = []
    for spec in version.kpis:
        kpi_scope = spec.scope
        channels = (
            tuple(kpi_scope.channels)
            if kpi_scope is not None and kpi_scope.channels
            else tuple(contract_channels)
        )
        kpi_queues = set(kpi_scope.queues) if kpi_scope is not None and kpi_scope.queues else None
        pairs: list[tuple[str, tuple[str, ...] | None]] = []
        for channel in channels:
            queues = contract_channels.get(str(channel))
            if queues is None:
                continue  # the KPI names a channel the contract does not cover: nothing in scope
            chosen = tuple(q for q in queues if kpi_queues is None or q in kpi_queues)
            if chosen:
                pairs.append((str(channel), chosen))
        hours_name = kpi_scope.hours if kpi_scope is not None else None
        hours = version.scope.hours[hours_name] if hours_name else None
        params = {name: _plain(value) for name, value in dict(spec.params).items()}
        definition = KpiDefinition(
            kpi_id=spec.id,
            metric=spec.metric,
            params=params,
            scope=tuple(pairs) if pairs else (("__none__", ()),),
            hours=hours,
            period=str(spec.period),
            target=Decimal(str(spec.target.value)),
            direction=spec.target.direction,
            min_sample=int(spec.min_sample or 0),
            exclusions=tuple(
                Exclusion(e.kind, None if e.tolerance is None else float(e.tolerance))
                for e in spec.exclusions
            ),
            trainee_exemption_days=exemption_days,
            formula_words=kpi_formula_words(spec),
        )
        out.append(definition)
    return program, tuple(out)
