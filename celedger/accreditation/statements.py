"""Accreditation and designation statements: the placeholders and how they are filled.

The wording itself is reference data (CreditType.designation_statement, reference.py) and
each publisher may replace it (publishers.DesignationStatement); docs/credits.md cites the
source of every default. Pure: callers pass in what the placeholders need.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from celedger.accreditation.models import CreditType
from celedger.accreditation.phrases import acpe_ceus_text, amount_text, credit_amount_phrase

PLACEHOLDERS: dict[str, str] = {
    "provider": "the publisher's name",
    "credits": "the amount with its unit, e.g. “1.5 AMA PRA Category 1 Credits™”",
    "amount": "the amount alone, e.g. “1.5”",
    "format": "the AMA PRA format, e.g. “live activity”, “enduring material”",
    "uan": "the ACPE UAN",
    "activity_type": "the ACPE activity type, e.g. “knowledge-based”",
    "ceus": "ACPE CEUs (contact hours ÷ 10), e.g. “0.15”",
}

# The AMA PRA designation statement names the activity's format (AMA PRA booklet), keyed
# by activities.Activity.Format values.
AMA_FORMAT_PHRASES: dict[str, str] = {
    "live": "live activity",
    "rss": "live activity",
    "internet_live": "internet live activity",
    "enduring": "enduring material",
    "journal": "journal-based CME activity",
}

ACPE_ACTIVITY_TYPE_PHRASES: dict[str, str] = {
    "knowledge": "knowledge-based",
    "application": "application-based",
    "certificate": "certificate program",
}

# Joint Accreditation's required statement (jointaccreditation.org, "Accreditation
# statement"); printed on every certificate of a jointly accredited publisher.
JOINT_ACCREDITATION_STATEMENT = (
    "In support of improving patient care, {provider} is jointly accredited by the "
    "Accreditation Council for Continuing Medical Education (ACCME), the Accreditation "
    "Council for Pharmacy Education (ACPE), and the American Nurses Credentialing Center "
    "(ANCC), to provide continuing education for the healthcare team."
)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class StatementFacts:
    """What a designation statement may mention about one designation."""

    provider: str
    credit_type: CreditType
    amount: Decimal
    activity_format: str = ""
    uan: str = ""
    acpe_activity_type: str = ""


def statement_unknown_placeholders(template: str) -> list[str]:
    """Placeholders in `template` that nothing fills (a typo would print as typed)."""
    return [name for name in _PLACEHOLDER.findall(template) if name not in PLACEHOLDERS]


def statement_fill(template: str, facts: StatementFacts) -> str:
    """The statement with its placeholders filled; unknown ones are left as typed."""
    values = {
        "provider": facts.provider,
        "credits": credit_amount_phrase(facts.credit_type, facts.amount),
        "amount": amount_text(facts.amount),
        "format": AMA_FORMAT_PHRASES.get(facts.activity_format, "activity"),
        "uan": facts.uan,
        "activity_type": ACPE_ACTIVITY_TYPE_PHRASES.get(facts.acpe_activity_type, ""),
        "ceus": acpe_ceus_text(facts.amount),
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def joint_accreditation_statement(*, provider: str) -> str:
    return JOINT_ACCREDITATION_STATEMENT.replace("{provider}", provider)
