from decimal import Decimal

from django import template

from celedger.accreditation.models import CreditType
from celedger.accreditation.phrases import credit_amount_phrase

register = template.Library()


@register.filter
def credit_amount(amount: Decimal | int | str, credit_type: CreditType) -> str:
    """{{ claim.hours|credit_amount:claim.designation.credit_type }} -> "1.5 contact hours"."""
    return credit_amount_phrase(credit_type, amount)
