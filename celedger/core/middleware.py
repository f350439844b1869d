"""Request-wide guards: a database outage answers 503, control characters in a path 404,
form text normalized."""

import logging
import re
import unicodedata
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# C0 controls and DEL (NUL among them): PostgreSQL refuses NUL in text, and no URL,
# Event ID or code of ours contains any of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In form text: the C0 controls and DEL but tab, line feed, carriage return (typed) and NUL
# (left for the form field to refuse next to the field: "Null characters are not allowed").
_FORM_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def form_text_clean(value: str) -> str:
    """Form text as stored: Unicode NFC (a name typed with a combining accent and one with
    the precomposed letter are the same name) without invisible control characters."""
    value = _FORM_CONTROL.sub("", value)
    return unicodedata.normalize("NFC", value)


def _needs_cleaning(value: str) -> bool:
    return bool(_FORM_CONTROL.search(value)) or not unicodedata.is_normalized("NFC", value)


def is_database_outage(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


def outage_response() -> HttpResponse:
    """A short page that needs no database (no context processors, no session)."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """503 with Retry-After, not 500, when a view finds the database unreachable.

    Errors raised outside views (a middleware's own query) reach `core.views.server_error`,
    which makes the same decision.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        logger.warning("database unavailable: %s %s (%s)", request.method, request.path, exception)
        return outage_response()


class RejectControlCharactersMiddleware:
    """The one place for control characters: a path with NUL or another one is not found (it
    used to reach the database and answer 500 on PostgreSQL); a query value with NUL is a
    bad request; posted form text is normalized (`form_text_clean`), NUL kept for the
    field to refuse with the rest of the input kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if _CONTROL.search(request.path_info):
            raise Http404("No such page.")
        if "\x00" in request.META.get("QUERY_STRING", "") or any(
            "\x00" in key or any("\x00" in v for v in values)
            for key, values in request.GET.lists()
        ):
            from django.core.exceptions import BadRequest

            raise BadRequest("NUL character in the query string.")
        if request.method == "POST" and request.content_type in _FORM_TYPES:
            _clean_posted_text(request)
        return self.get_response(request)


def _clean_posted_text(request: HttpRequest) -> None:
    # Passwords stay exactly as typed: one set before this normalization must still match.
    posted = request.POST
    if not any(
        _needs_cleaning(key) or any(_needs_cleaning(v) for v in values)
        for key, values in posted.lists()
        if "password" not in key
    ):
        return
    cleaned = posted.copy()
    cleaned.clear()
    for key, values in posted.lists():
        if "password" in key:
            cleaned.setlist(key, values)
        else:
            cleaned.setlist(form_text_clean(key), [form_text_clean(v) for v in values])
    cleaned._mutable = False
    request.POST = cleaned  # type: ignore[assignment]
