from django import template

from celedger.accounts.services import mask_email

register = template.Library()


@register.filter(name="mask_email")
def mask_email_filter(value: str) -> str:
    return mask_email(value or "") if value else ""
