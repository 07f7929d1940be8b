"""Best-practice rules for an annex that is valid but weaker than it should be.

Each rule is a small function over one contract version, registered in :data:`RULES` with its
stable code (docs/lint.md explains each code, why it matters and how to fix it). The rules come
from how these contracts fail in practice: one-sided incentives, unmeasurable KPIs, credits
that ignore the depth of a miss, clocks nobody can start (no cure, no exit), governance left
unwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from callpact.contracts.codes import LINT_CODES
from callpact.contracts.model import Contract, ContractVersion, KpiSpec
from callpact.contracts.positions import ContractPositions, Path, dotted
from callpact.diagnostics import Diagnostic, Severity

#: What a contact-center contract must give an owner, or nobody does it.
CORE_RESPONSIBILITIES = (
    "staffing",
    "training_curriculum",
    "training_delivery",
    "knowledge_base",
    "scripts",
    "quality_assurance",
    "reporting",
    "telephony_platform",
    "forecasting",
)

#: Below these prices a multi-channel program is unusually cheap (any currency, per unit).
PRICE_FLOORS: dict[str, Decimal] = {
    "per_contact": Decimal("2.00"),
    "per_minute": Decimal("0.40"),
    "per_productive_hour": Decimal("15"),
    "fixed_monthly": Decimal("15"),  # per open hour and channel
}


@dataclass(frozen=True, slots=True)
class LintFinding:
    path: Path
    message: str
    hint: str = ""


Rule = Callable[[ContractVersion], Iterator[LintFinding]]
RULES: list[tuple[str, Rule]] = []


def rule(code: str) -> Callable[[Rule], Rule]:
    if code not in LINT_CODES:
        raise ValueError(f"lint code {code} is not in the registry")

    def register(function: Rule) -> Rule:
        RULES.append((code, function))
        return function

    return register


def _kpi_path(v: ContractVersion, spec: KpiSpec, *rest: str | int) -> Path:
    return ("kpis", v.kpis.index(spec), *rest)


@rule("CP101")
def one_sided_incentives(v: ContractVersion) -> Iterator[LintFinding]:
    if any(spec.rewards for spec in v.kpis):
        return
    punished = [spec for spec in v.kpis if spec.penalties]
    if punished:
        yield LintFinding(
            _kpi_path(v, punished[0], "penalties"),
            f"{len(punished)} KPI(s) carry service credits but no KPI carries a reward: the "
            "vendor can only lose, so it will aim at the targets and never above them",
            "add reward tiers (and a bonus_pool) to the KPIs the client values most",
        )


@rule("CP102")
def no_min_sample(v: ContractVersion) -> Iterator[LintFinding]:
    for spec in v.kpis:
        if spec.min_sample is None:
            yield LintFinding(
                _kpi_path(v, spec, "id"),
                f"KPI {spec.id} has no min_sample: a month with 3 contacts can trigger a credit",
                "add min_sample (e.g. 100 for rates, 50 for audits); below it the month is "
                "not measurable",
            )


@rule("CP103")
def flat_credits(v: ContractVersion) -> Iterator[LintFinding]:
    for spec in v.kpis:
        tiers = spec.penalties
        if len(tiers) == 1 and tiers[0].linear_to is None:
            yield LintFinding(
                _kpi_path(v, spec, "penalties"),
                f"KPI {spec.id} has one flat credit: a miss by a hair costs as much as a "
                "collapse, so once missed there is no reason to recover",
                "add deeper tiers with larger credits, or linear_to",
            )
            continue
        for index in range(1, len(tiers)):
            before, tier = tiers[index - 1], tiers[index]
            pair = (
                (before.credit, tier.credit)
                if before.credit is not None and tier.credit is not None
                else (before.credit_amount, tier.credit_amount)
            )
            if pair[0] is not None and pair[1] is not None and pair[1] <= pair[0]:
                yield LintFinding(
                    _kpi_path(v, spec, "penalties", index),
                    f"KPI {spec.id}: penalty tier {index + 1} is deeper than tier {index} but "
                    f"its credit ({pair[1]}) is not larger ({pair[0]})",
                    "make each deeper tier's credit larger than the one before",
                )


@rule("CP104")
def shares_exceed_pool(v: ContractVersion) -> Iterator[LintFinding]:
    for kind, pool_key in (("credit", "at_risk"), ("bonus", "bonus_pool")):
        total = Decimal(0)
        for spec in v.kpis:
            tiers = spec.penalties if kind == "credit" else spec.rewards
            shares = [t.deepest_share for t in tiers if t.deepest_share is not None]
            if not shares:
                continue
            worst = max(shares)
            cap = getattr(spec.cap, kind) if spec.cap is not None else None
            if cap is not None:
                worst = min(worst, cap)
            total += worst * spec.weight
        if total > 1:
            pool = getattr(v.contract, pool_key)
            path: Path = ("contract", pool_key) if pool is not None else ("kpis",)
            yield LintFinding(
                path,
                f"the {kind} tiers of all KPIs together can reach {total.normalize()} × the "
                f"{pool_key} pool: in a bad month the pool, not the tiers, decides what is paid",
                "lower the deepest shares or the weights so they add up to at most 1, or cap "
                "the KPIs",
            )


@rule("CP105")
def unassigned_responsibility(v: ContractVersion) -> Iterator[LintFinding]:
    owners = v.scope.responsibilities
    for name, owner in owners.items():
        if owner is None:
            yield LintFinding(
                ("scope", "responsibilities", name),
                f"responsibility {name} has no owner",
                "write client, vendor or both",
            )
    missing = [name for name in CORE_RESPONSIBILITIES if name not in owners]
    if missing:
        yield LintFinding(
            ("scope", "responsibilities") if owners else ("scope",),
            f"not assigned: {', '.join(missing)}; when one of them fails, each side will say "
            "it was the other's",
            "add each to scope.responsibilities with client, vendor or both",
        )


@rule("CP106")
def channel_without_hours(v: ContractVersion) -> Iterator[LintFinding]:
    for index, channel in enumerate(v.scope.channels):
        if channel.hours is None:
            yield LintFinding(
                ("scope", "channels", index),
                f"channel {channel.channel} has no hours of operation: every contact around "
                "the clock counts, including nights nobody staffed",
                "name an entry of scope.hours",
            )


@rule("CP107")
def no_cure(v: ContractVersion) -> Iterator[LintFinding]:
    cure = v.contract.cure
    if cure is None or cure.period_days == 0:
        yield LintFinding(
            ("contract", "cure") if cure is not None else ("contract",),
            "no cure period: the first miss moves money with no chance to fix the cause",
            "add contract.cure: {notice_required: true, period_days: 30}",
        )


@rule("CP108")
def no_chronic_exit(v: ContractVersion) -> Iterator[LintFinding]:
    termination = v.contract.termination
    if termination is None or termination.chronic_breach is None:
        yield LintFinding(
            ("contract", "termination") if termination is not None else ("contract",),
            "no chronic-breach rule: a vendor that misses every month can only be left for "
            "convenience",
            "add termination.chronic_breach: {consecutive_months: 3, or_months_in_window: [4, 6]}",
        )


@rule("CP109")
def incidents_without_deadlines(v: ContractVersion) -> Iterator[LintFinding]:
    if v.incidents is None:
        yield LintFinding(
            (),
            "no incident protocol: emergencies and situations the scripts do not cover have "
            "no reporting deadline",
            "add incidents: categories, notify deadlines per severity, liabilities",
        )
    elif not v.incidents.notify:
        yield LintFinding(
            ("incidents",),
            "incidents have no notification deadlines: 'promptly' cannot be late",
            "add incidents.notify: {critical: {within: 1h}, …}",
        )


@rule("CP110")
def no_unreported_liability(v: ContractVersion) -> Iterator[LintFinding]:
    incidents = v.incidents
    if incidents is not None and not incidents.liability_per_unreported_case:
        yield LintFinding(
            ("incidents",),
            "no liability per unreported incident: hiding an incident costs less than reporting it",
            "add incidents.liability_per_unreported_case",
        )


@rule("CP111")
def training_without_outcome(v: ContractVersion) -> Iterator[LintFinding]:
    if v.training is None:
        yield LintFinding(
            (),
            "no training section: who owns the curriculum and how a group's exam result is "
            "judged are left open",
            "add training: curriculum_owner, outcome {min_pass_rate, judged_by, min_group}",
        )
    elif v.training.outcome is None:
        yield LintFinding(
            ("training",),
            "training has no outcome rule: is 3 of 4 passing good or bad? nobody can say",
            "add training.outcome: {min_pass_rate: 0.75, judged_by: wilson_lower_bound}",
        )


@rule("CP112")
def no_trainee_exemption(v: ContractVersion) -> Iterator[LintFinding]:
    exempting = [
        spec for spec in v.kpis if any(e.kind == "trainees_in_exemption" for e in spec.exclusions)
    ]
    has_days = v.training is not None and v.training.trainee_sla_exemption_days is not None
    if exempting and not has_days:
        yield LintFinding(
            _kpi_path(v, exempting[0], "exclusions"),
            f"KPI {exempting[0].id} excludes trainees in exemption, but no exemption window is "
            "defined: the exclusion removes nothing, or everything",
            "add training.trainee_sla_exemption_days",
        )
    elif v.training is not None and not has_days:
        yield LintFinding(
            ("training",),
            "training defines no trainee exemption: new hires count in the SLA from their "
            "first call, so the vendor avoids hiring in a miss month",
            "add training.trainee_sla_exemption_days (e.g. 14)",
        )


@rule("CP113")
def measure_without_owner(v: ContractVersion) -> Iterator[LintFinding]:
    if v.aht_plan is None:
        return
    for index, measure in enumerate(v.aht_plan.measures):
        missing = [name for name in ("owner", "due") if getattr(measure, name) is None]
        if missing:
            yield LintFinding(
                ("aht_plan", "measures", index),
                f"AHT measure {measure.id} has no {' and no '.join(missing)}: a measure nobody "
                "owns by a date is a wish",
                "add owner: client | vendor | both and due: YYYY-MM-DD",
            )


@rule("CP114")
def document_without_deadline(v: ContractVersion) -> Iterator[LintFinding]:
    for index, document in enumerate(v.documents):
        if document.due is None and document.due_days_after_start is None:
            yield LintFinding(
                ("documents", index),
                f"document {document.id} has no deadline: it will never be late, so it may "
                "never be written",
                "add due_days_after_start or due",
            )


@rule("CP115")
def unreachable_target(v: ContractVersion) -> Iterator[LintFinding]:
    for spec in v.kpis:
        low, high = spec.value_range
        target = spec.target
        impossible = (target.direction == "at_least" and target.value > high) or (
            target.direction == "at_most" and target.value < low
        )
        strict_zero = spec.unit == "seconds" and target.direction == "at_most" and target.value <= 0
        if impossible or strict_zero:
            yield LintFinding(
                _kpi_path(v, spec, "target"),
                f"KPI {spec.id}: target {target.direction.replace('_', ' ')} {target.value} "
                f"cannot be reached: {spec.metric} lies between {low} and {high}",
                "state ratios as fractions (0.80, not 80)",
            )
        for kind, tiers in (("penalties", spec.penalties), ("rewards", spec.rewards)):
            for index, tier in enumerate(tiers):
                t = tier.threshold
                never = {
                    "at_least": t > high,
                    "above": t >= high,
                    "at_most": t < low,
                    "below": t <= low,
                }[tier.comparison]
                if never:
                    yield LintFinding(
                        _kpi_path(v, spec, kind, index),
                        f"KPI {spec.id}: {kind} tier {tier.comparison} {t} can never apply "
                        f"({spec.metric} lies between {low} and {high})",
                        "state ratios as fractions (0.80, not 80)",
                    )


def _monthly_open_hours(v: ContractVersion) -> Decimal:
    total = Decimal(0)
    for channel in v.scope.channels:
        if channel.hours is None or channel.hours not in v.scope.hours:
            total += Decimal(24 * 7)
            continue
        weekly = v.scope.hours[channel.hours].weekly
        minutes = sum(close - open_ for windows in weekly.values() for open_, close in windows)
        total += Decimal(minutes) / 60
    return total * Decimal("4.345")  # weeks in an average month


@rule("CP116")
def low_price_for_scope(v: ContractVersion) -> Iterator[LintFinding]:
    channels = {c.channel for c in v.scope.channels}
    queues = v.scope.queues()
    complex_scope = len(channels) >= 2 or len(queues) >= 4 or len(v.kpis) >= 6
    if not complex_scope:
        return
    fee = v.contract.fee
    floor = PRICE_FLOORS[fee.model]
    price = fee.amount
    unit = {
        "per_contact": "per contact",
        "per_minute": "per minute",
        "per_productive_hour": "per productive hour",
        "fixed_monthly": "per open hour and channel",
    }[fee.model]
    if fee.model == "fixed_monthly":
        hours = _monthly_open_hours(v)
        price = (fee.amount / hours).quantize(Decimal("0.01")) if hours else fee.amount
    if price < floor:
        yield LintFinding(
            ("contract", "fee", "amount"),
            f"a price of {price} {v.contract.currency} {unit} is very low for "
            f"{len(channels)} channel(s), {len(queues)} queue(s) and {len(v.kpis)} KPIs: "
            "ask how the vendor staffs it before signing",
            f"below {floor} {unit} the targets are rarely met; check the staffing model",
        )


@rule("CP117")
def tier_contradicts_target(v: ContractVersion) -> Iterator[LintFinding]:
    for spec in v.kpis:
        target = spec.target
        for kind, tiers in (("penalties", spec.penalties), ("rewards", spec.rewards)):
            for index, tier in enumerate(tiers):
                applies_when_met = tier.applies_to(target.value)
                if kind == "penalties" and applies_when_met:
                    yield LintFinding(
                        _kpi_path(v, spec, kind, index),
                        f"KPI {spec.id}: penalty tier {tier.comparison} {tier.threshold} "
                        f"already applies at the target ({target.value}): a met target earns "
                        "a credit",
                        "start penalties where the target is missed",
                    )
                met = target.met_by(tier.threshold)
                if kind == "rewards" and not met and tier.comparison in ("at_least", "at_most"):
                    yield LintFinding(
                        _kpi_path(v, spec, kind, index),
                        f"KPI {spec.id}: reward tier {tier.comparison} {tier.threshold} pays a "
                        f"bonus for a value that misses the target ({target.value})",
                        "start rewards at or beyond the target",
                    )


@rule("CP118")
def rewards_without_pool(v: ContractVersion) -> Iterator[LintFinding]:
    if v.contract.bonus_pool is not None:
        return
    for spec in v.kpis:
        if any(t.bonus is not None for t in spec.rewards):
            yield LintFinding(
                _kpi_path(v, spec, "rewards"),
                f"KPI {spec.id} promises bonus shares but the contract has no bonus_pool: "
                "a share of nothing is nothing",
                "add contract.bonus_pool: {share_of_fee: 0.05}",
            )


@rule("CP119")
def removal_without_deadline(v: ContractVersion) -> Iterator[LintFinding]:
    staff = v.staff
    removal = staff.removal_requests if staff is not None else None
    if removal is None or removal.vendor_response_days is None:
        yield LintFinding(
            ("staff",) if staff is not None else (),
            "the client's right to have an operator removed has no response deadline",
            "add staff.removal_requests: {vendor_response_days: 5, replacement_days: 10}",
        )


@rule("CP120")
def silent_on_missing_data(v: ContractVersion) -> Iterator[LintFinding]:
    if v.contract.missing_data is None:
        yield LintFinding(
            ("contract",),
            "the annex does not say what follows a month whose data was not delivered: "
            "such a statement is held in draft until the data arrives",
            "add contract.missing_data: hold, missed or not_measurable",
        )


def lint_version(version: ContractVersion) -> list[tuple[str, LintFinding]]:
    return [(code, warning) for code, check in RULES for warning in check(version)]


def lint_contract(
    contract: Contract, positions: ContractPositions | None = None
) -> list[Diagnostic]:
    """Every lint warning of every version (a warning repeated by an amendment is shown once,
    at the text it comes from)."""
    source = positions.source if positions is not None else contract.source
    seen: set[tuple[str, int, int, str]] = set()
    out: list[Diagnostic] = []
    for index, version in enumerate(contract.versions):
        for code, warning in lint_version(version):
            if positions is not None:
                line, column = positions.locate(warning.path, index)
                field = dotted(positions.file_path(warning.path, index))
            else:
                line, column, field = 0, 0, dotted(warning.path)
            message = warning.message
            key = (code, line, column, message)
            if key in seen:
                continue
            seen.add(key)
            out.append(
                Diagnostic(
                    source, line, column, Severity.WARNING, code, message, warning.hint, field
                )
            )
    out.sort(key=lambda d: (d.line, d.column, d.code))
    return out
