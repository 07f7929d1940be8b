"""Cure, earn-back and chronic breach, month by month, worked by hand.

Fee 60,000, at-risk pool 7,200. Service level 0.78 reaches tier 1 (15 % → 1,080), 0.72 tier 2
(30 % → 2,160), 0.60 tier 3 (50 % → 3,600). A cure period of 30 days opened by a March breach
runs 1–30 April, so April is the only month within it; one opened by January runs 1 February to
2 March, so March (which begins on 1 March) is within it too.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D  # noqa: N817 (hand-worked amounts read better short)

from settlement_helpers import outcome, sl_kpi, sl_months, terms

from callpact.settlement.cure import CureDecision, EpisodeState
from callpact.settlement.ledger import MonthInput, MonthSettlement, settle_months
from callpact.settlement.terms import (
    ChronicRule,
    Comparison,
    CreditsDuringCure,
    CureTerms,
    KpiTerms,
    Tier,
)

CURE = CureTerms(period_days=30)


def kinds(month: MonthSettlement, kind: str) -> list[tuple[str | None, D]]:
    return [(line.origin, line.amount) for line in month.lines if line.kind == kind]


def test_without_cure_clause_the_credit_is_charged_at_once() -> None:
    (jan,) = settle_months(sl_months("2027-01", ["0.78"], terms()))
    assert jan.credits == D(1080)
    assert jan.invoice_total == D(60000 - 1080)
    assert jan.episodes[0].state is EpisodeState.NO_CURE


def test_cured_within_the_period_waives_the_suspended_credit() -> None:
    mar, apr = settle_months(sl_months("2027-03", ["0.78", "0.82"], terms(cure=CURE)))
    assert mar.credits == 0
    assert kinds(mar, "suspended") == [("2027-03", D(1080))]
    assert mar.episodes[0].cure_ends_on == date(2027, 4, 30)
    assert apr.credits == 0
    assert kinds(apr, "waived") == [("2027-03", D(1080))]
    assert apr.episodes[0].state is EpisodeState.CURED


def test_uncured_suspended_credit_falls_due_with_the_later_miss() -> None:
    mar, apr = settle_months(sl_months("2027-03", ["0.78", "0.72"], terms(cure=CURE)))
    assert mar.credits == 0
    assert sorted(kinds(apr, "credit")) == [("2027-03", D(1080)), ("2027-04", D(2160))]
    assert apr.credits == D(3240)
    assert apr.episodes[0].state is EpisodeState.UNCURED


def test_a_period_reaching_into_the_next_month_lets_that_month_cure() -> None:
    jan, feb, mar = settle_months(sl_months("2027-01", ["0.78", "0.78", "0.85"], terms(cure=CURE)))
    assert jan.episodes[0].cure_ends_on == date(2027, 3, 2)
    assert feb.credits == D(1080)  # February's own miss is credited directly
    assert mar.credits == 0
    assert kinds(mar, "waived") == [("2027-01", D(1080))]
    assert kinds(mar, "bonus") == [("2027-03", D(900))]  # 0.85 → 30 % of 3,000


def test_not_measurable_until_the_end_of_the_period_is_not_cured() -> None:
    _, apr = settle_months(sl_months("2027-03", ["0.78", None], terms(cure=CURE)))
    assert kinds(apr, "credit") == [("2027-03", D(1080))]


def test_client_waives_the_cure_period_later_credit_due_in_the_waiver_month() -> None:
    waive = CureDecision("sl-voice", "2027-03", "waive", decided_on=date(2027, 4, 3))
    mar, apr = settle_months(
        sl_months("2027-03", ["0.78", "0.82"], terms(cure=CURE)), decisions=[waive]
    )
    assert mar.credits == 0
    assert kinds(apr, "credit") == [("2027-03", D(1080))]  # met in April does not cure it
    assert apr.episodes[0].state is EpisodeState.CLOSED


def test_client_waives_the_cure_period_undated_charges_at_once() -> None:
    waive = CureDecision("sl-voice", "2027-03", "waive")
    (mar,) = settle_months(sl_months("2027-03", ["0.78"], terms(cure=CURE)), decisions=[waive])
    assert mar.credits == D(1080)
    assert mar.episodes[0].state is EpisodeState.WAIVED


def test_client_extends_the_cure_period() -> None:
    extend = CureDecision("sl-voice", "2027-03", "extend", days=30, decided_on=date(2027, 4, 20))
    mar, apr, may = settle_months(
        sl_months("2027-03", ["0.78", "0.72", "0.81"], terms(cure=CURE)), decisions=[extend]
    )
    assert mar.episodes[0].cure_ends_on == date(2027, 5, 30)
    assert kinds(apr, "credit") == [("2027-04", D(2160))]  # only April's own miss
    assert may.credits == 0
    assert kinds(may, "waived") == [("2027-03", D(1080))]


def test_without_extension_the_same_months_charge_both() -> None:
    _, apr, may = settle_months(sl_months("2027-03", ["0.78", "0.72", "0.81"], terms(cure=CURE)))
    assert apr.credits == D(3240)
    assert may.credits == 0
    assert may.episodes[0].state is EpisodeState.CLOSED


def test_grant_starts_the_period_on_the_decision_day() -> None:
    grant = CureDecision("sl-voice", "2027-03", "grant", days=45, decided_on=date(2027, 4, 20))
    (mar, apr, may) = settle_months(
        sl_months("2027-03", ["0.78", "0.78", "0.90"], terms(cure=CURE)), decisions=[grant]
    )
    assert mar.episodes[0].cure_ends_on == date(2027, 6, 3)  # 20 April + 44 days
    assert apr.credits == D(1080)
    assert kinds(may, "waived") == [("2027-03", D(1080))]


def test_credits_applied_during_cure() -> None:
    applied = CureTerms(period_days=30, credits_during_cure=CreditsDuringCure.APPLIED)
    mar, apr = settle_months(sl_months("2027-03", ["0.78", "0.82"], terms(cure=applied)))
    assert mar.credits == D(1080)
    assert apr.credits == 0
    assert kinds(apr, "waived") == []
    assert apr.episodes[0].state is EpisodeState.CURED


def test_earn_back_after_n_met_months() -> None:
    contract = terms(sl_kpi(earn_back_months=2))
    jan, feb, mar = settle_months(sl_months("2027-01", ["0.78", "0.81", "0.80"], contract))
    assert jan.credits == D(1080)
    assert feb.earn_back == 0
    assert mar.earn_back == D(1080)
    assert mar.invoice_total == D(60000 + 1080)
    assert kinds(mar, "earn_back") == [("2027-01", D(1080))]


def test_earn_back_forfeited_by_a_month_not_met() -> None:
    contract = terms(sl_kpi(earn_back_months=2))
    months = settle_months(sl_months("2027-01", ["0.78", "0.81", None, "0.81", "0.81"], contract))
    assert [m.earn_back for m in months] == [0, 0, 0, 0, 0]


def test_earn_back_of_a_credit_released_after_failed_cure() -> None:
    contract = terms(sl_kpi(earn_back_months=1), cure=CURE)
    _, apr, may = settle_months(sl_months("2027-03", ["0.78", "0.78", "0.81"], contract))
    assert apr.credits == D(2160)
    assert may.earn_back == D(2160)


def test_chronic_three_consecutive_months() -> None:
    rule = ChronicRule(consecutive_months=3, in_window=(4, 6), notice_days=30)
    months = settle_months(sl_months("2027-01", ["0.78", "0.78", "0.78"], terms(chronic=rule)))
    assert [len(m.termination) for m in months] == [0, 0, 1]
    right = months[-1].termination[0]
    assert right.triggered_in == "2027-03"
    assert right.notice_from == date(2027, 4, 1)
    assert right.earliest_effective == date(2027, 5, 1)
    assert right.rule == "3 consecutive months missed"


def test_chronic_four_of_six_months() -> None:
    rule = ChronicRule(consecutive_months=3, in_window=(4, 6), notice_days=30)
    values: list[str | None] = ["0.78", "0.81", "0.78", "0.81", "0.78", "0.78"]
    months = settle_months(sl_months("2027-01", values, terms(chronic=rule)))
    assert [len(m.termination) for m in months] == [0, 0, 0, 0, 0, 1]
    right = months[-1].termination[0]
    assert right.rule == "4 of the last 6 months missed"
    assert right.earliest_effective == date(2027, 7, 31)
    assert months[-1].chronic[0].run == 2


def test_not_measurable_breaks_a_run() -> None:
    rule = ChronicRule(consecutive_months=3)
    months = settle_months(
        sl_months("2027-01", ["0.78", "0.78", None, "0.78"], terms(chronic=rule))
    )
    assert all(not m.termination for m in months)
    assert months[-1].chronic[0].run == 1


def test_pool_cap_on_a_statement_with_a_released_credit() -> None:
    abandon = KpiTerms(
        kpi_id="abandon-voice",
        label="Abandon rate",
        target_comparison=Comparison.AT_MOST,
        target=D("0.05"),
        penalties=(Tier(Comparison.ABOVE, D("0.05"), share=D("0.20")),),
    )
    contract = terms(sl_kpi(), abandon, cure=CURE)

    def month(name: str, sl: str, ab: str) -> MonthInput:
        status = "met" if D(ab) <= D("0.05") else "missed"
        return MonthInput(
            name,
            contract,
            {
                "sl-voice": outcome("sl-voice", sl),
                "abandon-voice": outcome("abandon-voice", ab, status),
            },
        )

    _, apr = settle_months([month("2027-03", "0.60", "0.04"), month("2027-04", "0.60", "0.03")])
    assert apr.credits == D(7200)  # 3,600 direct + 3,600 released = the pool exactly
    assert not apr.credit_pool_cap_bound
    # both KPIs missed in March (both suspended) and again in April: 3,600 + 3,600 + 1,440 +
    # 1,440 = 10,080 > 7,200, so each line is scaled by 7,200 / 10,080 and the two cents left by
    # flooring go to the largest remainders (2,571.428… → .43, 1,028.571… → .57)
    months = settle_months([month("2027-03", "0.60", "0.07"), month("2027-04", "0.60", "0.07")])
    apr = months[-1]
    assert apr.credit_pool_cap_bound
    assert apr.credits == D(7200)
    assert sorted(a for _, a in kinds(apr, "credit")) == [
        D("1028.57"),
        D("1028.57"),
        D("2571.43"),
        D("2571.43"),
    ]


# -- notice_required: the client's written notice opens the cure period ---------------------

NOTICED = CureTerms(period_days=30, notice_required=True)


def notice(month: str, day: date) -> CureDecision:
    return CureDecision("sl-voice", month, "notice", decided_on=day)


def test_notice_required_without_a_notice_settles_by_the_tiers() -> None:
    # The same March miss and April recovery that the automatic cure waives (above).
    mar, apr = settle_months(sl_months("2027-03", ["0.78", "0.82"], terms(cure=NOTICED)))
    assert kinds(mar, "credit") == [("2027-03", D(1080))]
    assert kinds(mar, "suspended") == []
    assert "no breach notice recorded" in mar.lines[1].reason
    assert mar.episodes[0].state is EpisodeState.UNNOTICED
    assert apr.credits == 0
    assert kinds(apr, "waived") == []  # nothing to cure: the credit was due in March
    assert apr.episodes[0].state is EpisodeState.CLOSED


def test_notice_within_the_breached_month_suspends_and_opens_the_period_on_its_day() -> None:
    # Noticed on 20 March: the period runs 20 March – 18 April, April is within it.
    mar, apr = settle_months(
        sl_months("2027-03", ["0.78", "0.82"], terms(cure=NOTICED)),
        decisions=[notice("2027-03", date(2027, 3, 20))],
    )
    assert mar.credits == 0
    assert kinds(mar, "suspended") == [("2027-03", D(1080))]
    assert mar.episodes[0].cure_ends_on == date(2027, 4, 18)
    assert kinds(apr, "waived") == [("2027-03", D(1080))]


def test_a_notice_period_ending_before_the_next_month_leaves_the_breach_uncured() -> None:
    # Noticed on 1 January with 20 days: the period ends 20 January, before February begins.
    short = CureTerms(period_days=20, notice_required=True)
    jan, feb = settle_months(
        sl_months("2027-01", ["0.78", "0.85"], terms(cure=short)),
        decisions=[notice("2027-01", date(2027, 1, 1))],
    )
    assert jan.credits == 0
    assert kinds(feb, "credit") == [("2027-01", D(1080))]  # released: not cured by 20 January
    assert "not cured by 2027-01-20" in next(x.reason for x in feb.lines if x.kind == "credit")
    assert feb.episodes[0].state is EpisodeState.CLOSED  # uncured, then met again: closed


def test_notice_after_the_breached_month_keeps_its_credit_and_decides_the_breach() -> None:
    # Noticed on 5 April (after March's statement fell due): the credit stays charged in March;
    # the period 5 April – 4 May runs and April's recovery cures the breach.
    mar, apr = settle_months(
        sl_months("2027-03", ["0.78", "0.82"], terms(cure=NOTICED)),
        decisions=[notice("2027-03", date(2027, 4, 5))],
    )
    assert kinds(mar, "credit") == [("2027-03", D(1080))]
    assert "due before the breach notice of 2027-04-05" in mar.lines[1].reason
    assert mar.episodes[0].cure_ends_on == date(2027, 5, 4)
    assert apr.credits == 0
    assert kinds(apr, "waived") == []
    assert apr.episodes[0].state is EpisodeState.CURED


def test_a_noticed_later_miss_of_an_unnoticed_breach_gets_the_cure_period() -> None:
    # January unnoticed (charged); February noticed on 27 February: its credit is suspended
    # and March (within 27 Feb – 28 Mar) cures it.
    jan, feb, mar = settle_months(
        sl_months("2027-01", ["0.78", "0.72", "0.82"], terms(cure=NOTICED)),
        decisions=[notice("2027-02", date(2027, 2, 27))],
    )
    assert kinds(jan, "credit") == [("2027-01", D(1080))]
    assert feb.credits == 0
    assert kinds(feb, "suspended") == [("2027-02", D(2160))]
    assert kinds(mar, "waived") == [("2027-02", D(2160))]
    assert mar.episodes[0].opened == "2027-02"


def test_notice_required_changes_what_the_statement_charges() -> None:
    # One series, settled both ways: the same two months, 1,080 apart in March.
    series = ["0.78", "0.82"]
    automatic = settle_months(sl_months("2027-03", series, terms(cure=CURE)))
    noticed = settle_months(sl_months("2027-03", series, terms(cure=NOTICED)))
    assert automatic[0].invoice_total - noticed[0].invoice_total == D(1080)
    assert sum(m.invoice_total for m in automatic) - sum(m.invoice_total for m in noticed) == D(
        1080
    )
