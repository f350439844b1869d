"""The roster page: search, status filter, pagination, htmx fragment, exports."""

import csv
import io

import pytest
from django.urls import reverse

from celedger.activities.models import Attendance
from celedger.activities.tests.factories import SessionFactory
from celedger.credits.services import claim_award
from celedger.credits.tests.helpers import activity_with, learner
from celedger.evaluations.models import Response
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def roster_url(session):
    return reverse("credits:roster", args=[session.activity.publisher.code, session.activity_id])


def staff_client(client, session, role=StaffMembership.Role.VIEWER):
    client.force_login(
        StaffMembershipFactory(publisher=session.activity.publisher, role=role).user
    )
    return client


def award(session, profile):
    coordinator = StaffMembershipFactory(
        publisher=session.activity.publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    designation = session.activity.designations.get()
    Attendance.objects.get_or_create(session=session, learner=profile.user)
    return claim_award(
        actor=coordinator,
        learner=profile.user,
        session=session,
        designation=designation,
        hours=designation.max_hours,
        reason="Test",
    )


def emails(response):
    return sorted(row.email for row in response.context["rows"])


@pytest.fixture
def cast():
    """Six learners of one session, one of each situation a coordinator meets."""
    session = activity_with("ama-pra-1")
    people = {
        key: learner("MD", last_name=last)
        for key, last in [
            ("attended", "Attended"),
            ("claimed", "Claimed"),
            ("evaluated", "Evaluated"),
            ("evaluated_activity", "Wholeday"),
            ("awarded", "Awarded"),
            ("evaluated_only", "Absent"),
        ]
    }
    for key in ("attended", "claimed", "evaluated", "evaluated_activity"):
        Attendance.objects.create(session=session, learner=people[key].user)
    award(session, people["claimed"])
    award(session, people["awarded"])
    activity = session.activity
    Response.objects.create(learner=people["evaluated"].user, activity=activity, session=session)
    Response.objects.create(learner=people["evaluated_activity"].user, activity=activity)
    Response.objects.create(
        learner=people["evaluated_only"].user, activity=activity, session=session
    )
    return session, {key: p.user.email for key, p in people.items()}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            "",
            [
                "attended",
                "claimed",
                "evaluated",
                "evaluated_activity",
                "awarded",
                "evaluated_only",
            ],
        ),
        ("attended-unclaimed", ["attended", "evaluated", "evaluated_activity"]),
        ("claimed", ["claimed", "awarded"]),
        ("evaluated-unclaimed", ["evaluated", "evaluated_activity", "evaluated_only"]),
        (
            "nonsense",
            [
                "attended",
                "claimed",
                "evaluated",
                "evaluated_activity",
                "awarded",
                "evaluated_only",
            ],
        ),
    ],
)
def test_it_filters_the_roster_by_status(client, cast, status, expected):
    session, people = cast
    response = staff_client(client, session).get(roster_url(session), {"status": status})
    assert response.status_code == 200
    assert emails(response) == sorted(people[key] for key in expected)
    totals = response.context["totals"]
    # Totals are the whole roster's, whatever the filter (staff award only to learners who
    # checked in, so the awarded one counts as attended).
    assert (totals.learners, totals.attended, totals.evaluated, totals.claimed) == (6, 5, 3, 2)
    assert [hours for _, _, hours in totals.hours] == [3]


def test_it_finds_a_learner_by_name_ignoring_accents_and_case(client):
    session = activity_with("ama-pra-1")
    nunez = learner("MD", first_name="José", last_name="Núñez")
    other = learner("MD", last_name="Smith")
    for profile in (nunez, other):
        Attendance.objects.create(session=session, learner=profile.user)
    staff_client(client, session)
    for query in ("nunez", "NÚÑEZ", "Nun", "José Núñez", "jose nunez"):
        response = client.get(roster_url(session), {"q": query})
        assert emails(response) == [nunez.user.email], query
    assert "Núñez, José" in response.content.decode()
    assert emails(client.get(roster_url(session), {"q": "nunez smith"})) == []


def test_it_finds_a_learner_by_email_and_license_number(client):
    session = activity_with("ama-pra-1")
    found = learner("MD", license_number="MI-4301-998")
    found.user.email = "dr.kowalski@hospital.example"
    found.user.save()
    other = learner("MD", license_number="OH-1")
    for profile in (found, other):
        Attendance.objects.create(session=session, learner=profile.user)
    staff_client(client, session)
    for query in ("KOWALSKI@hospital", "4301-998", "mi-4301"):
        assert emails(client.get(roster_url(session), {"q": query})) == [found.user.email], query


def test_it_combines_search_session_and_status(client):
    first = activity_with("ama-pra-1")
    second = SessionFactory(activity=first.activity)
    ana, bea = learner("MD", last_name="Garcia"), learner("MD", last_name="Garcia-Lopez")
    for profile in (ana, bea):
        Attendance.objects.create(session=first, learner=profile.user)
    Attendance.objects.create(session=second, learner=ana.user)
    award(first, ana)
    staff_client(client, first)
    url = roster_url(first)
    rows = client.get(url, {"q": "garcia"}).context["rows"]
    # By last name (Garcia before Garcia-Lopez), then one row per session.
    assert [r.email for r in rows] == [ana.user.email, ana.user.email, bea.user.email]
    assert {r.session.pk for r in rows[:2]} == {first.pk, second.pk}
    # Ana claimed only the first session: she is still "attended, not claimed" for the second.
    chasing = client.get(url, {"q": "garcia", "status": "attended-unclaimed"})
    assert [(r.email, r.session.pk) for r in chasing.context["rows"]] == [
        (ana.user.email, second.pk),
        (bea.user.email, first.pk),
    ]
    one_session = client.get(
        url, {"q": "garcia", "status": "attended-unclaimed", "session": first.pk}
    )
    assert emails(one_session) == [bea.user.email]
    assert one_session.context["totals"].learners == 2
    # A session of another activity, or garbage, is ignored rather than a 500.
    for bad in ("999999", "abc"):
        response = client.get(url, {"session": bad, "q": "garcia"})
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        assert len(response.context["rows"]) == 3


@pytest.fixture
def crowd():
    """An activity with 250 learners who checked in (bulk-created: fast)."""
    from celedger.accounts.models import User
    from celedger.profiles.models import LearnerProfile

    session = activity_with("ama-pra-1")
    model = learner("MD", last_name="Aaron")
    Attendance.objects.create(session=session, learner=model.user)
    users = User.objects.bulk_create(User(email=f"crowd{i}@example.org") for i in range(249))
    LearnerProfile.objects.bulk_create(
        LearnerProfile(
            user=u,
            first_name="Sam",
            last_name=f"Crowd{i:03d}",
            last_name_key=f"crowd{i:03d}",
            profession=model.profession,
            specialty=model.specialty,
            address1="1 Main Street",
            city="Livonia",
            state="MI",
            postal_code="48154",
            phone=model.phone,
            status=model.status,
            license_number="LIC",
        )
        for i, u in enumerate(users)
    )
    Attendance.objects.bulk_create(Attendance(session=session, learner=u) for u in users)
    return session


@pytest.mark.parametrize(
    ("asked", "number", "shown"),
    [
        ("", 1, "Showing 1–100 of 250 learners."),
        ("2", 2, "Showing 101–200 of 250 learners."),
        ("3", 3, "Showing 201–250 of 250 learners."),
        ("99", 3, "Showing 201–250 of 250 learners."),
        ("-1", 3, "Showing 201–250 of 250 learners."),
        ("abc", 1, "Showing 1–100 of 250 learners."),
    ],
)
def test_it_pages_the_roster_and_forgives_bad_page_numbers(client, crowd, asked, number, shown):
    response = staff_client(client, crowd).get(roster_url(crowd), {"page": asked})
    assert response.status_code == 200
    assert response.context["page_obj"].number == number
    assert shown in response.content.decode()
    assert len(response.context["rows"]) == (50 if number == 3 else 100)


def test_it_keeps_the_filters_in_the_page_links(client, crowd):
    staff_client(client, crowd)
    response = client.get(
        roster_url(crowd),
        {"q": "crowd", "status": "attended-unclaimed", "session": crowd.pk, "page": "2"},
    )
    body = response.content.decode()
    assert "Showing 101–200 of 249 learners matching." in body
    query = f"q=crowd&amp;status=attended-unclaimed&amp;session={crowd.pk}"
    assert f'href="?{query}&amp;page=3" rel="next"' in body
    assert f'href="?{query}&amp;page=1" rel="prev"' in body
    # Exports carry the session only: they always hold the whole roster.
    assert f"roster.csv?session={crowd.pk}" in body


def test_it_answers_htmx_with_the_results_fragment_only(
    client, crowd, django_assert_max_num_queries
):
    staff_client(client, crowd)
    client.get(roster_url(crowd))  # the designations are cached from then on
    # session + user (2), membership (1), activity (1), sessions (1), count (1),
    # learners (1), their attendances, responses and claims (3), the flags: the evaluation
    # setup (1), the claim rules' credentials and board certifications (2; the designations
    # are the claim page's cached ones), the signed-in user's own profile (1); no totals,
    # no header.
    with django_assert_max_num_queries(14):
        response = client.get(roster_url(crowd), {"q": "crowd01"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body and "Find a learner" not in body
    assert "Showing 1–10 of 10 learners matching." in body and "Crowd019" in body
    assert "HX-Request" in response["Vary"]
    restore = client.get(
        roster_url(crowd),
        {"q": "crowd01"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    full = restore.content.decode()
    assert 'id="roster-results"' in full and 'hx-get="' in full and "Find a learner" in full


def test_it_exports_everyone_whatever_the_search(client, cast):
    session, people = cast
    staff_client(client, session)
    url = reverse(
        "credits:roster_export", args=[session.activity.publisher.code, session.activity_id, "csv"]
    )
    lines = list(
        csv.reader(
            io.StringIO(client.get(url, {"q": "nobody", "status": "claimed"}).content.decode())
        )
    )
    assert sorted(line[3] for line in lines[1:]) == sorted(people.values())
    other = SessionFactory(activity=session.activity)
    lines = list(csv.reader(io.StringIO(client.get(url, {"session": other.pk}).content.decode())))
    assert lines[1:] == []


def test_it_keeps_the_roster_for_staff_only(client, cast):
    session, _ = cast
    url = roster_url(session)
    anonymous = client.get(url, {"q": "a", "page": "2"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    client.force_login(StaffMembershipFactory().user)
    assert client.get(url, {"q": "a"}, headers={"HX-Request": "true"}).status_code == 404
    viewer = staff_client(client, session).get(url, {"q": "claimed"})
    assert viewer.status_code == 200 and "Award credit" not in viewer.content.decode()


def test_it_shows_and_exports_session_times_in_the_publishers_zone(client):
    import datetime

    session = activity_with("ama-pra-1")
    publisher = session.activity.publisher
    publisher.time_zone = "America/New_York"
    publisher.save()
    # 8:00 AM Eastern (13:00 UTC) on a November day (standard time).
    session.starts_at = datetime.datetime(2026, 11, 5, 13, 0, tzinfo=datetime.UTC)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.save()
    claim = award(session, learner("MD"))
    staff_client(client, session, role=StaffMembership.Role.COORDINATOR)

    page = client.get(roster_url(session)).content.decode()
    assert "Nov 5, 2026 8:00 AM EST" in page
    assert "13:00" not in page
    manage = client.get(
        reverse("credits:claim_manage", args=[publisher.code, claim.pk])
    ).content.decode()
    assert "Nov 5, 2026 8:00 AM EST" in manage
    assert " UTC" not in manage

    export = client.get(
        reverse("credits:roster_export", args=[publisher.code, session.activity_id, "csv"])
    ).content.decode()
    header, first = list(csv.reader(io.StringIO(export)))[:2]
    assert header[1] == "Session start (America/New_York)"
    assert first[1] == "2026-11-05 08:00"


def test_the_roster_looks_its_learners_up_by_key_on_postgresql(client, cast):
    """With `id IN (…)` PostgreSQL read every user and profile on the instance to hash-join
    the roster (issue 10: 9–23 ms at 20k users, growing with the instance); from
    `id = ANY(ARRAY(…))` it looks the roster's own users up by key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session, _ = cast
    with CaptureQueriesContext(connection) as queries:
        response = staff_client(client, session).get(roster_url(session))
    assert response.status_code == 200
    # The roster's page of learners, in last-name order.
    learners = [
        q["sql"]
        for q in queries.captured_queries
        if 'ORDER BY "profiles_learnerprofile"."last_name_key"' in q["sql"]
    ]
    assert learners, "the roster's learners were read"
    # And the totals' counts of the roster's learners.
    totals = [
        q["sql"] for q in queries.captured_queries if 'COUNT("accounts_user"."id")' in q["sql"]
    ]
    assert len(totals) == 1, totals
    form = "= ANY(ARRAY(" if connection.vendor == "postgresql" else '"accounts_user"."id" IN ('
    for sql in (*learners, *totals):
        outer = sql.rsplit('FROM "accounts_user"', 1)[1]
        assert form in outer.split(" WHERE ", 1)[1][:40], sql
