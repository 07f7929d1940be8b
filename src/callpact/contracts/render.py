"""The annex as the document both parties sign, generated from the file the engine runs.

Markdown is the one rendering; HTML is that Markdown through markdown-it with raw HTML
disabled, so a party name like ``<script>`` prints as text. Every KPI carries its formula in
the words of :func:`callpact.contracts.metrics.formula_words`, the same words the KPI engine's
``--explain`` prints.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from decimal import Decimal

from callpact.contracts.diff import diff_versions, fmt
from callpact.contracts.metrics import formula_words
from callpact.contracts.model import (
    Contract,
    ContractVersion,
    Exclusion,
    KpiSpec,
    PenaltyTier,
    Pool,
    RewardTier,
)

_FEE_WORDS = {
    "fixed_monthly": "a fixed monthly fee of {amount} {currency}",
    "per_contact": "{amount} {currency} per handled contact",
    "per_minute": "{amount} {currency} per handled minute",
    "per_productive_hour": "{amount} {currency} per productive agent hour",
}
_COMPARISON_WORDS = {
    "below": "below",
    "above": "above",
    "at_least": "at least",
    "at_most": "at most",
}
_EXCLUSION_WORDS = {
    "declared_outages": "contacts during outages the vendor declared (and the client accepted)",
    "volume_above_forecast": (
        "intervals whose offered volume exceeds the client's forecast by more than {tolerance}"
    ),
    "trainees_in_exemption": "contacts handled by trainees within their SLA exemption window",
}


def _cell(value: object) -> str:
    """Text safe inside a Markdown table cell (and, through markdown-it, inside HTML)."""
    text = fmt(value) if not isinstance(value, str) else value
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _text(value: str) -> str:
    """User text in running Markdown: markup characters print as themselves."""
    out = value
    for char in "\\`*_{}[]<>#|!":
        out = out.replace(char, "\\" + char)
    return out


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _value(spec: KpiSpec, value: Decimal) -> str:
    return f"{fmt(value)} s" if spec.unit == "seconds" else fmt(value)


def _pool(pool: Pool | None, name: str, currency: str) -> str:
    if pool is None:
        return f"No {name}."
    if pool.share_of_fee is not None:
        percent = fmt(pool.share_of_fee * 100).removesuffix(".00")
        return f"The {name} is {percent} % of the month's fee."
    return f"The {name} is {fmt(pool.amount)} {currency} per month."


def _tier_rows(
    spec: KpiSpec, tiers: Sequence[PenaltyTier | RewardTier], pool: str, currency: str
) -> list[list[str]]:
    rows = []
    for index, tier in enumerate(tiers, start=1):
        when = f"{spec.id} {_COMPARISON_WORDS[tier.comparison]} {_value(spec, tier.threshold)}"
        if tier.share is not None:
            pays = f"{fmt(tier.share)} of the {pool}"
            linear = tier.linear_to
            if linear is not None:
                pays += (
                    f", rising linearly to {fmt(tier.deepest_share)} at "
                    f"{_value(spec, linear.value)} and beyond"
                )
        else:
            pays = f"{fmt(tier.amount)} {currency}"
        rows.append([str(index), when, pays])
    return rows


def _exclusion(exclusion: Exclusion) -> str:
    words = _EXCLUSION_WORDS[exclusion.kind]
    tolerance = exclusion.tolerance
    return words.format(tolerance=f"{fmt(tolerance * 100)} %" if tolerance is not None else "")


def _kpi(version: ContractVersion, spec: KpiSpec, number: str) -> list[str]:
    terms = version.contract
    lines = [f"### {number} {_text(spec.id)} — {_text(spec.display_label)}", ""]
    lines += [f"**Definition.** {_sentence(formula_words(spec.metric, spec.params))}.", ""]
    scope = spec.scope
    channels = ", ".join(scope.channels) if scope and scope.channels else "all channels in scope"
    queues = ", ".join(scope.queues) if scope and scope.queues else "all their queues"
    if scope and scope.hours:
        hours = f"inside the hours of operation {_text(scope.hours)}"
    else:
        hours = "at any hour"
    lines += [f"**Scope.** {_text(channels)}; {_text(queues)}; {hours}.", ""]
    direction = _COMPARISON_WORDS[spec.target.direction]
    lines += [
        f"**Target.** {direction} {_value(spec, spec.target.value)}, measured per "
        f"{spec.period} in {terms.time_zone} time.",
        "",
    ]
    if spec.min_sample is not None:
        lines += [
            f"**Minimum sample.** {spec.min_sample}: a {spec.period} with fewer is not "
            "measurable, neither met nor missed.",
            "",
        ]
    else:
        lines += ["**Minimum sample.** none: every period is measured, however small.", ""]
    if spec.exclusions:
        lines += ["**Excluded.** " + "; ".join(_exclusion(e) for e in spec.exclusions) + ".", ""]
    if spec.penalties:
        lines += ["Service credits (the deepest tier that applies is due):", ""]
        rows = _tier_rows(spec, spec.penalties, "at-risk pool", terms.currency)
        lines += _table(["Tier", "Applies when", "Service credit"], rows)
    if spec.rewards:
        lines += ["Bonuses (the highest tier reached is paid):", ""]
        rows = _tier_rows(spec, spec.rewards, "bonus pool", terms.currency)
        lines += _table(["Tier", "Applies when", "Bonus"], rows)
    extras = []
    if spec.weight != 1:
        extras.append(f"weight {fmt(spec.weight)}")
    if spec.cap is not None:
        caps = [
            f"{name.replace('_', ' ')} {fmt(value)}"
            for name, value in spec.cap.model_dump(exclude_none=True).items()
        ]
        extras.append("capped at " + ", ".join(caps))
    if spec.earn_back is not None:
        extras.append(
            f"a credit is earned back when the KPI is met {spec.earn_back.months} months in a row"
        )
    if extras:
        lines += ["**Also.** " + "; ".join(extras) + ".", ""]
    return lines


def _contract_section(version: ContractVersion) -> list[str]:
    terms = version.contract
    fee = _FEE_WORDS[terms.fee.model].format(amount=fmt(terms.fee.amount), currency=terms.currency)
    lines = ["## 1. Fees and pools", ""]
    lines += [f"The client pays the vendor {fee}."]
    if terms.fee.minimum_monthly is not None:
        lines += [f"The monthly minimum is {fmt(terms.fee.minimum_monthly)} {terms.currency}."]
    lines += [
        "",
        _pool(terms.at_risk, "at-risk pool", terms.currency) + " Service credits are shares of it.",
        "",
        _pool(terms.bonus_pool, "bonus pool", terms.currency) + " Bonuses are shares of it.",
        "",
        f"Every amount is rounded once, to {fmt(terms.rounding.unit)} "
        f"({terms.rounding.mode.replace('_', ' ')}).",
        "",
    ]
    return lines


def _scope_section(version: ContractVersion) -> list[str]:
    scope = version.scope
    lines = ["## 2. Scope", ""]
    lines += _table(
        ["Channel", "Queues", "Hours"],
        [[c.channel, ", ".join(c.queues), c.hours or "around the clock"] for c in scope.channels],
    )
    for name, hours in scope.hours.items():
        holidays = ", ".join(h.isoformat() if not isinstance(h, str) else h for h in hours.holidays)
        lines += [
            f"Hours **{_text(name)}** ({version.contract.time_zone}): "
            + _text("; ".join(hours.calendar))
            + (f"; closed on holidays: {_text(holidays)}" if holidays else "")
            + ".",
            "",
        ]
    if scope.responsibilities:
        lines += ["Responsibilities:", ""]
        lines += _table(
            ["Area", "Owner"],
            [
                [area.replace("_", " "), owner or "UNASSIGNED"]
                for area, owner in scope.responsibilities.items()
            ],
        )
    return lines


_MISSING_DATA_WORDS = {
    "hold": "When the data a KPI needs is not delivered for a month, the month's statement "
    "stays a draft until it arrives.",
    "missed": "When the data a KPI needs is not delivered for a month, the KPI counts as "
    "missed for that month.",
    "not_measurable": "When the data a KPI needs is not delivered for a month, the KPI is "
    "not measurable for that month.",
}


def _cure_section(version: ContractVersion) -> list[str]:
    terms = version.contract
    lines = ["## 4. Cure and exit", ""]
    cure = terms.cure
    if cure is None:
        lines += ["No cure period: a missed KPI is settled in the month it is missed.", ""]
    else:
        during = (
            "service credits are suspended during the cure period and due only if it fails"
            if cure.credits_during_cure == "suspended"
            else "service credits apply during the cure period"
        )
        if cure.notice_required:
            opening = (
                f"After a written breach notice, the vendor has {cure.period_days} days to "
                "cure the breach, counted from the notice's date. A breach the client does not "
                "notify has no cure period and is settled by the tiers in its month; only a "
                "notice dated within the breached month can suspend that month's credit"
            )
        else:
            opening = (
                f"After a breach, the vendor has {cure.period_days} days to cure it, counted "
                "from the first day of the following month, without a notice"
            )
        lines += [
            f"{opening}. The client may waive or extend the period case by case; {during}.",
            "",
        ]
    lines += [_MISSING_DATA_WORDS[terms.missing_data_rule], ""]
    termination = terms.termination
    chronic = termination.chronic_breach if termination is not None else None
    if chronic is not None:
        rules = []
        if chronic.consecutive_months is not None:
            rules.append(f"in {chronic.consecutive_months} consecutive months")
        if chronic.or_months_in_window is not None:
            missed, window = chronic.or_months_in_window
            rules.append(f"in {missed} of any {window} consecutive months")
        notice_days = chronic.notice_days or (
            termination.for_convenience_notice_days if termination else None
        )
        lines += [
            "**Chronic breach.** A KPI missed "
            + " or ".join(rules)
            + " gives the client the right to terminate"
            + (f" with {notice_days} days' notice" if notice_days else "")
            + ".",
            "",
        ]
    else:
        lines += ["**Chronic breach.** No chronic-breach exit is agreed.", ""]
    if termination is not None and termination.for_convenience_notice_days is not None:
        lines += [
            f"**For convenience.** Either party may terminate with "
            f"{termination.for_convenience_notice_days} days' notice.",
            "",
        ]
    return lines


def _governance_section(version: ContractVersion) -> list[str]:
    currency = version.contract.currency
    lines = ["## 5. Governance", ""]
    incidents = version.incidents
    if incidents is not None:
        lines += ["### 5.1 Incidents", ""]
        if incidents.categories:
            lines += [
                "The vendor reports: "
                + _text(", ".join(incidents.categories)).replace("\\_", " ")
                + ".",
                "",
            ]
        if incidents.notify:
            lines += _table(
                ["Severity", "Report within", "Channel"],
                [[s, n.within, n.channel or "any"] for s, n in incidents.notify.items()],
            )
        for amount, words in (
            (incidents.liability_per_late_report, "per incident reported late"),
            (incidents.liability_per_unreported_case, "per incident never reported"),
        ):
            if amount is not None:
                lines += [f"Liability: {fmt(amount)} {currency} {words}.", ""]
    staff = version.staff
    if staff is not None:
        lines += ["### 5.2 Staff", ""]
        if staff.roles:
            lines += _table(
                ["Role", "Qualifications", "Admission exam pass score", "Approved by client"],
                [
                    [
                        role.replace("_", " "),
                        ", ".join(r.qualifications) or "—",
                        fmt(r.admission_exam.pass_score) if r.admission_exam else "—",
                        "yes" if r.approved_by_client else "no",
                    ]
                    for role, r in staff.roles.items()
                ],
            )
        removal = staff.removal_requests
        if removal is not None:
            parts = []
            if removal.vendor_response_days is not None:
                parts.append(f"the vendor answers within {removal.vendor_response_days} days")
            if removal.replacement_days is not None:
                parts.append(f"replaces the person within {removal.replacement_days} days")
            lines += [
                "The client may ask for a person's removal from the program; "
                + " and ".join(parts)
                + ".",
                "",
            ]
    training = version.training
    if training is not None:
        lines += ["### 5.3 Training", ""]
        facts = []
        if training.curriculum_owner:
            facts.append(f"the curriculum belongs to the {training.curriculum_owner}")
        if training.client_may_attend:
            facts.append("the client may attend " + ", ".join(training.client_may_attend))
        if training.client_trainers_admitted:
            facts.append("the client's trainers are admitted")
        if training.fallback_site:
            facts.append(f"training moves to the {training.fallback_site}'s site if needed")
        if training.trainee_sla_exemption_days is not None:
            facts.append(
                f"trainees are exempt from the SLA for {training.trainee_sla_exemption_days} days"
            )
        if facts:
            lines += [_sentence(_text("; ".join(facts)).replace("\\_", " ")) + ".", ""]
        outcome = training.outcome
        if outcome is not None:
            if outcome.judged_by == "wilson_lower_bound":
                how = (
                    f"the lower bound of the {fmt(outcome.confidence * 100)} % Wilson interval "
                    "of the group's pass rate"
                )
            else:
                how = "the group's pass rate"
            lines += [
                f"A training group of at least {outcome.min_group} passes when {how} is at "
                f"least {fmt(outcome.min_pass_rate)}.",
                "",
            ]
    plan = version.aht_plan
    if plan is not None:
        lines += ["### 5.4 AHT plan", ""]
        if plan.baseline_s is not None:
            lines += [f"Baseline AHT: {fmt(plan.baseline_s)} s.", ""]
        if plan.trajectory:
            lines += _table(
                ["Month", "Target AHT (s)"], [[m, fmt(v)] for m, v in plan.trajectory.items()]
            )
        if plan.measures:
            lines += _table(
                ["Measure", "What", "Owner", "Due", "Expected effect (s)"],
                [
                    [
                        m.id,
                        m.what,
                        m.owner or "UNASSIGNED",
                        m.due.isoformat() if m.due else "—",
                        fmt(m.expected_s) if m.expected_s is not None else "—",
                    ]
                    for m in plan.measures
                ],
            )
    if version.documents:
        lines += ["### 5.5 Documents still to be written", ""]
        lines += _table(
            ["Document", "Owner", "Due"],
            [
                [
                    d.title or d.id,
                    d.owner or "UNASSIGNED",
                    d.due.isoformat()
                    if d.due
                    else (
                        f"{d.due_days_after_start} days after the start"
                        if d.due_days_after_start is not None
                        else "no deadline"
                    ),
                ]
                for d in version.documents
            ],
        )
    return lines


def render_markdown(contract: Contract, version: ContractVersion | None = None) -> str:
    """The annex as Markdown: the given version (default: the original one) in full, then
    every later amendment as the list of terms it changes."""
    shown = version or contract.first
    terms = shown.contract
    end = terms.term.end.isoformat() if terms.term.end else "open-ended"
    lines = [
        f"# Service level annex {_text(terms.id)}",
        "",
        f"Between **{_text(terms.client)}** (the client) and **{_text(terms.vendor)}** "
        f"(the vendor). Term {terms.term.start.isoformat()} to {end}. Currency "
        f"{terms.currency}; times are {terms.time_zone} local time. This version is in force "
        f"from {shown.effective_from.isoformat()}.",
        "",
    ]
    lines += _contract_section(shown)
    lines += _scope_section(shown)
    lines += ["## 3. Key performance indicators", ""]
    for index, spec in enumerate(shown.kpis, start=1):
        lines += _kpi(shown, spec, f"3.{index}")
    lines += _cure_section(shown)
    lines += _governance_section(shown)
    later = [v for v in contract.versions if v.effective_from > shown.effective_from]
    if later:
        lines += ["## 6. Amendments", ""]
        previous = shown
        for amended in later:
            note = f" — {_text(amended.note)}" if amended.note else ""
            lines += [f"### Effective {amended.effective_from.isoformat()}{note}", ""]
            lines += [f"- {_text(change.text)}" for change in diff_versions(previous, amended)]
            lines += [""]
            previous = amended
    return "\n".join(lines).rstrip() + "\n"


_STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 52rem; margin: 2rem auto;
       line-height: 1.45; color: #1b1b1b; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f0f0f0; }
h1 { border-bottom: 2px solid #333; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccc; }
"""


def render_html(contract: Contract, version: ContractVersion | None = None) -> str:
    """The annex as a standalone HTML page (the Markdown rendering, raw HTML disabled)."""
    from markdown_it import MarkdownIt

    body = (
        MarkdownIt("commonmark", {"html": False})
        .enable("table")
        .render(render_markdown(contract, version))
    )
    title = html.escape(f"Service level annex {contract.id}")
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}</body>\n"
        "</html>\n"
    )
