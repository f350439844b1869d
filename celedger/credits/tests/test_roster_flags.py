"""The roster flags claims the rules would not allow now, with the reason in words."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from celedger.activities.models import Activity, Attendance, Session
from celedger.credits.eligibility import session_date
from celedger.credits.models import Claim
from celedger.credits.services import claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def write_claim(profile: Any, session: Session, **fields: Any) -> Claim:
    """A claim row as an older version, an import or an override may have left it."""
    designation = session.activity.designations.get()
    values: dict[str, Any] = {
        "hours": designation.max_hours,
        "max_hours": session.cap_for(designation),
        "participated_on": session_date(session),
        "attested_at": timezone.now(),
    }
    values.update(fields)
    Attendance.objects.get_or_create(session=session, learner=profile.user)
    return Claim.objects.create(
        learner=profile.user, session=session, designation=designation, **values
    )


def roster(client: Any, activity: Activity, **params: str) -> Any:
    client.force_login(
        StaffMembershipFactory(publisher=activity.publisher, role=StaffMembership.Role.VIEWER).user
    )
    return client.get(
        reverse("credits:roster", args=[activity.publisher.code, activity.pk]), params
    )


def flags_of(response: Any) -> dict[str, list[str]]:
    return {row.email: row.flags for row in response.context["rows"]}


def test_a_claim_the_learners_profession_does_not_get_is_flagged_with_the_reason(client):
    session = activity_with("ama-pra-1")
    nurse = learner("RN", last_name="Nurse")
    physician = learner("MD", last_name="Doctor")
    write_claim(nurse, session)
    claim_submit(
        learner=physician.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    )
    response = roster(client, session.activity)
    flags = flags_of(response)
    assert flags[physician.user.email] == []
    [reason] = flags[nurse.user.email]
    assert reason.startswith("AMA PRA Category 1: Not eligible now")
    assert "is not for your profession" in reason
    body = response.content.decode()
    assert "Flagged</span> AMA PRA Category 1: Not eligible now" in body


def test_a_live_claim_dated_off_the_sessions_day_or_made_before_it_started_is_flagged(client):
    session = activity_with("ama-pra-1")
    off_day, early = learner("MD", last_name="Offday"), learner("MD", last_name="Early")
    write_claim(off_day, session, participated_on=session_date(session) - datetime.timedelta(2))
    write_claim(early, session, attested_at=session.starts_at - datetime.timedelta(minutes=5))
    flags = flags_of(roster(client, session.activity))
    [dated] = flags[off_day.user.email]
    assert "not the session's own date" in dated
    assert flags[early.user.email] == ["AMA PRA Category 1: Claimed before the session started."]


def test_hours_above_the_sessions_own_amount_are_flagged_in_unit_words(client):
    session = activity_with("ama-pra-1", hours="2.00", structure="series", format="rss")
    profile = learner("MD")
    write_claim(profile, session, hours=Decimal("2.00"))
    # The coordinator lowered the session's amount after the claim.
    Session.objects.filter(pk=session.pk).update(credit_hours=Decimal("1.00"))
    [reason] = flags_of(roster(client, session.activity))[profile.user.email]
    assert reason == (
        "AMA PRA Category 1: 2 AMA PRA Category 1 Credits™ is more than this session offers "
        "(1 AMA PRA Category 1 Credit™)."
    )


def test_a_home_study_completion_outside_release_and_expiry_is_flagged(client):
    session = activity_with("ama-pra-1", structure="home_study", format="enduring")
    activity = session.activity
    profile = learner("MD")
    late = activity.ends_on + datetime.timedelta(days=3)
    write_claim(profile, session, participated_on=late)
    [reason] = flags_of(roster(client, activity))[profile.user.email]
    assert "Home-study credit is for completions between the course's release" in reason
    # Inside the window the same date rule finds nothing (no live-date check for home study).
    Claim.objects.update(participated_on=activity.starts_on)
    assert flags_of(roster(client, activity))[profile.user.email] == []


def test_the_flagged_filter_shows_only_flagged_learners(client):
    session = activity_with("ama-pra-1")
    nurse, fine = learner("RN", last_name="Nurse"), learner("MD", last_name="Fine")
    write_claim(nurse, session)
    write_claim(fine, session)
    Attendance.objects.create(session=session, learner=learner("MD", last_name="Only").user)
    response = roster(client, session.activity, status="flagged")
    assert [row.email for row in response.context["rows"]] == [nurse.user.email]
    assert "Showing 1–1 of 1 learner matching." in response.content.decode()


def test_the_flags_cost_the_same_queries_for_one_flagged_learner_or_forty(
    client, django_assert_num_queries
):
    session = activity_with("ama-pra-1")
    activity = session.activity
    write_claim(learner("RN", last_name="Nurse0"), session)
    first = roster(client, activity)  # the header's console link is cached from then on
    assert sum(1 for row in first.context["rows"] if row.flagged) == 1
    url = reverse("credits:roster", args=[activity.publisher.code, activity.pk])

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    one = count()
    for n in range(1, 40):
        write_claim(learner("RN", last_name=f"Nurse{n}"), session)
    with django_assert_num_queries(one):
        response = client.get(url)
    assert sum(1 for row in response.context["rows"] if row.flagged) == 40


def test_the_flags_read_nabp_data_and_board_consent_like_the_claim_page(client):
    from celedger.credits.tests.helpers import designate, diplomate

    session = activity_with("acpe-p")
    designate(session.activity, "moc-abim", "1.50")
    acpe = session.activity.designations.get(credit_type__code="acpe-p")
    moc = session.activity.designations.get(credit_type__code="moc-abim")
    pharmacist = learner("PharmD", last_name="Pharm", nabp_eprofile_id="", birth_month=None)
    internist, unconsented = learner("MD", last_name="Consent"), learner("MD", last_name="Nope")
    diplomate(internist, "ABIM", consented=True)
    diplomate(unconsented, "ABIM", consented=False)
    for profile, designation in ((pharmacist, acpe), (internist, moc), (unconsented, moc)):
        Attendance.objects.get_or_create(session=session, learner=profile.user)
        Claim.objects.create(
            learner=profile.user,
            session=session,
            designation=designation,
            hours=designation.max_hours,
            max_hours=session.cap_for(designation),
            participated_on=session_date(session),
            attested_at=timezone.now(),
        )
    flags = flags_of(roster(client, session.activity))
    assert "NABP e-Profile ID and birth date" in flags[pharmacist.user.email][0]
    assert flags[internist.user.email] == []
    assert "consent to report" in flags[unconsented.user.email][0]
    flagged = roster(client, session.activity, status="flagged")
    assert sorted(row.email for row in flagged.context["rows"]) == sorted(
        [pharmacist.user.email, unconsented.user.email]
    )


def test_the_staff_claim_page_shows_the_same_flag(client):
    session = activity_with("ama-pra-1")
    nurse = learner("RN")
    claim = write_claim(nurse, session, attested_at=session.starts_at - datetime.timedelta(1))
    staff = StaffMembershipFactory(publisher=session.activity.publisher)
    client.force_login(staff.user)
    code = session.activity.publisher.code
    body = client.get(reverse("credits:claim_manage", args=[code, claim.pk])).content.decode()
    assert "Flagged</span> Not eligible now (the learner is told: “AMA PRA" in body
    assert "Flagged</span> Claimed before the session started." in body
