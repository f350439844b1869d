"""The reference generation is read from the shared cache once per request, a warm hit is
served from the process's own copies, and a change (this process's or another's) is still
seen where it must be, with nothing a request sets on a hit reaching another (issue 10)."""

import time
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started

from celedger.accreditation.models import Credential, CreditType
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.activities.selectors import (
    designations_for,
    designations_key,
    event_session_keys,
    session_get_public,
)
from celedger.core import cache as reference
from celedger.credits.selectors import session_get_for_claim
from celedger.credits.tests.helpers import activity_with, learner

pytestmark = pytest.mark.django_db


def _cache_reads(work: Any) -> list[list[str]]:
    """The keys of each read `work()` made of the shared cache (a GET one key, an MGET
    several; local memory's MGET is GETs underneath, not counted twice)."""
    real_get, real_get_many = cache.get, cache.get_many
    reads: list[list[str]] = []
    inside_many = False

    def counting_get(key: str, *args: Any, **kwargs: Any) -> Any:
        if not inside_many:
            reads.append([key])
        return real_get(key, *args, **kwargs)

    def counting_get_many(keys: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal inside_many
        reads.append(list(keys))
        inside_many = True
        try:
            return real_get_many(keys, *args, **kwargs)
        finally:
            inside_many = False

    with (
        mock.patch.object(cache, "get", counting_get),
        mock.patch.object(cache, "get_many", counting_get_many),
    ):
        work()
    return reads


def _generation_reads(work: Any) -> int:
    """How many times `work()` read the generation key from the shared cache."""
    return sum(reference._GENERATION_KEY in keys for keys in _cache_reads(work))


def _reference_reads(work: Any) -> list[list[str]]:
    """The reads of reference entries (and the stamp) among them."""
    ours = ("reference:", "event-session:")
    return [keys for keys in _cache_reads(work) if any(k.startswith(ours) for k in keys)]


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


# --- The process-local layer: a warm hit is neither a round trip nor unpickling -------


def _in_request(work: Any) -> Any:
    # The cache's own receivers, not the signals: Django's would close the test's
    # database connection (`close_old_connections`).
    reference._request_started()
    try:
        return work()
    finally:
        reference._request_finished()


def _another_process_drops(keys: list[str]) -> None:
    # What `cached_found_drop` / `cached_reference_drop` do in another process: the shared
    # entries deleted and the drop counter moved (this process's local layer untouched).
    cache.delete_many(keys)
    cache.set(reference._DROPS_KEY, "another-process", None)


# Not "page": pytest-playwright's fixture of that name would make it a browser test,
# moved with them after the live-server tests that empty the reference tables.
@pytest.mark.parametrize("which", ["claim", "program"])
def test_a_warm_page_reads_nothing_from_the_cache_but_the_stamp(client: Any, which: str) -> None:
    session = activity_with("ama-pra-1", "ancc", "acpe-p")
    client.force_login(learner("MD").user)
    url = f"/e/{session.event_id}/claim/" if which == "claim" else f"/e/{session.event_id}/"
    assert client.get(url).status_code == 200  # warm the cached entries

    reads = _reference_reads(lambda: client.get(url))

    # One MGET of the generation and the drop counter; the session by Event ID, the
    # designations, the credential table, the post-test and disclosure flags from memory.
    assert reads == [[reference._GENERATION_KEY, reference._DROPS_KEY]]


def test_another_processs_drop_is_seen_by_the_next_request() -> None:
    session = activity_with("ama-pra-1")
    code = session.event_id
    _in_request(lambda: session_get_public(event_id=code))
    Session.objects.filter(pk=session.pk).update(topic="Changed elsewhere")

    # The shared entry alone gone: this process still answers from its own copy ...
    cache.delete_many(event_session_keys([code]))
    assert _in_request(lambda: session_get_public(event_id=code)).topic != "Changed elsewhere"
    # ... until a drop moves the stamp, which the next request reads.
    _another_process_drops(event_session_keys([code]))
    assert _in_request(lambda: session_get_public(event_id=code)).topic == "Changed elsewhere"


def test_another_processs_designation_drop_and_reference_change_are_seen() -> None:
    session = activity_with("ama-pra-1")
    activity = session.activity
    _in_request(lambda: designations_for(activity=activity))
    CreditDesignation.objects.filter(activity=activity).update(max_hours=Decimal("0.75"))
    _another_process_drops(
        [f"reference:{reference.reference_generation()}:{designations_key(activity.pk)}"]
    )
    [designation] = _in_request(lambda: designations_for(activity=activity))
    assert designation.max_hours == Decimal("0.75")

    CreditType.objects.filter(code="ama-pra-1").update(name="Renamed elsewhere")
    cache.set(reference._GENERATION_KEY, "another-process", None)
    [designation] = _in_request(lambda: designations_for(activity=activity))
    assert designation.credit_type.name == "Renamed elsewhere"


def _change_everything(session: Any, designations: list[Any]) -> None:
    """What a request could set on what the cache gave it."""
    session.topic = "Leaked topic"
    session.activity.status = Activity.Status.DRAFT
    session.activity.title = "Leaked title"
    session.activity.publisher.name = "Leaked publisher"
    session.activity._state.fields_cache["evaluation"] = "leaked"
    designations[0].max_hours = Decimal("99")
    designations[0].credit_type.name = "Leaked credit"
    designations.append(designations[0])


def test_what_a_request_sets_on_cached_objects_reaches_no_other_request() -> None:
    session = activity_with("ama-pra-1")
    code = session.event_id

    def read() -> tuple[Any, list[Any]]:
        found = session_get_for_claim(event_id=code)
        return found, designations_for(activity=found.activity)

    def read_and_change() -> tuple[Any, list[Any]]:
        found, designations = read()
        _change_everything(found, designations)
        return found, designations

    # The first request builds the entries, the second is a local hit: neither's changes
    # reach the next.
    first = _in_request(read_and_change)
    second = _in_request(read_and_change)
    found, designations = _in_request(read)

    assert found.topic != "Leaked topic"
    assert found.activity.status == Activity.Status.PUBLISHED
    assert found.activity.title != "Leaked title"
    assert found.activity.publisher.name != "Leaked publisher"
    assert getattr(found.activity, "evaluation", None) is None
    assert len(designations) == 1
    assert designations[0].max_hours == Decimal("1.50")
    assert designations[0].credit_type.name != "Leaked credit"
    assert designations[0].activity is found.activity
    for earlier, earlier_designations in (first, second):
        assert found is not earlier and found.activity is not earlier.activity
        assert designations[0].credit_type is not earlier_designations[0].credit_type


def test_two_learners_in_turn_each_get_their_own_claim_page(client: Any) -> None:
    session = activity_with("ama-pra-1", "ancc")
    url = f"/e/{session.event_id}/claim/"
    client.force_login(learner("MD").user)
    client.get(url)
    doctor = client.get(url).context["state"]
    client.force_login(learner("RN").user)
    nurse = client.get(url).context["state"]
    client.force_login(doctor.learner)
    doctor_again = client.get(url).context["state"]

    def eligible(state: Any) -> list[str]:
        return [d.credit_type.code for d in state.eligibility.eligible]

    assert eligible(doctor) == eligible(doctor_again) == ["ama-pra-1"]
    assert eligible(nurse) == ["ancc"]
    assert nurse.activity is not doctor.activity and nurse.session is not doctor.session
    assert all(d.activity is nurse.activity for d in nurse.designations)
    assert {c.abbreviation for c in nurse.profile.credentials.all()} == {"RN"}


def test_the_local_layer_keeps_a_bounded_number_of_entries_of_one_generation() -> None:
    builds: list[str] = []

    def build(key: str) -> Any:
        return lambda: builds.append(key) or key

    with mock.patch.object(reference._local, "size", 3):
        for key in ["a", "b", "c", "d"]:
            reference.cached_reference(key, build(key))
        assert len(reference._local.entries) == 3
        reference.cached_reference("d", build("d"))  # from memory
        reference.cached_reference("a", build("a"))  # the least used, gone: from the cache
        assert builds == ["a", "b", "c", "d"]
        reference.reference_changed()
        assert not reference._local.entries  # the old generation's copies go at once
        reference.cached_reference("a", build("a"))
        assert builds == ["a", "b", "c", "d", "a"]


def test_in_local_memory_mode_an_entry_lives_30_seconds_in_both_layers(settings: Any) -> None:
    settings.REDIS_URL = ""
    builds: list[int] = []
    now = time.time()

    def read() -> Any:
        return reference.cached_reference("k", lambda: builds.append(1) or len(builds))

    with mock.patch.object(reference.time, "time", return_value=now):
        assert read() == 1
    with mock.patch.object(reference.time, "time", return_value=now + 29):
        assert read() == 1
    with mock.patch.object(reference.time, "time", return_value=now + 31):
        assert read() == 2


def test_a_local_copy_never_outlives_its_shared_entry() -> None:
    # Another process kept the entry with five seconds left to live.
    key = f"reference:{reference.reference_generation()}:k"
    cache.set(key, ("shared", time.time() + 5), 5)
    assert reference.cached_reference("k", lambda: "built") == "shared"
    with mock.patch.object(reference.time, "time", return_value=time.time() + 6):
        cache.delete(key)  # expired there
        assert reference.cached_reference("k", lambda: "built") == "built"


def test_a_shared_value_is_handed_out_as_kept_and_others_as_copies() -> None:
    session = activity_with("ama-pra-1")
    table = reference.cached_reference("credentials-test", lambda: list(Credential.objects.all()))
    shared = reference.cached_reference("shared-test", lambda: [1, 2], shared=True)
    assert reference.cached_reference("shared-test", lambda: [0], shared=True) is shared
    again = reference.cached_reference("credentials-test", lambda: [])
    assert again == table and again is not table and again[0] is not table[0]
    assert session_get_public(event_id=session.event_id) is not session_get_public(
        event_id=session.event_id
    )


def test_a_saved_profile_leaves_every_processs_local_copies_alone(client: Any) -> None:
    """A walk-in saving a profile mid-rush must not empty every worker's local layer: the
    learner's own entry is checked against their profile's row, so it needs no stamp."""
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    client.force_login(profile.user)
    assert client.get(f"/e/{session.event_id}/claim/").status_code == 200
    drops = cache.get(reference._DROPS_KEY)

    profile.affiliation = "Another hospital"
    profile.save()

    assert cache.get(reference._DROPS_KEY) == drops
    assert client.get(f"/e/{session.event_id}/claim/").status_code == 200


@pytest.mark.parametrize("which", ["claim", "program"])
def test_a_warm_signed_in_page_reads_the_cache_once_the_session_with_the_stamp(
    client: Any, settings: Any, which: str
) -> None:
    """Production's sessions (`core/sessions.py`, Redis): the session and the stamp in one
    MGET, and nothing else from the shared cache: the page's pieces of HTML and the
    header's staff link come from the process's own copies."""
    settings.SESSION_ENGINE = "celedger.core.sessions"
    session = activity_with("ama-pra-1", "ancc", "acpe-p")
    client.force_login(learner("MD").user)
    url = f"/e/{session.event_id}/claim/" if which == "claim" else f"/e/{session.event_id}/"
    assert client.get(url).status_code == 200  # warm the cached entries

    reads = _cache_reads(lambda: client.get(url))

    session_key = f"django.contrib.sessions.cached_db{client.session.session_key}"
    assert reads == [[session_key, reference._GENERATION_KEY, reference._DROPS_KEY]]


def test_the_session_store_reads_a_session_missing_from_the_cache_from_the_database(
    client: Any, settings: Any
) -> None:
    settings.SESSION_ENGINE = "celedger.core.sessions"
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    url = f"/e/{session.event_id}/claim/"
    assert client.get(url).status_code == 200
    cache.delete(f"django.contrib.sessions.cached_db{client.session.session_key}")

    response = client.get(url)

    # Still signed in (the row in the database), and the stamp read as usual.
    assert response.status_code == 200 and "Sign out" in response.content.decode()


def test_a_membership_granted_anywhere_shows_the_console_link_next_request(
    client: Any, django_assert_num_queries: Any
) -> None:
    from celedger.publishers.models import StaffMembership
    from celedger.publishers.tests.factories import PublisherFactory

    user = learner("MD").user
    client.force_login(user)
    assert "Provider console" not in client.get("/").content.decode()

    # Written elsewhere, with no signal (nothing cached to drop): the session's user brings
    # the answer in its own statement.
    StaffMembership.objects.bulk_create(
        [StaffMembership(user=user, publisher=PublisherFactory(), role="viewer")]
    )
    with django_assert_num_queries(2):  # the database session, the user with everything
        assert "Provider console" in client.get("/").content.decode()
    StaffMembership.objects.filter(user=user).delete()
    assert "Provider console" not in client.get("/").content.decode()
