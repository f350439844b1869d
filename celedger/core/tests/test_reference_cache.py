"""The reference generation is read from the shared cache once per request, and a change
(this process's or another's) is still seen where it must be (issue 10)."""

from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from celedger.core import cache as reference
from celedger.credits.tests.helpers import activity_with, learner

pytestmark = pytest.mark.django_db


def _generation_reads(work: Any) -> int:
    """How many times `work()` read the generation key from the shared cache."""
    real_get = cache.get
    reads = 0

    def counting_get(key: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal reads
        reads += key == reference._GENERATION_KEY
        return real_get(key, *args, **kwargs)

    with mock.patch.object(cache, "get", counting_get):
        work()
    return reads


def test_a_claim_page_reads_the_generation_once(client: Any) -> None:
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    url = f"/e/{session.event_id}/claim/"
    assert client.get(url).status_code == 200  # warm the cached entries

    reads = _generation_reads(lambda: client.get(url))

    assert reads == 1


def test_within_a_request_the_generation_is_read_once_and_a_change_there_is_seen_at_once() -> None:
    request_started.send(sender=None)
    try:
        first = reference.reference_generation()
        cache.set(reference._GENERATION_KEY, "another-process", None)
        assert _generation_reads(reference.reference_generation) == 0
        assert reference.reference_generation() == first
        reference.reference_changed()
        changed = reference.reference_generation()
        assert changed not in (first, "another-process")
        assert cache.get(reference._GENERATION_KEY) == changed
    finally:
        request_finished.send(sender=None)


def test_another_processs_change_is_seen_by_the_next_request() -> None:
    request_started.send(sender=None)
    reference.reference_generation()
    cache.set(reference._GENERATION_KEY, "another-process", None)
    request_finished.send(sender=None)

    request_started.send(sender=None)
    try:
        assert reference.reference_generation() == "another-process"
    finally:
        request_finished.send(sender=None)


def test_outside_a_request_every_read_goes_to_the_cache() -> None:
    # The outbox worker and management commands have no request: nothing is memoised.
    reference.reference_generation()
    cache.set(reference._GENERATION_KEY, "another-process", None)
    assert reference.reference_generation() == "another-process"
    assert _generation_reads(reference.reference_generation) == 1
