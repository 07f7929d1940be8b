"""The closed list of annex diagnostic codes: CP0xx errors (the file cannot be run as written)
and CP1xx lint warnings (it runs, but the contract is weaker than it should be).

docs/lint.md documents every code with its rationale and fix; a test keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping

ERROR_CODES: Mapping[str, str] = {
    "CP001": "the file cannot be read or is not valid YAML",
    "CP002": "a key appears twice in one mapping",
    "CP003": "unknown key",
    "CP004": "a required field is missing",
    "CP005": "a value has the wrong type",
    "CP006": "a value is out of range or not allowed",
    "CP007": "unknown time zone",
    "CP008": "unknown metric",
    "CP009": "unknown or invalid metric parameter",
    "CP010": "tiers in an impossible order or direction",
    "CP011": "a date lies outside the contract term",
    "CP012": "a reference names nothing defined (hours, channel, queue)",
    "CP013": "the same id is used twice",
    "CP014": "amendments out of order",
    "CP015": "hours of operation cannot be read",
}

LINT_CODES: Mapping[str, str] = {
    "CP101": "penalties with no rewards anywhere (one-sided incentives)",
    "CP102": "a KPI without min_sample",
    "CP103": "credits that do not grow with the depth of the miss",
    "CP104": "tier shares that can exceed the pool",
    "CP105": "a responsibility left unassigned",
    "CP106": "a channel without hours of operation",
    "CP107": "no cure period",
    "CP108": "no chronic-breach exit",
    "CP109": "incidents without notification deadlines",
    "CP110": "no liability for unreported incidents",
    "CP111": "training without outcome rules",
    "CP112": "training without a trainee exemption",
    "CP113": "an AHT-plan measure without owner or due date",
    "CP114": "a required document without a deadline",
    "CP115": "a target unreachable by definition",
    "CP116": "a very low price for a complex scope",
    "CP117": "a penalty tier that applies while the target is met",
    "CP118": "rewards with no bonus pool to pay them",
    "CP119": "removal requests without a response deadline",
    "CP120": "no rule for a month whose data was not delivered",
}

ALL_CODES: Mapping[str, str] = {**ERROR_CODES, **LINT_CODES}
