import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    """Benchmark runs only (CELEDGER_BENCH_BASELINES=1 adds it first in MIDDLEWARE): the
    SQL statements a request ran (`X-Queries`), its time inside the worker (`X-Server-Ms`,
    not counting the wait for a free worker) and the worker's CPU time (`X-Cpu-Ms`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counted(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        started, cpu = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        response["X-Server-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
        response["X-Cpu-Ms"] = f"{(time.process_time() - cpu) * 1000:.2f}"
        return response
