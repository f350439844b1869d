"""A publisher's public portal: what is open for claiming now, and what is coming up."""

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from celedger.activities.models import Activity
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def sections(body: str) -> tuple[str, str]:
    """(the "Open now" part, the "Coming up" part) of the page."""
    open_now, _, rest = body.partition('id="coming-up"')
    return open_now, rest


def test_it_shows_only_open_published_activities_on_the_portal(
    client: Any, publisher: Any, other_publisher: Any, django_assert_max_num_queries: Any
) -> None:
    today = timezone.localdate()
    ActivityFactory(publisher=publisher, title="Draft one", status=Activity.Status.DRAFT)
    ActivityFactory(
        publisher=publisher,
        title="Long over",
        starts_on=today - datetime.timedelta(days=90),
        ends_on=today - datetime.timedelta(days=90),
    )
    ActivityFactory(publisher=other_publisher, title="Someone else's")
    url = reverse("activities:portal", args=[publisher.code])
    # publisher, activities, designations (+credit types), sessions; auth/session rows
    # are absent for anonymous visitors.
    with django_assert_max_num_queries(6):
        client.get(url)
    for n in range(10):
        activity = ActivityFactory(publisher=publisher, title=f"Open course {n}")
        SessionFactory(activity=activity)
        CreditDesignationFactory(activity=activity)
    with django_assert_max_num_queries(6):
        body = client.get(url).content.decode()
    assert "Open course 9" in body
    for hidden in ["Draft one", "Long over", "Someone else"]:
        assert hidden not in body
    assert "For further assistance, please contact your CE site liaison Jo Reyes at" in body
    assert publisher.contact_email in body


def test_it_lists_next_months_grand_rounds_as_coming_up_not_open(
    client: Any, publisher: Any
) -> None:
    now = timezone.now()
    series = ActivityFactory(
        publisher=publisher,
        title="Medicine Grand Rounds",
        format=Activity.Format.RSS,
        ends_on=timezone.localdate() + datetime.timedelta(days=60),
    )
    SessionFactory(
        activity=series, topic="This week's talk", starts_at=now - datetime.timedelta(hours=2)
    )
    SessionFactory(
        activity=series, topic="Next month's talk", starts_at=now + datetime.timedelta(days=30)
    )
    SessionFactory(
        activity=series, topic="Next year's talk", starts_at=now + datetime.timedelta(days=300)
    )
    open_now, coming_up = sections(
        client.get(reverse("activities:portal", args=[publisher.code])).content.decode()
    )
    assert "This week&#x27;s talk" in open_now
    assert "Next month" not in open_now
    assert "Next month&#x27;s talk" in coming_up
    assert "Next year" not in coming_up


def test_it_links_an_enduring_course_by_name_not_midnight(client: Any, publisher: Any) -> None:
    today = timezone.localdate()
    course = ActivityFactory(
        publisher=publisher,
        title="Opioid Stewardship (home study)",
        format=Activity.Format.ENDURING,
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=355),
    )
    SessionFactory(
        activity=course,
        topic="",
        starts_at=timezone.now() - datetime.timedelta(days=10),
        ends_at=timezone.now() + datetime.timedelta(days=355),
    )
    body = client.get(reverse("activities:portal", args=[publisher.code])).content.decode()
    assert ">Start the course</a>" in body
    assert "12:00 AM" not in body
    assert "available " in body


def test_it_404s_an_unknown_portal(client: Any) -> None:
    assert client.get(reverse("activities:portal", args=["nope"])).status_code == 404
