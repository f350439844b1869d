"""`{% asset 'css/credits.css' %}`: `{% static %}` worked out once per process (issue 10).

With the manifest storage each `{% static %}` looks the name up in the manifest and
quotes and joins the address again on every page; the answer only changes with a deploy
(a new process) or the script prefix the app is mounted under.
"""

import functools
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix

register = template.Library()


@functools.cache
def _asset_url(script_prefix: str, path: str) -> str:
    return static(path)


@register.simple_tag
def asset(path: str) -> str:
    """What `{% static path %}` writes (escaped the same way, by the simple tag)."""
    return _asset_url(get_script_prefix(), path)


@receiver(setting_changed)
def _forget(**kwargs: Any) -> None:
    """A test that overrides the static storage or its URL gets addresses worked out anew."""
    _asset_url.cache_clear()
