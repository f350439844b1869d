"""The session by Event ID (with activity, publisher and evaluation setup) is cached between
requests and dropped by whatever changes it; what a claim must never get wrong is read
from the database all the same (issue 10)."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from celedger.accreditation.models import Credential
from celedger.activities.models import Activity
from celedger.activities.selectors import session_get_public
from celedger.credits.models import Claim
from celedger.credits.selectors import session_get_for_claim
from celedger.credits.tests.helpers import activity_with, claim_form_of, conference, learner
from celedger.evaluations.models import ActivityEvaluation
from celedger.profiles.selectors import credentials_prefetch, profile_for_user

pytestmark = pytest.mark.django_db


def _queries(read: Any) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as queries:
        value = read()
    return value, len(queries.captured_queries)


def test_a_session_by_event_id_is_read_once_then_from_the_cache() -> None:
    session = activity_with("ama-pra-1")
    first, cold = _queries(lambda: session_get_public(event_id=session.event_id))
    again, warm = _queries(lambda: session_get_public(event_id=session.event_id))
    claim, claim_cold = _queries(lambda: session_get_for_claim(event_id=session.event_id))
    _, claim_warm = _queries(lambda: session_get_for_claim(event_id=session.event_id))
    assert (cold, warm, claim_cold, claim_warm) == (1, 0, 1, 0)
    assert again.pk == first.pk == claim.pk
    # Each hit is a copy of its own: a request's changes to it reach no other request.
    assert again is not first and again.activity is not first.activity
    # What the pages use is there without a query.
    _, reads = _queries(
        lambda: (again.activity.publisher.name, getattr(claim.activity, "evaluation", None))
    )
    assert reads == 0


def test_an_unknown_event_id_is_not_kept(client: Any) -> None:
    session = activity_with("ama-pra-1")
    code = session.event_id
    session.delete()
    assert client.get(f"/e/{code}/").status_code == 404
    # A session created later under that Event ID is found at once.
    again = activity_with("ama-pra-1")
    again.event_id = code
    again.save()
    assert client.get(f"/e/{code}/").status_code == 200


def _program(client: Any, session: Any) -> str:
    response = client.get(reverse("activities:program", args=[session.event_id]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_changed_session_is_seen_by_the_next_request(client: Any) -> None:
    session = activity_with("ama-pra-1")
    assert "Cached topic" not in _program(client, session)
    session.topic = "Cached topic"
    session.save()
    assert "Cached topic" in _program(client, session)


def test_a_deleted_first_session_moves_a_conferences_event_id(client: Any) -> None:
    activity = conference()
    first, second = list(activity.sessions.order_by("starts_at"))[:2]
    assert session_get_public(event_id=activity.event_id).pk == first.pk
    first.delete()
    assert session_get_public(event_id=activity.event_id).pk == second.pk


def test_a_changed_activity_is_seen_by_the_next_request(client: Any) -> None:
    session = activity_with("ama-pra-1")
    activity = session.activity
    assert "Renamed activity" not in _program(client, session)
    activity.title = "Renamed activity"
    activity.save()
    assert "Renamed activity" in _program(client, session)
    activity.status = Activity.Status.DRAFT
    activity.save()
    assert client.get(reverse("activities:program", args=[session.event_id])).status_code == 404


def test_a_changed_publisher_is_seen_by_the_next_request(client: Any) -> None:
    session = activity_with("ama-pra-1")
    publisher = session.activity.publisher
    assert "Renamed publisher" not in _program(client, session)
    publisher.name = "Renamed publisher"
    publisher.save()
    assert "Renamed publisher" in _program(client, session)


def test_a_changed_evaluation_setup_is_seen_by_the_claim(client: Any) -> None:
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    url = reverse("credits:claim", args=[session.event_id])
    assert client.get(url).status_code == 200  # no evaluation: the claim page itself
    setup = ActivityEvaluation.objects.create(
        activity=session.activity, mode=ActivityEvaluation.Mode.OUTSIDE
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluations:evaluate", args=[session.event_id])
    setup.mode = ActivityEvaluation.Mode.NONE
    setup.save()
    assert client.get(url).status_code == 200
    setup.mode = ActivityEvaluation.Mode.OUTSIDE
    setup.save()
    assert client.get(url).status_code == 302
    setup.delete()
    assert client.get(url).status_code == 200


def _claim(client: Any, session: Any) -> Any:
    url = reverse("credits:claim", args=[session.event_id])
    form = claim_form_of(client.get(url))
    data = {k: str(v) for k, v in form.initial.items() if k.startswith("hours_")}
    assert data
    return client.post(url, {**data, "attested": "on"})


def test_a_claim_window_closed_behind_the_cache_refuses_the_claim(client: Any) -> None:
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    url = reverse("credits:claim", args=[session.event_id])
    client.get(url)  # the session by Event ID is cached, its window open
    # Changed without signals (as another server's write that has not dropped it yet).
    Activity.objects.filter(pk=session.activity_id).update(
        claim_closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    page = client.get(url)
    assert page.context["state"].window_state == "closed"
    response = client.post(url, {"attested": "on"})
    assert response.status_code == 200
    assert not Claim.objects.filter(session=session).exists()


def test_a_session_moved_to_the_future_behind_the_cache_cannot_be_claimed(client: Any) -> None:
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    url = reverse("credits:claim", args=[session.event_id])
    client.get(url)
    later = timezone.now() + datetime.timedelta(days=1)
    type(session).objects.filter(pk=session.pk).update(
        starts_at=later, ends_at=later + datetime.timedelta(hours=1)
    )
    assert not client.get(url).context["state"].started
    assert not Claim.objects.filter(session=session).exists()


def test_an_activity_drafted_behind_the_cache_cannot_be_claimed(client: Any) -> None:
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    url = reverse("credits:claim", args=[session.event_id])
    client.get(url)
    Activity.objects.filter(pk=session.activity_id).update(status=Activity.Status.DRAFT)
    assert client.get(url).status_code == 404


def test_the_cache_keeps_a_claim_possible_when_nothing_changed(client: Any) -> None:
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    assert _claim(client, session).status_code == 302
    assert Claim.objects.filter(session=session).count() == 1


def test_the_profiles_credentials_come_with_the_profile(client: Any) -> None:
    profile = learner("MD", "PhD")
    user = profile.user
    credentials_prefetch(profile_for_user(user=user))  # fills the credential table's entry
    del user._cached_learner_profile
    read, queries = _queries(lambda: profile_for_user(user=user))
    assert read is not None
    _, more = _queries(lambda: credentials_prefetch(read))
    assert (queries, more) == (1, 0)
    _, listed = _queries(lambda: [c.abbreviation for c in read.credentials.all()])
    assert listed == 0
    assert [c.abbreviation for c in read.credentials.all()] == ["MD", "PhD"]
    assert (
        read.credentials.all()[0].profession_id
        == Credential.objects.get(abbreviation="MD").profession_id
    )


def test_a_changed_credential_is_seen_by_the_next_request() -> None:
    profile = learner("MD")
    user = profile.user
    credentials_prefetch(profile_for_user(user=user))
    md = Credential.objects.get(abbreviation="MD")
    md.implies_profession = False
    md.save()
    del user._cached_learner_profile
    read = profile_for_user(user=user)
    assert read is not None
    credentials_prefetch(read)
    assert [c.implies_profession for c in read.credentials.all()] == [False]


def test_a_learners_new_credential_is_seen_by_the_next_request() -> None:
    profile = learner("MD")
    user = profile.user
    credentials_prefetch(profile_for_user(user=user))
    profile.credentials.add(Credential.objects.get(abbreviation="RN"))
    del user._cached_learner_profile
    read = profile_for_user(user=user)
    assert read is not None
    credentials_prefetch(read)
    assert [c.abbreviation for c in read.credentials.all()] == ["MD", "RN"]
