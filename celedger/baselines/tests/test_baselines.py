"""The benchmark's baselines answer only when the flag is set, with the queries they name."""

from typing import Any

import pytest

from celedger.baselines.models import BaselineRow

pytestmark = pytest.mark.django_db
PATHS = ["/bench/hello", "/bench/insert", "/bench/select"]


@pytest.mark.parametrize("path", PATHS)
def test_it_is_not_found_without_the_flag(client: Any, settings: Any, path: str) -> None:
    settings.BENCH_BASELINES = False
    assert client.get(path).status_code == 404
    assert not BaselineRow.objects.exists()


def test_each_baseline_costs_what_it_says(
    client: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.BENCH_BASELINES = True
    with django_assert_num_queries(0):
        assert client.get("/bench/hello").content == b"hello"
    with django_assert_num_queries(1):
        inserted = client.get("/bench/insert")
    row = BaselineRow.objects.get()
    assert inserted.content == f"row {row.pk}".encode()
    with django_assert_num_queries(1):
        assert client.get("/bench/select").content == f"row {row.pk}".encode()


def test_it_answers_get_only(client: Any, settings: Any) -> None:
    settings.BENCH_BASELINES = True
    assert client.post("/bench/insert").status_code == 405
    assert not BaselineRow.objects.exists()


def test_the_bench_middleware_counts_each_requests_queries(client: Any, settings: Any) -> None:
    settings.BENCH_BASELINES = True
    settings.MIDDLEWARE = [
        "celedger.baselines.middleware.QueryCountMiddleware",
        *settings.MIDDLEWARE,
    ]
    hello = client.get("/bench/hello")
    assert hello["X-Queries"] == "0"
    assert client.get("/bench/insert")["X-Queries"] == "1"
    # Time inside the worker and its CPU time, in milliseconds.
    assert float(hello["X-Server-Ms"]) > 0
    assert float(hello["X-Cpu-Ms"]) >= 0
