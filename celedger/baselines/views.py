"""Baselines for the benchmark: the cheapest pages a Django request can be, served by the
same server and middleware in the same run, so a page's speed reads as a ratio to them
(issue 10). Routed always, answered only with CELEDGER_BENCH_BASELINES=1: 404 otherwise."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from celedger.baselines.models import BaselineRow


def _baseline(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.BENCH_BASELINES:
            raise Http404
        return view(request)

    return require_GET(wrapped)


@_baseline
def hello(request: HttpRequest) -> HttpResponse:
    """No database at all."""
    return HttpResponse("hello", content_type="text/plain")


@_baseline
def insert(request: HttpRequest) -> HttpResponse:
    """One ORM INSERT (in autocommit, as a claim's own transaction would commit)."""
    row = BaselineRow.objects.create(note="insert")
    return HttpResponse(f"row {row.pk}", content_type="text/plain")


@_baseline
def select(request: HttpRequest) -> HttpResponse:
    """One ORM SELECT of one row by primary key."""
    row = BaselineRow.objects.order_by("-pk").first()
    return HttpResponse(f"row {row.pk if row else 0}", content_type="text/plain")
