from collections.abc import Iterable

from django import template

from celedger.accreditation.phrases import credit_amount_phrase
from celedger.activities.models import CreditDesignation, Session

register = template.Library()


@register.filter
def session_credit(session: Session, designations: Iterable[CreditDesignation]) -> str:
    """What one session offers of each designation, in its unit words:
    {{ session|session_credit:designations }} -> "1.5 AMA PRA Category 1 Credits™ · 1.5 ANCC
    contact hours" (the session's own amount, capped by each designation's maximum)."""
    return " · ".join(
        credit_amount_phrase(d.credit_type, session.cap_for(d)) for d in designations
    )
