"""Request-wide guards: a database outage answers 503, control characters in a path 404."""

import logging
import re
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# C0 controls and DEL (NUL among them): PostgreSQL refuses NUL in text, and no URL,
# Event ID or code of ours contains any of them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    """A path with NUL or another control character is not found (it used to reach the
    database and answer 500 on PostgreSQL); query values with one are a bad request."""

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
        return self.get_response(request)
