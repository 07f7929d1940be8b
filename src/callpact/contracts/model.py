"""The SLA annex as a typed, immutable model.

Field names are the annex's YAML keys (docs/annex.md describes them one by one), so a model
dumped with :meth:`ContractVersion.to_annex` reads back as the same annex. Money and shares
are ``Decimal``. The model checks what one value or one object can check on its own; checks
that span the file (references, dates within the term, tier order against the target) live
in :mod:`callpact.contracts.loader`, which is the way to build a model from user input.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from callpact.contracts import hours as hours_rules
from callpact.contracts.metrics import METRICS, ParamSpec, ParamValue, Unit, value_range

Party = Literal["client", "vendor", "both"]
Channel = Literal["voice", "chat", "email", "sms", "social"]
# What follows when a KPI's data was not delivered for the month: hold the statement in
# draft until it arrives, charge the KPI as missed, or treat it as not measurable.
MissingData = Literal["hold", "missed", "not_measurable"]
FeeModelKind = Literal["fixed_monthly", "per_contact", "per_minute", "per_productive_hour"]
Direction = Literal["at_least", "at_most"]
Period = Literal["month", "week", "day"]
ExclusionKind = Literal["declared_outages", "volume_above_forecast", "trainees_in_exemption"]
Comparison = Literal["below", "above", "at_least", "at_most"]
COMPARISONS: tuple[Comparison, ...] = ("below", "above", "at_least", "at_most")

Share = Annotated[Decimal, Field(ge=0, le=1)]
Money = Annotated[Decimal, Field(ge=0)]
Days = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Id = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]

_DURATION = re.compile(
    r"^\s*(?P<amount>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>m|min|minutes?|h|hours?|d|days?|business_days?)\s*$"
)
_DURATION_UNITS = {
    "m": "minutes",
    "min": "minutes",
    "minute": "minutes",
    "minutes": "minutes",
    "h": "hours",
    "hour": "hours",
    "hours": "hours",
    "d": "days",
    "day": "days",
    "days": "days",
    "business_day": "business_days",
    "business_days": "business_days",
}


def _error(code: str, message: str, *, hint: str = "", path: tuple[str | int, ...] = ()) -> Any:
    """A validation error carrying its callpact code (the loader maps it to a Diagnostic)."""
    return PydanticCustomError(code, message, {"hint": hint, "path": path})


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# -- contract terms --------------------------------------------------------------------------


class Term(Section):
    start: date
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Term:
        if self.end is not None and self.end < self.start:
            raise _error(
                "CP011", f"the term ends {self.end}, before it starts {self.start}", path=("end",)
            )
        return self


class Fee(Section):
    """How the vendor is paid: ``amount`` is per month, contact, minute or productive hour."""

    model: FeeModelKind
    amount: Money
    minimum_monthly: Money | None = None


class Pool(Section):
    """A monthly pool, as a share of the month's fee or a fixed amount (exactly one)."""

    share_of_fee: Share | None = None
    amount: Money | None = None

    @model_validator(mode="after")
    def _one_basis(self) -> Pool:
        if (self.share_of_fee is None) == (self.amount is None):
            raise _error("CP006", "a pool is either share_of_fee or amount, exactly one")
        return self


class ChronicBreach(Section):
    """When repeated misses give the client the right to terminate."""

    consecutive_months: PositiveInt | None = None
    or_months_in_window: tuple[PositiveInt, PositiveInt] | None = None
    notice_days: Days | None = None

    @model_validator(mode="after")
    def _a_rule(self) -> ChronicBreach:
        if self.consecutive_months is None and self.or_months_in_window is None:
            raise _error("CP004", "chronic_breach needs consecutive_months or or_months_in_window")
        window = self.or_months_in_window
        if window is not None and window[0] > window[1]:
            raise _error(
                "CP006",
                f"or_months_in_window [{window[0]}, {window[1]}]: cannot miss {window[0]} "
                f"months within {window[1]}",
                hint="write [misses, window], e.g. [4, 6]",
                path=("or_months_in_window",),
            )
        return self


class Termination(Section):
    for_convenience_notice_days: Days | None = None
    chronic_breach: ChronicBreach | None = None


class Cure(Section):
    """Breach → notice → cure period (the client may waive or extend it per case)."""

    notice_required: bool = True
    period_days: Days
    credits_during_cure: Literal["suspended", "applied"] = "suspended"


class Disputes(Section):
    """How long the vendor has to dispute an issued statement; after it, the client may approve
    a statement with no dispute open without the vendor's answer."""

    window_days: Days


class Payment(Section):
    """When the invoice the statement annexes is due: ``term_days`` after the statement is
    issued."""

    term_days: Days


class RoundingRule(Section):
    unit: Annotated[Decimal, Field(gt=0)] = Decimal("0.01")
    mode: Literal["half_up", "half_even", "down", "up"] = "half_up"


class ContractTerms(Section):
    id: Id
    client: Annotated[str, Field(min_length=1)]
    vendor: Annotated[str, Field(min_length=1)]
    currency: str
    time_zone: str
    term: Term
    fee: Fee
    at_risk: Pool | None = None
    bonus_pool: Pool | None = None
    termination: Termination | None = None
    cure: Cure | None = None
    disputes: Disputes | None = None
    payment: Payment | None = None
    rounding: RoundingRule = RoundingRule()
    missing_data: MissingData | None = None

    @property
    def missing_data_rule(self) -> MissingData:
        """What a month without a KPI's data leads to; an annex that is silent holds it."""
        return self.missing_data or "hold"

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise _error(
                "CP006",
                f"currency {value!r} is not an ISO 4217 code",
                hint="three capital letters, e.g. USD, EUR",
            )
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise _error(
                "CP007",
                f"unknown time zone {value!r}",
                hint="use an IANA name such as America/Chicago or Europe/Berlin",
            ) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


# -- scope -----------------------------------------------------------------------------------


class HoursCalendar(Section):
    """Hours of operation: weekly rules in local time, and the holidays that close a day."""

    calendar: Annotated[tuple[str, ...], Field(min_length=1)]
    holidays: tuple[date | str, ...] = ()

    @field_validator("calendar")
    @classmethod
    def _readable(cls, rules: tuple[str, ...]) -> tuple[str, ...]:
        for index, rule in enumerate(rules):
            try:
                hours_rules.parse_rule(rule)
            except ValueError as problem:
                raise _error("CP015", str(problem), path=(index,)) from None
        return rules

    @field_validator("holidays", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str | date) else value

    @field_validator("holidays")
    @classmethod
    def _known_holidays(cls, value: tuple[date | str, ...]) -> tuple[date | str, ...]:
        out: list[date | str] = []
        for index, item in enumerate(value):
            if isinstance(item, str) and item not in hours_rules.HOLIDAY_SETS:
                try:
                    out.append(date.fromisoformat(item))
                    continue
                except ValueError:
                    raise _error(
                        "CP015",
                        f"unknown holiday set {item!r}",
                        hint=f"use {', '.join(hours_rules.HOLIDAY_SETS)} or ISO dates",
                        path=(index,),
                    ) from None
            out.append(item)
        return tuple(out)

    @property
    def weekly(self) -> hours_rules.WeeklyHours:
        return hours_rules.parse_calendar(self.calendar)

    def holiday_dates(self, start: date, end: date) -> frozenset[date]:
        """Closed days in ``[start, end]`` (named sets expanded, observed days shifted)."""
        return hours_rules.holiday_dates(self.holidays, start, end)

    def is_open(self, moment: datetime, time_zone: str | ZoneInfo) -> bool:
        """Whether ``moment`` (aware, or naive local wall-clock) is inside these hours."""
        return hours_rules.is_open(self.weekly, self.holidays, moment, time_zone)

    def open_intervals(
        self, start: date, end: date, time_zone: str | ZoneInfo
    ) -> list[tuple[datetime, datetime]]:
        """Open ``[opens, closes)`` intervals of days ``start ≤ d < end`` (local wall clock with a
        fixed UTC offset each, so they subtract and compare as instants)."""
        return hours_rules.open_intervals(self.weekly, self.holidays, start, end, time_zone)


class ChannelScope(Section):
    channel: Channel
    queues: Annotated[tuple[str, ...], Field(min_length=1)]
    hours: str | None = None


class Scope(Section):
    hours: dict[str, HoursCalendar] = {}
    channels: Annotated[tuple[ChannelScope, ...], Field(min_length=1)]
    responsibilities: dict[str, Party | None] = {}

    def queues_of(self, channel: str) -> tuple[str, ...]:
        return tuple(q for c in self.channels if c.channel == channel for q in c.queues)

    def queues(self) -> frozenset[str]:
        """Every queue the contract hands over, whatever its channel."""
        return frozenset(q for c in self.channels for q in c.queues)


# -- KPIs ------------------------------------------------------------------------------------


class Target(Section):
    """``target: 0.80`` means at least 0.80; ``{at_most: 420}`` caps the value instead."""

    value: Decimal
    direction: Direction = "at_least"

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, int | float | Decimal | str) and not isinstance(data, bool):
            return {"value": data, "direction": "at_least"}
        if isinstance(data, dict) and "value" not in data and len(data) == 1:
            ((key, value),) = data.items()
            if key in ("at_least", "at_most"):
                return {"value": value, "direction": key}
        return data

    @model_serializer
    def _as_annex(self) -> dict[str, Decimal]:
        return {self.direction: self.value}

    def met_by(self, value: Decimal) -> bool:
        return value >= self.value if self.direction == "at_least" else value <= self.value


class Exclusion(Section):
    """Contacts or periods left out of a KPI: ``declared_outages``, ``volume_above_forecast``
    (with a tolerance: 0.15 = offered more than 15 % above the client's forecast) and
    ``trainees_in_exemption`` (contacts handled by trainees within their exemption window)."""

    kind: ExclusionKind
    tolerance: Share | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"kind": data}
        if isinstance(data, dict) and "kind" not in data and len(data) == 1:
            ((key, value),) = data.items()
            return {"kind": key, "tolerance": value}
        return data

    @model_validator(mode="after")
    def _tolerance(self) -> Exclusion:
        if self.kind == "volume_above_forecast" and self.tolerance is None:
            raise _error(
                "CP004",
                "volume_above_forecast needs a tolerance",
                hint="write volume_above_forecast: 0.15",
            )
        if self.kind != "volume_above_forecast" and self.tolerance is not None:
            raise _error("CP006", f"{self.kind} takes no tolerance")
        return self

    @model_serializer
    def _as_annex(self) -> str | dict[str, Decimal]:
        return self.kind if self.tolerance is None else {self.kind: self.tolerance}


class _TierBase(Section):
    below: Decimal | None = None
    above: Decimal | None = None
    at_least: Decimal | None = None
    at_most: Decimal | None = None

    @property
    def comparison(self) -> Comparison:
        return next(c for c in COMPARISONS if getattr(self, c) is not None)

    @property
    def threshold(self) -> Decimal:
        value = getattr(self, self.comparison)
        assert isinstance(value, Decimal)
        return value

    def applies_to(self, value: Decimal) -> bool:
        t = self.threshold
        return {
            "below": value < t,
            "above": value > t,
            "at_least": value >= t,
            "at_most": value <= t,
        }[self.comparison]

    def _check_comparison(self) -> None:
        named = [c for c in COMPARISONS if getattr(self, c) is not None]
        if len(named) != 1:
            raise _error(
                "CP004" if not named else "CP006",
                "a tier names exactly one of below, above, at_least, at_most"
                + (f" (found {', '.join(named)})" if named else ""),
            )


class LinearCredit(Section):
    value: Decimal
    credit: Share


class LinearBonus(Section):
    value: Decimal
    bonus: Share


class PenaltyTier(_TierBase):
    """A service credit: a share of the at-risk pool (``credit``) or an amount."""

    credit: Share | None = None
    credit_amount: Money | None = None
    linear_to: LinearCredit | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> PenaltyTier:
        self._check_comparison()
        if (self.credit is None) == (self.credit_amount is None):
            raise _error("CP004", "a penalty tier gives exactly one of credit or credit_amount")
        if self.linear_to is not None and self.credit is None:
            raise _error("CP006", "linear_to interpolates a credit share, not credit_amount")
        return self

    @property
    def share(self) -> Decimal | None:
        return self.credit

    @property
    def amount(self) -> Decimal | None:
        return self.credit_amount

    @property
    def deepest_share(self) -> Decimal | None:
        return self.linear_to.credit if self.linear_to is not None else self.credit


class RewardTier(_TierBase):
    """A bonus: a share of the bonus pool (``bonus``) or an amount."""

    bonus: Share | None = None
    bonus_amount: Money | None = None
    linear_to: LinearBonus | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> RewardTier:
        self._check_comparison()
        if (self.bonus is None) == (self.bonus_amount is None):
            raise _error("CP004", "a reward tier gives exactly one of bonus or bonus_amount")
        if self.linear_to is not None and self.bonus is None:
            raise _error("CP006", "linear_to interpolates a bonus share, not bonus_amount")
        return self

    @property
    def share(self) -> Decimal | None:
        return self.bonus

    @property
    def amount(self) -> Decimal | None:
        return self.bonus_amount

    @property
    def deepest_share(self) -> Decimal | None:
        return self.linear_to.bonus if self.linear_to is not None else self.bonus


class Cap(Section):
    """The most one KPI can cost or earn in a month (shares of the pools, or amounts)."""

    credit: Share | None = None
    credit_amount: Money | None = None
    bonus: Share | None = None
    bonus_amount: Money | None = None


class EarnBack(Section):
    """A credit is returned when the KPI is met for ``months`` months in a row afterwards."""

    months: PositiveInt


class KpiScope(Section):
    """Narrows the contract's scope; a field left out keeps the whole contract scope."""

    channels: tuple[Channel, ...] | None = None
    queues: tuple[str, ...] | None = None
    hours: str | None = None


class KpiSpec(Section):
    id: Id
    metric: str
    label: str | None = None
    params: dict[str, ParamValue] = Field(default_factory=dict, validate_default=True)
    scope: KpiScope | None = None
    period: Period = "month"
    target: Target
    min_sample: Days | None = None
    exclusions: tuple[Exclusion, ...] = ()
    penalties: tuple[PenaltyTier, ...] = ()
    rewards: tuple[RewardTier, ...] = ()
    weight: Annotated[Decimal, Field(gt=0)] = Decimal(1)
    cap: Cap | None = None
    earn_back: EarnBack | None = None

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        if value not in METRICS:
            from difflib import get_close_matches

            near = get_close_matches(value, list(METRICS), n=1)
            raise _error(
                "CP008",
                f"unknown metric {value!r}" + (f"; did you mean {near[0]!r}?" if near else ""),
                hint="metrics: " + ", ".join(METRICS),
            )
        return value

    @field_validator("params", mode="before")
    @classmethod
    def _known_params(cls, value: Any, info: ValidationInfo) -> Any:
        metric = info.data.get("metric")
        if metric is None or not isinstance(value, dict):
            return value  # a wrong metric or a non-mapping: that error says enough
        checked, problems = check_params(metric, value)
        if problems:
            raise problems[0]
        return checked

    @property
    def unit(self) -> Unit:
        return METRICS[self.metric].unit

    @property
    def value_range(self) -> tuple[Decimal, Decimal]:
        """The values this KPI can take (a share 0–1, seconds ≥ 0, a CSAT mean 1–5…)."""
        return value_range(self.metric, self.params)

    @property
    def display_label(self) -> str:
        return self.label or METRICS[self.metric].label

    def param(self, name: str) -> ParamValue:
        """A parameter's value, its default applied (``spec.param("threshold_s")``)."""
        return self.params[name]


def check_params(
    metric: str, raw: dict[Any, Any]
) -> tuple[dict[str, ParamValue], list[PydanticCustomError]]:
    """A KPI's parameters checked against its metric, defaults applied, with every problem
    (the loader reports them all; the model raises the first)."""
    spec = METRICS[metric]
    out: dict[str, ParamValue] = {}
    problems: list[PydanticCustomError] = []
    for key, value in raw.items():
        name = str(key)
        param = spec.param(name)
        if param is None:
            from difflib import get_close_matches

            near = get_close_matches(name, [p.name for p in spec.params], n=1)
            known = ", ".join(p.name for p in spec.params) or "none"
            problems.append(
                _error(
                    "CP009",
                    f"{metric} has no parameter {name!r}"
                    + (f"; did you mean {near[0]!r}?" if near else ""),
                    hint=f"parameters of {metric}: {known}",
                    path=(name,),
                )
            )
            continue
        try:
            out[name] = _param_value(metric, param.name, param.kind, value, param)
        except PydanticCustomError as problem:
            problems.append(problem)
    for param in spec.params:
        if param.name in out or param.name in raw:
            continue
        if param.default is None:
            problems.append(
                _error("CP009", f"{metric} needs the parameter {param.name} ({param.meaning})")
            )
            continue
        out[param.name] = param.default
    return out, problems


def _param_value(metric: str, name: str, kind: str, raw: Any, spec: ParamSpec) -> ParamValue:
    where = f"{metric}.{name}"
    if kind == "flag":
        if not isinstance(raw, bool):
            raise _error("CP009", f"{where} is true or false, got {raw!r}", path=(name,))
        return raw
    if kind == "choice":
        if raw not in spec.choices:
            from difflib import get_close_matches

            near = get_close_matches(str(raw), list(spec.choices), n=1)
            raise _error(
                "CP009",
                f"{where} is one of {', '.join(spec.choices)}, got {raw!r}"
                + (f"; did you mean {near[0]!r}?" if near else ""),
                path=(name,),
            )
        return str(raw)
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | float):
        raise _error("CP009", f"{where} must be a number, got {raw!r}", path=(name,))
    value = Decimal(str(raw))
    if value < spec.minimum:
        raise _error(
            "CP009",
            f"{where} must be at least {spec.minimum}, got {raw}"
            + (" (a negative threshold)" if value < 0 else ""),
            path=(name,),
        )
    if spec.maximum is not None and value > spec.maximum:
        raise _error("CP009", f"{where} must be at most {spec.maximum}, got {raw}", path=(name,))
    if kind in ("days", "score", "minutes"):
        if value != value.to_integral_value():
            raise _error("CP009", f"{where} must be a whole number, got {raw}", path=(name,))
        return int(value)
    if kind == "ratio" and value > 1:
        raise _error("CP009", f"{where} is a share between 0 and 1, got {raw}", path=(name,))
    return int(value) if value == value.to_integral_value() and kind == "seconds" else value


# -- governance sections ---------------------------------------------------------------------


class Notification(Section):
    """How fast the vendor must report an incident of one severity."""

    within: str
    channel: str | None = None

    @field_validator("within")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not _DURATION.match(value):
            raise _error(
                "CP006",
                f"cannot read the deadline {value!r}",
                hint="write it like 30m, 1h, 4h, 2 days or 2 business_days",
            )
        return value

    @property
    def deadline(self) -> tuple[Decimal, str]:
        """(amount, unit) with unit one of minutes, hours, days, business_days."""
        match = _DURATION.match(self.within)
        assert match is not None
        return Decimal(match["amount"]), _DURATION_UNITS[match["unit"]]


class Incidents(Section):
    categories: tuple[str, ...] = ()
    notify: dict[str, Notification] = {}
    liability_per_unreported_case: Money | None = None
    liability_per_late_report: Money | None = None


class AdmissionExam(Section):
    pass_score: Share


class Role(Section):
    qualifications: tuple[str, ...] = ()
    admission_exam: AdmissionExam | None = None
    approved_by_client: bool = False


class RemovalRequests(Section):
    """The client's right to have a person removed from the program."""

    vendor_response_days: Days | None = None
    replacement_days: Days | None = None


class Staff(Section):
    roles: dict[str, Role] = {}
    removal_requests: RemovalRequests | None = None


class TrainingOutcome(Section):
    """How a training group's result is judged: ``wilson_lower_bound`` compares the lower
    confidence bound of the pass rate with ``min_pass_rate`` (3 of 4 is not proof of 75 %)."""

    min_pass_rate: Share
    judged_by: Literal["wilson_lower_bound", "raw_share"] = "wilson_lower_bound"
    confidence: Annotated[Decimal, Field(gt=0, lt=1)] = Decimal("0.90")
    min_group: PositiveInt = 1


class Training(Section):
    curriculum_owner: Party | None = None
    client_may_attend: tuple[str, ...] = ()
    client_trainers_admitted: bool = False
    fallback_site: Literal["client", "vendor"] | None = None
    trainee_sla_exemption_days: Days | None = None
    outcome: TrainingOutcome | None = None


class AhtMeasure(Section):
    id: Id
    what: str = ""
    owner: Party | None = None
    due: date | None = None
    expected_s: Decimal | None = None


class AhtPlan(Section):
    baseline_s: Annotated[Decimal, Field(gt=0)] | None = None
    trajectory: dict[str, Annotated[Decimal, Field(gt=0)]] = {}
    measures: tuple[AhtMeasure, ...] = ()

    @field_validator("trajectory", mode="before")
    @classmethod
    def _month_keys(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, amount in value.items():
            month = f"{key.year:04d}-{key.month:02d}" if isinstance(key, date) else str(key)
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise _error(
                    "CP006", f"trajectory key {key!r} is not a month like 2027-03", path=(key,)
                )
            out[month] = amount
        return out


class RequiredDocument(Section):
    """A document the launch left to be written, with its owner and deadline."""

    id: Id
    title: str | None = None
    owner: Party | None = None
    due_days_after_start: Days | None = None
    due: date | None = None


# -- versions and the contract -----------------------------------------------------------------


class ContractVersion(Section):
    """The annex as in force from ``effective_from`` until the next version."""

    effective_from: date
    note: str | None = None
    contract: ContractTerms
    scope: Scope
    kpis: Annotated[tuple[KpiSpec, ...], Field(min_length=1)]
    incidents: Incidents | None = None
    staff: Staff | None = None
    training: Training | None = None
    aht_plan: AhtPlan | None = None
    documents: tuple[RequiredDocument, ...] = ()

    def kpi(self, kpi_id: str) -> KpiSpec:
        for spec in self.kpis:
            if spec.id == kpi_id:
                return spec
        raise KeyError(f"no KPI {kpi_id!r} in contract {self.contract.id}")

    def hours(self, name: str) -> HoursCalendar:
        return self.scope.hours[name]

    def kpi_hours(self, spec: KpiSpec) -> HoursCalendar | None:
        """The hours a KPI counts inside, or None when it counts around the clock."""
        name = spec.scope.hours if spec.scope is not None else None
        return self.scope.hours[name] if name is not None else None

    def to_annex(self) -> dict[str, Any]:
        """The version in the annex's YAML shape (plain data; Decimals kept)."""
        data = self.model_dump(exclude_none=True, exclude={"effective_from", "note"})
        return {k: v for k, v in data.items() if v not in ((), [], {})}

    def fingerprint(self) -> str:
        """sha256 of the version's canonical JSON: statements cite the terms they applied."""
        text = json.dumps(self.to_annex(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class Contract(Section):
    """A contract and its successive versions, oldest first."""

    id: Id
    versions: Annotated[tuple[ContractVersion, ...], Field(min_length=1)]
    source: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Contract:
        dates = [v.effective_from for v in self.versions]
        if dates != sorted(set(dates)):
            raise _error("CP014", "versions must have strictly increasing effective_from dates")
        return self

    @property
    def first(self) -> ContractVersion:
        return self.versions[0]

    @property
    def latest(self) -> ContractVersion:
        return self.versions[-1]

    def version_on(self, day: date) -> ContractVersion:
        """The version that governs ``day``: the last one effective on or before it."""
        if isinstance(day, datetime):
            raise TypeError("version_on takes a local date, not a datetime")
        governing = [v for v in self.versions if v.effective_from <= day]
        if not governing:
            raise ValueError(
                f"{day.isoformat()} is before contract {self.id} takes effect "
                f"({self.first.effective_from.isoformat()})"
            )
        return governing[-1]

    def version_for_month(self, month: str) -> ContractVersion:
        """The version governing ``"YYYY-MM"``: the one in force on the month's first day
        (an amendment effective mid-month applies from the next month)."""
        match = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValueError(f"not a month: {month!r} (expected YYYY-MM)")
        first_day = date(int(match[1]), int(match[2]), 1)
        start = self.first.effective_from
        if first_day < start and (start.year, start.month) == (first_day.year, first_day.month):
            return self.first  # a term starting mid-month: its first month is settled under it
        return self.version_on(first_day)
