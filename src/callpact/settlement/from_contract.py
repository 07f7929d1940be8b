"""Read settlement terms from a contract version in the annex's own shape.

The annex (see ``examples/annex.yaml``) writes the incentive schedule like this::

    penalties: [{below: 0.80, credit: 0.15}, {below: 0.75, credit: 0.30}]
    rewards:   [{at_least: 0.85, bonus: 0.30}]
    # a fixed amount instead of a share:   {below: 0.70, credit_amount: 5000}
    # a linear tier:  {below: 0.80, credit: 0.10, linear_to: {value: 0.70, credit: 0.50}}
    weight: 0.5                       # default 1
    cap: {credit: 0.25, bonus: 0.50}  # shares of the pools (or credit_amount / bonus_amount)
    earn_back: {months: 3}

This module only translates; checking the file (types, positions, codes) is the contract
loader's and linter's job. A value the loader let through but settlement cannot read raises
``ValueError`` naming the KPI and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from callpact.settlement.money import Rounding
from callpact.settlement.terms import (
    Cap,
    ChronicRule,
    Comparison,
    CreditsDuringCure,
    CureTerms,
    FeeModel,
    FeeModelKind,
    IncidentTerms,
    KpiTerms,
    Pool,
    SettlementTerms,
    Tier,
)

LABELS = {
    "service_level": "Service level",
    "interval_service_level": "Interval service level",
    "abandon_rate": "Abandon rate",
    "short_abandon_rate": "Short-abandon rate",
    "asa": "ASA",
    "aht": "AHT",
    "transfer_rate": "Transfer rate",
    "fcr": "FCR",
    "csat": "CSAT",
    "nps": "NPS",
    "ces": "CES",
    "qa_score": "QA score",
    "verbatim_fidelity": "Verbatim fidelity",
    "occupancy": "Occupancy",
    "schedule_adherence": "Schedule adherence",
    "forecast_accuracy": "Forecast accuracy",
}
SECONDS_METRICS = frozenset({"asa", "aht"})


def _dec(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{where}: expected a number, got {value!r}")
    try:
        return Decimal(str(value))
    except ArithmeticError as error:
        raise ValueError(f"{where}: expected a number, got {value!r}") from error


def _get(data: Any, key: str, default: Any = None) -> Any:
    if isinstance(data, Mapping):
        return data.get(key, default)
    return getattr(data, key, default)


def _tier(raw: Mapping[str, Any], pays: str, where: str) -> Tier:
    found = [c for c in Comparison if c.value in raw]
    if len(found) != 1:
        raise ValueError(f"{where}: a tier names one of below, above, at_least, at_most")
    comparison = found[0]
    threshold = _dec(raw[comparison.value], f"{where}.{comparison.value}")
    share = _dec(raw[pays], f"{where}.{pays}") if raw.get(pays) is not None else None
    amount_key = f"{pays}_amount"
    amount = (
        _dec(raw[amount_key], f"{where}.{amount_key}") if raw.get(amount_key) is not None else None
    )
    linear = raw.get("linear_to")
    end = share_end = None
    if linear is not None:
        end = _dec(_get(linear, "value"), f"{where}.linear_to.value")
        share_end = _dec(_get(linear, pays), f"{where}.linear_to.{pays}")
    return Tier(comparison, threshold, share=share, amount=amount, end=end, share_end=share_end)


def _target(raw: Any, where: str) -> tuple[Comparison, Decimal]:
    if isinstance(raw, Mapping):
        for comparison in (Comparison.AT_LEAST, Comparison.AT_MOST):
            if comparison.value in raw:
                return comparison, _dec(raw[comparison.value], f"{where}.{comparison.value}")
        raise ValueError(f"{where}: a target is a number, {{at_least: x}} or {{at_most: x}}")
    return Comparison.AT_LEAST, _dec(raw, where)


def _cap(raw: Any, kind: str, where: str) -> Cap | None:
    if raw is None:
        return None
    if _get(raw, kind) is not None:
        return Cap(share=_dec(_get(raw, kind), f"{where}.{kind}"))
    if _get(raw, f"{kind}_amount") is not None:
        return Cap(amount=_dec(_get(raw, f"{kind}_amount"), f"{where}.{kind}_amount"))
    return None


def kpi_terms(raw: Mapping[str, Any]) -> KpiTerms:
    kpi_id = str(raw["id"])
    where = f"kpis[{kpi_id}]"
    metric = str(raw.get("metric", ""))
    comparison, target = _target(raw.get("target"), f"{where}.target")
    earn_back = raw.get("earn_back")
    return KpiTerms(
        kpi_id=kpi_id,
        label=str(raw.get("label") or LABELS.get(metric, metric or kpi_id)),
        target_comparison=comparison,
        target=target,
        penalties=tuple(
            _tier(t, "credit", f"{where}.penalties[{i}]")
            for i, t in enumerate(raw.get("penalties") or ())
        ),
        rewards=tuple(
            _tier(t, "bonus", f"{where}.rewards[{i}]")
            for i, t in enumerate(raw.get("rewards") or ())
        ),
        weight=_dec(raw.get("weight", 1), f"{where}.weight"),
        credit_cap=_cap(raw.get("cap"), "credit", f"{where}.cap"),
        bonus_cap=_cap(raw.get("cap"), "bonus", f"{where}.cap"),
        earn_back_months=int(_get(earn_back, "months")) if earn_back else None,
        unit="seconds" if metric in SECONDS_METRICS else "ratio",
        min_sample=int(raw.get("min_sample") or 0),
    )


def _pool(raw: Any, where: str) -> Pool:
    if raw is None:
        return Pool(amount=Decimal(0))
    if _get(raw, "share_of_fee") is not None:
        return Pool(share_of_fee=_dec(_get(raw, "share_of_fee"), f"{where}.share_of_fee"))
    return Pool(amount=_dec(_get(raw, "amount"), f"{where}.amount"))


def holiday_dates(names: Iterable[str], years: Iterable[int]) -> frozenset[date]:
    """The holidays a contract's hours name (``us-federal`` or ISO dates)."""
    from callpact.data.synth.calendar import us_federal_holidays

    out: set[date] = set()
    wanted = list(years)
    for name in names:
        if name == "us-federal":
            out |= us_federal_holidays(wanted)
        else:
            try:
                out.add(date.fromisoformat(str(name)))
            except ValueError as error:
                raise ValueError(f"unknown holiday calendar {name!r}") from error
    return frozenset(out)


def terms_from_annex(annex: Mapping[str, Any], *, version: str = "1") -> SettlementTerms:
    """Settlement terms from an annex mapping (the YAML's shape, or a model dumped to it)."""
    contract = annex["contract"]
    fee = contract["fee"]
    kind = FeeModelKind(str(fee["model"]))
    rate_key = "amount" if "amount" in fee else "rate"
    cure_raw = contract.get("cure")
    cure = None
    if cure_raw:
        cure = CureTerms(
            period_days=int(cure_raw.get("period_days", 30)),
            credits_during_cure=CreditsDuringCure(cure_raw.get("credits_during_cure", "suspended")),
            notice_required=bool(cure_raw.get("notice_required", False)),
        )
    termination = contract.get("termination") or {}
    chronic_raw = termination.get("chronic_breach")
    chronic = None
    if chronic_raw:
        window = chronic_raw.get("or_months_in_window") or chronic_raw.get("months_in_window")
        chronic = ChronicRule(
            consecutive_months=chronic_raw.get("consecutive_months"),
            in_window=(int(window[0]), int(window[1])) if window else None,
            notice_days=int(
                chronic_raw.get("notice_days")
                or termination.get("for_convenience_notice_days")
                or 30
            ),
        )
    incidents_raw = annex.get("incidents")
    incidents = None
    if incidents_raw:
        notify = incidents_raw.get("notify") or {}
        incidents = IncidentTerms(
            deadlines={str(k): str(_get(v, "within")) for k, v in notify.items()},
            liability_per_late_report=_dec(
                incidents_raw.get("liability_per_late_report", 0),
                "incidents.liability_per_late_report",
            ),
            liability_per_unreported_case=_dec(
                incidents_raw.get("liability_per_unreported_case", 0),
                "incidents.liability_per_unreported_case",
            ),
            version=version,
        )
    rounding_raw = contract.get("rounding") or {}
    term = contract.get("term") or {}
    years = range(_year(term.get("start"), 2000), _year(term.get("end"), 2100) + 2)
    holidays: set[str] = set()
    for hours in ((annex.get("scope") or {}).get("hours") or {}).values():
        names = _get(hours, "holidays")
        if isinstance(names, str):
            holidays.add(names)
        elif names:
            holidays.update(str(n) for n in names)
    return SettlementTerms(
        contract_id=str(contract["id"]),
        version=version,
        currency=str(contract.get("currency", "")),
        time_zone=str(contract.get("time_zone", "UTC")),
        fee=FeeModel(kind, _dec(fee[rate_key], f"contract.fee.{rate_key}")),
        at_risk=_pool(contract.get("at_risk"), "contract.at_risk"),
        bonus_pool=_pool(contract.get("bonus_pool"), "contract.bonus_pool"),
        kpis=tuple(kpi_terms(k) for k in annex.get("kpis") or ()),
        rounding=Rounding(
            unit=_dec(rounding_raw.get("unit", "0.01"), "contract.rounding.unit"),
            mode=str(rounding_raw.get("mode", "half_up")),
        ),
        cure=cure,
        chronic=chronic,
        incidents=incidents,
        holidays=holiday_dates(sorted(holidays), years) if holidays else frozenset(),
    )


def _year(value: Any, default: int) -> int:
    if isinstance(value, date):
        return value.year
    if isinstance(value, str) and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return default
