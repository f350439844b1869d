from collections.abc import Iterable

from django import template

from celedger.activities.models import CreditDesignation, Session

register = template.Library()


@register.filter
def session_credit(session: Session, designations: Iterable[CreditDesignation]) -> str:
    """{{ session|session_credit:designations }} -> "1.5 AMA PRA Category 1 Credits™ · 1.5
    ABIM Medical Knowledge MOC points" (`Session.credit_phrase`)."""
    return session.credit_phrase(designations)
