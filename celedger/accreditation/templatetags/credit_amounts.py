from decimal import Decimal

from django import template

from celedger.accreditation.phrases import HasUnitWords, credit_amount_phrase

register = template.Library()


@register.filter
def credit_amount(amount: Decimal | int | str, credit_type: HasUnitWords) -> str:
    """{{ claim.hours|credit_amount:claim.designation.credit_type }} -> "1.5 contact hours";
    a total's `UnitWords` works too."""
    return credit_amount_phrase(credit_type, amount)
