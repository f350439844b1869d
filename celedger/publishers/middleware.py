"""Console pages show times in the publisher's own zone (issue 15: a session at 8:00 AM
Eastern read 13:00 on the roster): `publisher_get_for_staff` activates it, and this resets
it when the request ends, since timezone.activate lasts for the whole thread."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


class PublisherTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
