import functools
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse


def site(request: HttpRequest) -> dict[str, Any]:
    return {"SITE_NAME": settings.SITE_NAME, "layout": _layout(get_script_prefix())}


@functools.cache
def _layout(script_prefix: str) -> dict[str, str]:
    """The base layout's links and assets, the same on every page: worked out once per
    process (and script prefix) instead of seven `{% url %}` and three `{% static %}` (a
    manifest lookup each) on every page (issue 10). `htmx` is what `{% htmx_script %}`
    linked (django-htmx's debug script only with DEBUG on)."""
    return {
        "home": reverse("home"),
        "lookup": reverse("activities:lookup"),
        "transcript": reverse("credits:transcript"),
        "profile": reverse("profiles:edit"),
        "console": reverse("publishers:console"),
        "login": reverse("account_login"),
        "logout": reverse("account_logout"),
        "favicon": static("favicon.svg"),
        "css": static("css/app.css"),
        "js": static("js/app.js"),
        "htmx": static("django_htmx/htmx-2.min.js"),
        "htmx_debug": static("django_htmx/django-htmx.js") if settings.DEBUG else "",
    }


@receiver(setting_changed)
def _layout_forget(**kwargs: Any) -> None:
    """A test that overrides the static storage or the URLs gets links worked out anew."""
    _layout.cache_clear()
