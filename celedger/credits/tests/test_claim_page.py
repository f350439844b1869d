"""The claim page: one state for GET and POST, a conference claimed once, bounded queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from celedger.activities.models import Attendance
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import activity_with, claim_form_of, conference, learner

pytestmark = pytest.mark.django_db


def test_it_claims_a_conference_once_from_its_own_event_id(client, django_assert_num_queries):
    activity = conference()
    sessions = list(activity.sessions.order_by("starts_at"))
    profile = learner("MD")
    for session in sessions[:3]:
        Attendance.objects.create(session=session, learner=profile.user)
    client.force_login(profile.user)
    url = reverse("credits:claim", args=[activity.event_id])
    # django session, the user with their profile, its credentials' ids and the header's
    # staff answer (one statement), the session by Event ID, the state (1: the sessions
    # with their flags and the activity's window; no claims held), and on this first visit
    # only (cached after): the credential table, the designations and their professions,
    # the post-test gate (no active post-test), the learner's profession and specialty
    # (one each, shared by every learner after).
    with django_assert_num_queries(10):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    for session in sessions:
        assert session.topic in html
    # Pre-ticked from the three check-ins, with their 3.50 as the suggested total.
    assert claim_form_of(page).initial["sessions"] == [s.pk for s in sessions[:3]]
    designation = activity.designations.get()
    assert claim_form_of(page).initial[f"hours_{designation.pk}"] == Decimal("3.50")
    data = {
        "sessions": [s.pk for s in sessions[:3]],
        f"hours_{designation.pk}": "3.50",
        "attested": "on",
    }
    # The page's reads (3, from the cache now; the ticked sessions are checked against the
    # state, not read again), then one transaction whatever the sessions ticked: the three
    # claims in one INSERT, their audit rows in one, the pooled balance in one upsert, the
    # outbox (1), and the transaction's own savepoint in a test (2).
    with django_assert_num_queries(9) as captured:
        response = client.post(url, data)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert [s.split('"')[1] for s in inserts] == [
        "credits_claim",
        "core_auditevent",
        "credits_creditbalance",
        "core_outboxmessage",
    ]
    assert response.status_code == 302
    claims = Claim.objects.filter(learner=profile.user).order_by("session__starts_at")
    assert [c.session for c in claims] == sessions[:3]
    assert sum(c.hours for c in claims) == Decimal("3.50")
    # A second submit (back button) changes nothing.
    client.post(url, data)
    assert Claim.objects.filter(learner=profile.user).count() == 3


def test_it_keeps_what_was_typed_when_the_total_is_above_the_maximum(client):
    activity = conference()
    sessions = list(activity.sessions.order_by("starts_at"))
    profile = learner("MD")
    client.force_login(profile.user)
    designation = activity.designations.get()
    url = reverse("credits:claim", args=[sessions[0].event_id])
    response = client.post(
        url,
        {
            "sessions": [s.pk for s in sessions],
            f"hours_{designation.pk}": "7.50",
            "attested": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The most you can claim for the sessions ticked is 6.5" in html
    assert 'value="7.50"' in html
    assert not Claim.objects.exists()


def test_it_keeps_the_single_program_page_within_its_query_budget(
    client, django_assert_num_queries
):
    session = activity_with("ama-pra-1", "ancc", "acpe-p")
    profile = learner("MD")
    client.force_login(profile.user)
    url = reverse("credits:claim", args=[session.event_id])
    # As the conference page on a first visit, plus the sessions' own UANs (ACPE is
    # designated; cached with the designations).
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


def test_a_session_is_evaluated_and_claimed_only_once_it_has_started(client):
    import datetime

    from django.utils import timezone

    from celedger.evaluations.models import ActivityEvaluation, Response

    session = activity_with("ama-pra-1")
    session.starts_at = timezone.now() + datetime.timedelta(hours=2)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.save()
    ActivityEvaluation.objects.create(
        activity=session.activity, mode=ActivityEvaluation.Mode.OUTSIDE, per_session=False
    )
    profile = learner("MD")
    client.force_login(profile.user)
    evaluate = reverse("evaluations:evaluate", args=[session.event_id])
    response = client.post(evaluate, {"completed": "on"})
    assert response["Location"] == reverse("activities:program", args=[session.event_id])
    assert not Response.objects.exists()
    page = client.get(reverse("credits:claim", args=[session.event_id]))
    assert "Claiming opens on" in page.content.decode()
    assert not page.context["state"].can_claim
