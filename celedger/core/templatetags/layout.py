"""`{% layout_piece "includes/layout_header.html" %}`: a piece of the base layout rendered
once per process and variant, with the request's CSRF token and CSP nonce put in (issue 10).

The layout's head links and its header are the same on every page but for who is signed in
(signed in or not, provider staff or not), the CSRF token and the script nonce; rendering
them node by node was about a tenth of a signed-in page's Python. Each piece is rendered
with placeholders for the two per-request values and kept per variant; a page gets the
kept HTML with its own values in place of the placeholders. The variant is everything
else the pieces read (site name, the layout's links, language, signed in, staff), so a
change of any of it renders anew. Both values are made of letters, digits, "-" and "_"
(Django's token and `secrets.token_urlsafe`), which escaping leaves as they are. Reading
them here is what `{% csrf_token %}` and `{{ csp_nonce }}` do: the CSRF cookie is set and
the nonce goes into the CSP header as before.
"""

from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_TOKEN = "celedgerLayoutCsrfToken0placeholder"
_NONCE = "celedgerLayoutCspNonce0placeholder"
# A few variants per piece (signed out, signed in, staff), per language and layout.
_kept: dict[tuple[Any, ...], str] = {}


def _value(context: template.Context, name: str) -> str:
    value = context.get(name)
    return "" if value is None else str(value)


@register.simple_tag(takes_context=True)
def layout_piece(context: template.Context, name: str) -> SafeString:
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    staff = context.get("is_publisher_staff")
    staff = bool(staff() if callable(staff) else staff) if signed_in else False
    layout = context.get("layout") or {}
    token = _value(context, "csrf_token")
    # No token (a page rendered without the request) or Django's "NOTPROVIDED": rendered
    # as `{% csrf_token %}` renders those, no placeholder.
    token_kept = token if token in ("", "NOTPROVIDED") else _TOKEN
    variant = (
        name,
        context.get("SITE_NAME"),
        tuple(layout.items()),
        translation.get_language(),
        signed_in,
        staff,
        token_kept,
    )
    html = _kept.get(variant)
    if html is None:
        html = render_to_string(
            name,
            {
                "SITE_NAME": context.get("SITE_NAME"),
                "layout": layout,
                "user": user if signed_in else None,
                "is_publisher_staff": staff,
                "csrf_token": token_kept,
                "csp_nonce": _NONCE,
            },
        ).removesuffix("\n")
        if len(_kept) > 64:
            _kept.clear()
        _kept[variant] = html
    return mark_safe(html.replace(_TOKEN, token).replace(_NONCE, _value(context, "csp_nonce")))


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    """A test that changes a setting the pieces read gets them rendered anew."""
    _kept.clear()
