"""A small annex that is valid and lint-clean, and helpers to break it one way at a time."""

from __future__ import annotations

from callpact.contracts.lint import lint_contract
from callpact.contracts.loader import load_contract_located
from callpact.diagnostics import Diagnostic

CLEAN = """\
contract:
  id: acme-2027
  client: Acme Insurance
  vendor: Contact Co
  currency: USD
  missing_data: hold
  time_zone: America/Chicago
  term: {start: 2027-01-01, end: 2027-12-31}
  fee: {model: fixed_monthly, amount: 40000}
  at_risk: {share_of_fee: 0.10}
  bonus_pool: {share_of_fee: 0.05}
  termination:
    for_convenience_notice_days: 90
    chronic_breach: {consecutive_months: 3, or_months_in_window: [4, 6]}
  cure: {notice_required: true, period_days: 30}
scope:
  hours:
    main:
      calendar: ["mon-fri 08:00-18:00"]
      holidays: us-federal
  channels:
    - {channel: voice, queues: [members], hours: main}
  responsibilities:
    staffing: vendor
    training_curriculum: client
    training_delivery: vendor
    knowledge_base: client
    scripts: client
    quality_assurance: vendor
    reporting: vendor
    telephony_platform: vendor
    forecasting: client
kpis:
  - id: sl
    metric: service_level
    params: {threshold_s: 20}
    scope: {channels: [voice], hours: main}
    target: 0.80
    min_sample: 300
    exclusions: [trainees_in_exemption]
    penalties:
      - {below: 0.80, credit: 0.20}
      - {below: 0.70, credit: 0.40}
    rewards:
      - {at_least: 0.85, bonus: 0.50}
  - id: aht
    metric: aht
    target: {at_most: 400}
    min_sample: 300
    penalties:
      - {above: 400, credit: 0.10, linear_to: {value: 480, credit: 0.30}}
incidents:
  categories: [legal_threat, safety]
  notify:
    critical: {within: 1h}
  liability_per_unreported_case: 1000
staff:
  removal_requests: {vendor_response_days: 5}
training:
  curriculum_owner: client
  trainee_sla_exemption_days: 14
  outcome: {min_pass_rate: 0.75}
aht_plan:
  baseline_s: 450
  measures:
    - {id: kb, what: knowledge base search, owner: client, due: 2027-03-31}
documents:
  - {id: incident-procedure, owner: both, due_days_after_start: 14}
"""


def replace(old: str, new: str, text: str = CLEAN) -> str:
    assert text.count(old) == 1, f"{old!r} must occur once"
    return text.replace(old, new)


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based (line, column) of the n-th occurrence of ``needle``: found in the text itself,
    an oracle independent of the loader."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def errors(text: str) -> list[Diagnostic]:
    return load_contract_located(text, "annex.yaml").diagnostics


def warnings(text: str) -> list[Diagnostic]:
    result = load_contract_located(text, "annex.yaml")
    assert result.contract is not None, [d.format() for d in result.diagnostics]
    return lint_contract(result.contract, result.positions)


def only(found: list[Diagnostic], code: str) -> list[tuple[int, int]]:
    return [(d.line, d.column) for d in found if d.code == code]
