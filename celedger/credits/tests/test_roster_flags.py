"""The roster flags claims the rules would not allow now, with the reason in words."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from celedger.activities.models import Activity, Attendance, Session
from celedger.credits.eligibility import session_date
from celedger.credits.models import Claim
from celedger.credits.services import claim_submit
from celedger.credits.tests.helpers import activity_with, grand_rounds, hours_for, learner
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


# A missing evaluation -----------------------------------------------------------------


def evaluate(profile: Any, session: Session, *, whole_activity: bool = False) -> None:
    from celedger.evaluations.models import Response

    Response.objects.create(
        learner=profile.user,
        activity=session.activity,
        session=None if whole_activity else session,
    )


def require_evaluation(activity: Activity, *, per_session: bool, mode: str = "builtin") -> None:
    from celedger.evaluations.models import ActivityEvaluation, EvaluationForm

    ActivityEvaluation.objects.update_or_create(
        activity=activity,
        defaults={
            "mode": mode,
            "per_session": per_session,
            "form": EvaluationForm.objects.get(is_standard=True) if mode == "builtin" else None,
            "outside_url": "https://forms.example.org/eval" if mode == "outside" else "",
        },
    )


PER_SESSION_MISSING = (
    "Not evaluated: credit needs this session's evaluation, and the learner has not submitted it."
)
ACTIVITY_MISSING = (
    "Not evaluated: credit needs the activity's evaluation, and the learner has not submitted it."
)


def test_a_claim_without_the_sessions_required_evaluation_is_flagged(client):
    last_week, today = grand_rounds()
    activity = today.activity
    require_evaluation(activity, per_session=True)
    done, skipped = learner("MD", last_name="Done"), learner("MD", last_name="Skipped")
    for session in (last_week, today):
        write_claim(done, session)
        evaluate(done, session)
        write_claim(skipped, session)
    evaluate(skipped, last_week)  # evaluated last week's session, not today's
    response = roster(client, activity)
    flags = {(row.email, row.session.pk): row.flags for row in response.context["rows"]}
    assert flags[(done.user.email, today.pk)] == []
    assert flags[(skipped.user.email, last_week.pk)] == []
    assert flags[(skipped.user.email, today.pk)] == [PER_SESSION_MISSING]
    body = response.content.decode()
    assert f"Flagged</span> {escape(PER_SESSION_MISSING)}" in body
    flagged = roster(client, activity, status="flagged")
    assert [(row.email, row.session.pk) for row in flagged.context["rows"]] == [
        (skipped.user.email, today.pk)
    ]


def test_a_claim_made_before_the_evaluation_was_required_is_flagged_until_it_is_submitted(
    client,
):
    session = activity_with("ama-pra-1")
    activity = session.activity
    profile = learner("MD")
    write_claim(profile, session)  # imported, entered by staff, or claimed with no evaluation
    assert flags_of(roster(client, activity))[profile.user.email] == []
    require_evaluation(activity, per_session=False)
    assert flags_of(roster(client, activity))[profile.user.email] == [ACTIVITY_MISSING]
    assert [r.email for r in roster(client, activity, status="flagged").context["rows"]] == [
        profile.user.email
    ]
    evaluate(profile, session, whole_activity=True)
    assert flags_of(roster(client, activity))[profile.user.email] == []
    assert roster(client, activity, status="flagged").context["rows"] == []


def test_an_outside_form_needs_the_learners_attestation_and_no_evaluation_needs_nothing(client):
    from celedger.evaluations.models import ActivityEvaluation

    session = activity_with("ama-pra-1")
    activity = session.activity
    profile = learner("MD")
    write_claim(profile, session)
    require_evaluation(activity, per_session=False, mode="outside")
    assert flags_of(roster(client, activity))[profile.user.email] == [
        "Not evaluated: credit needs the activity's outside evaluation form, and the learner "
        "has not attested completing it."
    ]
    # Saved, as the console and the admin save it: the cached setup follows the change.
    setup = ActivityEvaluation.objects.get(activity=activity)
    setup.mode = "none"
    setup.save()
    assert flags_of(roster(client, activity))[profile.user.email] == []


def test_an_evaluation_of_the_wrong_scope_is_named_after_the_setup_changed(client):
    session = activity_with("ama-pra-1")
    activity = session.activity
    whole, single = learner("MD", last_name="Whole"), learner("MD", last_name="Single")
    write_claim(whole, session)
    evaluate(whole, session, whole_activity=True)
    write_claim(single, session)
    evaluate(single, session)
    require_evaluation(activity, per_session=True)
    flags = flags_of(roster(client, activity))
    assert flags[single.user.email] == []
    assert flags[whole.user.email] == [
        PER_SESSION_MISSING + " They evaluated the activity as a whole; it is now evaluated "
        "per session."
    ]
    require_evaluation(activity, per_session=False)
    flags = flags_of(roster(client, activity))
    assert flags[whole.user.email] == []
    assert flags[single.user.email] == [
        ACTIVITY_MISSING + " They evaluated single sessions; it is now evaluated once for the "
        "activity."
    ]


def test_a_revoked_claim_or_an_unclaimed_row_is_not_flagged_for_its_evaluation(client):
    session = activity_with("ama-pra-1")
    activity = session.activity
    require_evaluation(activity, per_session=False)
    revoked, walk_in = learner("MD", last_name="Revoked"), learner("MD", last_name="Walkin")
    write_claim(
        revoked,
        session,
        status=Claim.Status.REVOKED,
        revoked_at=timezone.now(),
        revoke_reason="Duplicate",
    )
    Attendance.objects.create(session=session, learner=walk_in.user)
    flags = flags_of(roster(client, activity))
    assert flags == {revoked.user.email: [], walk_in.user.email: []}
    assert roster(client, activity, status="flagged").context["rows"] == []


def test_the_staff_claim_page_shows_a_missing_evaluation(client):
    session = activity_with("ama-pra-1")
    require_evaluation(session.activity, per_session=True)
    claim = write_claim(learner("MD"), session)
    client.force_login(StaffMembershipFactory(publisher=session.activity.publisher).user)
    code = session.activity.publisher.code
    body = client.get(reverse("credits:claim_manage", args=[code, claim.pk])).content.decode()
    assert f"Flagged</span> {escape(PER_SESSION_MISSING)}" in body


def test_a_staff_award_over_a_missing_evaluation_stays_flagged(client):
    from celedger.credits.services import claim_award

    session = activity_with("ama-pra-1")
    require_evaluation(session.activity, per_session=True)
    profile = learner("MD")
    Attendance.objects.create(session=session, learner=profile.user)
    staff = StaffMembershipFactory(publisher=session.activity.publisher)
    claim_award(
        actor=staff.user,
        learner=profile.user,
        session=session,
        designation=session.activity.designations.get(),
        hours="1.50",
        reason="Paper evaluation on file",
        override=True,
    )
    assert flags_of(roster(client, session.activity))[profile.user.email] == [PER_SESSION_MISSING]


@pytest.mark.parametrize("status", ["", "flagged"])
def test_missing_evaluations_cost_the_same_queries_for_one_learner_or_forty(
    client, django_assert_num_queries, status
):
    session = activity_with("ama-pra-1")
    activity = session.activity
    require_evaluation(activity, per_session=True)
    write_claim(learner("MD", last_name="Skip0"), session)
    params = {"status": status} if status else {}
    first = roster(client, activity, **params)  # the header's console link is cached from then on
    assert sum(1 for row in first.context["rows"] if row.flagged) == 1
    url = reverse("credits:roster", args=[activity.publisher.code, activity.pk])

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured.captured_queries)

    one = count()
    for n in range(1, 40):
        profile = learner("MD", last_name=f"Skip{n}")
        write_claim(profile, session)
        if n % 2:
            evaluate(profile, session)
    with django_assert_num_queries(one):
        response = client.get(url, params)
    assert sum(1 for row in response.context["rows"] if row.flagged) == 20


def test_the_learner_clears_the_flag_by_evaluating_after_the_claim(client):
    session = activity_with("ama-pra-1")
    activity = session.activity
    profile = learner("MD")
    write_claim(profile, session)
    require_evaluation(activity, per_session=False, mode="outside")
    assert roster(client, activity, status="flagged").context["rows"]
    client.force_login(profile.user)
    client.post(reverse("evaluations:evaluate", args=[session.event_id]), {"completed": "on"})
    assert roster(client, activity, status="flagged").context["rows"] == []
    assert flags_of(roster(client, activity))[profile.user.email] == []
