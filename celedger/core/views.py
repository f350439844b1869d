import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import server_error as default_server_error

from celedger.core.middleware import is_database_outage, outage_response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when the database answers, 503 when it does not (load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers; no database, cache or SMTP is asked."""
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an unreachable database anywhere in the request answers 503."""
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        return outage_response()
    return default_server_error(request)
