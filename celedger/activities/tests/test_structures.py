"""Activity structures in the console: a conference's own Event ID, session amounts and
UANs, home study's three years."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.activities.models import Activity, SessionUAN
from celedger.activities.tests.test_views import _create_post

pytestmark = pytest.mark.django_db


def _conference(login: Any, publisher: Any) -> Activity:
    response = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(
            structure="conference", ends_on="2026-03-03", **{"credit-0-max_hours": "6.50"}
        ),
    )
    assert response.status_code == 302
    return Activity.objects.get(title="Anticoagulation 2026")


def test_it_gives_a_conference_its_own_event_id_and_qr(login: Any, publisher: Any) -> None:
    activity = _conference(login, publisher)
    assert activity.structure == "conference" and len(activity.event_id) == 6
    assert activity.event_id not in {s.event_id for s in activity.sessions.all()}
    page = login("coordinator").get(
        reverse("activities:console_detail", args=[publisher.code, activity.pk])
    )
    assert "Conference Event ID" in page.content.decode()
    qr = login("coordinator").get(
        reverse("activities:conference_qr_svg", args=[publisher.code, activity.pk])
    )
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    # The conference's Event ID opens its program page, listing every session.
    assert login("coordinator").get(f"/e/{activity.event_id}/").status_code == 200


def test_it_derives_the_structure_from_the_format_when_left_empty(
    login: Any, publisher: Any
) -> None:
    login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(format="rss", structure=""),
    )
    assert Activity.objects.get(title="Anticoagulation 2026").structure == "series"


def test_a_conference_session_needs_its_own_amount_and_may_have_its_own_uan(
    login: Any, publisher: Any
) -> None:
    activity = _conference(login, publisher)
    url = reverse("activities:session_add", args=[publisher.code, activity.pk])
    acpe = activity.designations.get(credit_type__code="acpe-p")
    base = {"date": "2026-03-03", "starts": "10:00", "ends": "11:00", "topic": "Reversal"}
    missing = login("coordinator").post(url, base)
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    bad = login("coordinator").post(
        url, {**base, "credit_hours": "1.00", f"uan_{acpe.pk}": "0123-0000-26-002-L01-T"}
    )
    assert "A UAN for pharmacists ends in -P, not -T." in bad.content.decode()
    assert 'value="Reversal"' in bad.content.decode()
    good = login("coordinator").post(
        url, {**base, "credit_hours": "1.00", f"uan_{acpe.pk}": "0123-0000-26-002-l01-p"}
    )
    assert good.status_code == 302
    own = SessionUAN.objects.get()
    assert own.uan == "0123-0000-26-002-L01-P" and own.designation == acpe
    assert own.session.credit_hours == 1


def test_home_study_runs_at_most_three_years(login: Any, publisher: Any) -> None:
    response = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(
            format="enduring",
            structure="home_study",
            starts_on="2026-03-02",
            ends_on="2029-03-02",
        ),
    )
    assert response.status_code == 200
    assert "at most 3 years" in response.content.decode()
    assert "March 1, 2029" in response.content.decode()
    ok = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(
            format="enduring",
            structure="home_study",
            starts_on="2026-03-02",
            ends_on="2029-03-01",
            # Home study: ACPE's H letter (the UAN must match the format).
            **{"credit-1-uan": "0123-0000-26-001-H01-P"},
        ),
    )
    assert ok.status_code == 302


def test_home_study_is_not_for_live_formats(login: Any, publisher: Any) -> None:
    response = login("coordinator").post(
        reverse("activities:console_create", args=[publisher.code]),
        _create_post(format="live", structure="home_study"),
    )
    assert "credit is for the session" in response.content.decode()
    assert 'value="Anticoagulation 2026"' in response.content.decode()


def test_the_demo_has_a_conference_a_series_and_home_study_with_their_event_ids() -> None:
    from decimal import Decimal

    from celedger.activities import demo
    from celedger.activities.event_ids import format_event_id

    lines = demo.seed()
    again = demo.seed()
    conference = Activity.objects.get(title=demo.CONFERENCE_TITLE)
    assert conference.structure == "conference"
    sessions = list(conference.sessions.order_by("starts_at"))
    assert [s.credit_hours for s in sessions] == [
        Decimal(hours) for *_, hours in demo.CONFERENCE_SESSIONS
    ]
    ama = conference.designations.get(credit_type__code="ama-pra-1")
    assert ama.max_hours == Decimal("6.50")
    assert SessionUAN.objects.filter(session__activity=conference).count() == 1
    text = "\n".join(lines)
    assert format_event_id(conference.event_id) in text
    for session in sessions:
        assert format_event_id(session.event_id) in text
    assert Activity.objects.get(title=demo.SERIES_TITLE).structure == "series"
    assert Activity.objects.get(title=demo.ENDURING_TITLE).structure == "home_study"
    # Idempotent: the second run prints the same conference and adds nothing.
    assert conference.sessions.count() == 6 and format_event_id(conference.event_id) in "\n".join(
        again
    )
