"""The maximum is the activity's: conferences pool their sessions, series do not, and the
database refuses what would go over (docs/decisions.md, "Credit maximum")."""

import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from celedger.activities.models import Attendance, SessionUAN
from celedger.activities.tests.factories import SessionFactory
from celedger.core.models import AuditEvent
from celedger.credits.models import Claim, CreditBalance
from celedger.credits.selectors import claim_page_state
from celedger.credits.services import claim_award, claim_correct, claim_revoke, claim_submit
from celedger.credits.tests.helpers import activity_with, conference, hours_for, learner
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def sessions_of(activity):
    return list(activity.sessions.order_by("starts_at"))


def submit_conference(profile, activity, picked, hours, code="ama-pra-1"):
    first = sessions_of(activity)[0]
    designation = activity.designations.get(credit_type__code=code)
    return claim_submit(
        learner=profile.user,
        session=first,
        hours_by_designation={designation.pk: hours},
        attested=True,
        session_ids=[s.pk for s in picked],
    )


def test_it_claims_a_conference_once_for_the_sum_of_the_ticked_sessions():
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    result = submit_conference(profile, activity, sessions[:3], "3.50")
    assert [(c.session, c.hours) for c in result.created] == [
        (sessions[0], Decimal("1.00")),
        (sessions[1], Decimal("1.50")),
        (sessions[2], Decimal("1.00")),
    ]
    balance = CreditBalance.objects.get(learner=profile.user)
    assert balance.claimed == Decimal("3.50") and balance.maximum == Decimal("6.50")


def test_it_caps_a_conference_at_the_activity_maximum_not_each_session():
    # The finding: 6 sessions each "up to 6.50" let a physician claim 1.5 + 6.5.
    activity = conference()
    sessions = sessions_of(activity)  # amounts add up to 7.50
    profile = learner("MD")
    with pytest.raises(
        ValidationError, match=r"most you can claim for the sessions ticked is 6\.5"
    ):
        submit_conference(profile, activity, sessions, "7.50")
    result = submit_conference(profile, activity, sessions, "6.50")
    assert sum(c.hours for c in result.created) == Decimal("6.50")
    # The last session gets what is left of the maximum (0.25 of its 1.25).
    assert result.created[-1].hours == Decimal("0.25")


def test_it_lets_a_physician_claim_less_than_the_sessions_add_up_to():
    activity = conference()
    profile = learner("MD")
    result = submit_conference(profile, activity, sessions_of(activity)[:2], "2.00")
    assert [c.hours for c in result.created] == [Decimal("1.00"), Decimal("1.00")]


def test_it_adds_later_sessions_only_up_to_what_is_left():
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    submit_conference(profile, activity, sessions[:4], "4.75")
    with pytest.raises(
        ValidationError, match=r"most you can claim for the sessions ticked is 1\.75"
    ):
        submit_conference(profile, activity, sessions[4:], "2.75")
    submit_conference(profile, activity, sessions[4:], "1.75")
    assert CreditBalance.objects.get(learner=profile.user).claimed == Decimal("6.50")


def test_it_refuses_in_the_database_a_balance_above_the_maximum():
    activity = conference()
    profile = learner("MD")
    submit_conference(profile, activity, sessions_of(activity)[:1], "1.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditBalance.objects.filter(learner=profile.user).update(claimed=F("claimed") + 6)


def test_it_refuses_in_the_database_a_claim_above_its_session_amount():
    activity = conference()
    profile = learner("MD")
    [claim] = submit_conference(profile, activity, sessions_of(activity)[:1], "1.00").created
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(hours=Decimal("1.25"))


def test_it_gives_back_the_balance_when_a_claim_is_revoked_or_corrected():
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    staff = StaffMembershipFactory(publisher=activity.publisher).user
    claims = submit_conference(profile, activity, sessions, "6.50").created
    claim_revoke(actor=staff, claim=claims[1], reason="Left early")
    assert CreditBalance.objects.get(learner=profile.user).claimed == Decimal("5.00")
    claim_correct(actor=staff, claim=claims[0], hours="0.50", reason="Arrived late")
    assert CreditBalance.objects.get(learner=profile.user).claimed == Decimal("4.50")
    with pytest.raises(ValidationError, match="most this session offers is 1"):
        claim_correct(actor=staff, claim=claims[0], hours="1.50", reason="typo")


def test_it_keeps_each_series_session_its_own_credit_event():
    session = activity_with("ama-pra-1", hours="1.00", format="rss", structure="series")
    week_two = SessionFactory(
        activity=session.activity,
        starts_at=session.starts_at - datetime.timedelta(days=7),
        ends_at=session.ends_at - datetime.timedelta(days=7),
    )
    profile = learner("MD")
    for one in (week_two, session):
        claim_submit(
            learner=profile.user,
            session=one,
            hours_by_designation=hours_for(one, "ama-pra-1"),
            attested=True,
        )
    claims = Claim.objects.filter(learner=profile.user).order_by("participated_on")
    assert [c.hours for c in claims] == [Decimal("1.00"), Decimal("1.00")]
    assert claims[0].participated_on < claims[1].participated_on
    assert not CreditBalance.objects.exists()


def test_it_dates_live_credit_on_the_sessions_day_at_the_publisher():
    session = activity_with("ama-pra-1", publisher__time_zone="America/Los_Angeles")
    # 23:30 in Los Angeles is already the next day in UTC (yesterday there: always past).
    la = ZoneInfo("America/Los_Angeles")
    local = datetime.datetime.combine(
        timezone.localdate(timezone=la) - datetime.timedelta(days=1),
        datetime.time(23, 30),
        tzinfo=la,
    )
    session.starts_at, session.ends_at = local, local + datetime.timedelta(minutes=20)
    session.save()
    profile = learner("MD")
    [claim] = claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1", "0.25"),
        attested=True,
    ).created
    assert claim.participated_on == local.date()


def test_it_records_the_sessions_own_uan_for_acpe():
    activity = conference("acpe-p", maximum="7.50")
    sessions = sessions_of(activity)
    designation = activity.designations.get()
    SessionUAN.objects.create(
        session=sessions[1], designation=designation, uan="0123-0000-26-002-L01-P"
    )
    profile = learner("PharmD", nabp_eprofile_id="1234567", birth_month=3, birth_day=4)
    result = submit_conference(profile, activity, sessions[:2], "2.50", code="acpe-p")
    assert [c.uan for c in result.created] == [
        "0123-0000-26-001-L01-P",
        "0123-0000-26-002-L01-P",
    ]
    # ACPE is all or nothing per UAN: no lowering.
    with pytest.raises(ValidationError, match=r"claimed in full: 1\.25"):
        submit_conference(profile, activity, sessions[3:4], "1.00", code="acpe-p")


def test_it_does_not_claim_a_session_that_has_not_started():
    activity = conference()
    later = SessionFactory(
        activity=activity,
        starts_at=timezone.now() + datetime.timedelta(hours=3),
        ends_at=timezone.now() + datetime.timedelta(hours=4),
        credit_hours=Decimal("1.00"),
    )
    profile = learner("MD")
    state = claim_page_state(learner=profile.user, session=later)
    assert later not in state.selectable_sessions
    with pytest.raises(ValidationError, match="started"):
        submit_conference(profile, activity, [later], "1.00")


def test_staff_award_follows_the_same_maximum_and_needs_a_participant():
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    staff = StaffMembershipFactory(publisher=activity.publisher).user
    designation = activity.designations.get()
    with pytest.raises(ValidationError, match="checked in"):
        claim_award(
            actor=staff,
            learner=profile.user,
            session=sessions[0],
            designation=designation,
            hours="1.00",
            reason="Paper sheet",
        )
    Attendance.objects.create(session=sessions[0], learner=profile.user)
    submit_conference(profile, activity, sessions[1:], "6.00")
    with pytest.raises(
        ValidationError, match=r"most you can claim for the sessions ticked is 0\.5"
    ):
        claim_award(
            actor=staff,
            learner=profile.user,
            session=sessions[0],
            designation=designation,
            hours="1.00",
            reason="Paper sheet",
            override=True,
        )
    claim_award(
        actor=staff,
        learner=profile.user,
        session=sessions[0],
        designation=designation,
        hours="0.50",
        reason="Paper sheet",
    )
    assert CreditBalance.objects.get(learner=profile.user).claimed == Decimal("6.50")


def test_staff_override_of_eligibility_is_audited():
    from celedger.core.models import AuditEvent

    session = activity_with("ancc")
    profile = learner("MD")  # ANCC is for nurses
    Attendance.objects.create(session=session, learner=profile.user)
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    designation = session.activity.designations.get()
    kwargs = {
        "actor": staff,
        "learner": profile.user,
        "session": session,
        "designation": designation,
        # ANCC is claimed by sessions attended, each in full (docs/credits.md).
        "hours": "1.50",
        "reason": "Is also an RN",
    }
    with pytest.raises(ValidationError, match="does not qualify"):
        claim_award(**kwargs)
    claim = claim_award(**kwargs, override=True)
    event = AuditEvent.objects.get(action="claim.award", object_id=str(claim.pk))
    assert "overridden" in event.reason


def test_report_overclaims_lists_old_overclaims_and_changes_nothing():
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    designation = activity.designations.get()
    # As the migration leaves pre-rule data: 1.50 + 6.50 on two sessions of a 6.50 activity.
    for session, hours in ((sessions[0], "1.50"), (sessions[1], "6.50")):
        Claim.objects.create(
            learner=profile.user,
            session=session,
            designation=designation,
            hours=Decimal(hours),
            max_hours=session.cap_for(designation),
            legacy_over_max=True,
            participated_on=session.starts_at.date(),
            attested_at=timezone.now(),
        )
    CreditBalance.objects.create(
        learner=profile.user,
        designation=designation,
        claimed=Decimal("8.00"),
        maximum=Decimal("6.50"),
        legacy_claimed=Decimal("8.00"),
    )
    out = StringIO()
    call_command("report_overclaims", stdout=out)
    text = out.getvalue()
    assert "claimed 8.00 of 6.50" in text
    assert f"{sessions[1].event_id}\tclaimed 6.50 of 1.50" in text
    assert "3 over-maximum credit record(s); nothing was changed." in text
    assert sorted(Claim.objects.values_list("hours", flat=True)) == [
        Decimal("1.50"),
        Decimal("6.50"),
    ]
    # Nothing more can be added on top of a legacy total.
    with pytest.raises(ValidationError):
        submit_conference(profile, activity, sessions[2:3], "1.00")


def _home_study(**kwargs):
    from celedger.evaluations.models import ActivityEvaluation

    session = activity_with(
        "ama-pra-1",
        hours="2.00",
        format="enduring",
        structure="home_study",
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
        ends_on=timezone.localdate() + datetime.timedelta(days=300),
        **kwargs,
    )
    session.starts_at = timezone.now() - datetime.timedelta(days=60)
    session.ends_at = timezone.now() + datetime.timedelta(days=300)
    session.save()
    ActivityEvaluation.objects.create(
        activity=session.activity, mode=ActivityEvaluation.Mode.OUTSIDE, per_session=False
    )
    return session


def test_home_study_credit_is_dated_on_the_learners_completion():
    from celedger.evaluations.models import Response

    session = _home_study()
    profile = learner("MD")
    with pytest.raises(ValidationError, match="Complete the evaluation"):
        claim_submit(
            learner=profile.user,
            session=session,
            hours_by_designation=hours_for(session, "ama-pra-1"),
            attested=True,
        )
    response = Response.objects.create(
        learner=profile.user, activity=session.activity, outside_attested=True
    )
    completed = timezone.now() - datetime.timedelta(days=3)
    Response.objects.filter(pk=response.pk).update(submitted_at=completed)
    [claim] = claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    ).created
    zone = session.activity.publisher.zone
    assert claim.participated_on == completed.astimezone(zone).date()
    assert claim.participated_on != session.starts_at.astimezone(zone).date()


def test_home_study_completed_after_expiry_earns_no_credit():
    from celedger.evaluations.models import Response

    session = _home_study()
    activity = session.activity
    activity.ends_on = timezone.localdate() - datetime.timedelta(days=10)
    activity.claim_closes_at = timezone.now() + datetime.timedelta(days=30)
    activity.save()
    profile = learner("MD")
    Response.objects.create(learner=profile.user, activity=activity, outside_attested=True)
    with pytest.raises(ValidationError, match="between the course's release"):
        claim_submit(
            learner=profile.user,
            session=session,
            hours_by_designation=hours_for(session, "ama-pra-1"),
            attested=True,
        )


def test_the_roster_flags_credit_above_the_maximum(client):
    from django.urls import reverse

    from celedger.publishers.models import StaffMembership

    activity = conference()
    sessions = sessions_of(activity)
    designation = activity.designations.get()
    over, fine = learner("MD", last_name="Over"), learner("MD", last_name="Fine")
    for session, hours in ((sessions[0], "1.00"), (sessions[1], "6.50")):
        Claim.objects.create(
            learner=over.user,
            session=session,
            designation=designation,
            hours=Decimal(hours),
            max_hours=session.cap_for(designation),
            legacy_over_max=Decimal(hours) > session.cap_for(designation),
            participated_on=session.starts_at.date(),
            attested_at=timezone.now(),
        )
    submit_conference(fine, activity, sessions[:2], "2.50")
    client.force_login(
        StaffMembershipFactory(publisher=activity.publisher, role=StaffMembership.Role.VIEWER).user
    )
    response = client.get(reverse("credits:roster", args=[activity.publisher.code, activity.pk]))
    flagged = {r.email for r in response.context["rows"] if r.over_maximum}
    assert flagged == {over.user.email}
    assert "Over the maximum" in response.content.decode()


def test_a_submit_read_before_another_one_wrote_keeps_the_winners_claims_and_adds_the_rest():
    # A double submit's loser read the page state before the winner committed: its INSERT
    # is refused by the unique active claim, and it writes only what the winner did not.
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    designation = activity.designations.get()
    stale = claim_page_state(learner=profile.user, session=sessions[0])
    winner = submit_conference(profile, activity, sessions[:1], "1.00")
    result = claim_submit(
        learner=profile.user,
        session=sessions[0],
        hours_by_designation={designation.pk: "2.50"},
        attested=True,
        session_ids=[s.pk for s in sessions[:2]],
        state=stale,
    )
    assert [c.pk for c in result.existing] == [c.pk for c in winner.created]
    assert [(c.session, c.hours) for c in result.created] == [(sessions[1], Decimal("1.50"))]
    assert Claim.objects.filter(learner=profile.user).count() == 2
    balance = CreditBalance.objects.get(learner=profile.user)
    assert balance.claimed == Decimal("2.50")
    assert AuditEvent.objects.filter(action="claim.create").count() == 2


def test_the_balance_upsert_refuses_a_first_claim_above_a_lowered_maximum():
    # No balance row yet: the INSERT half of the upsert copies the database's maximum,
    # and the CHECK refuses it as it refuses the UPDATE half.
    activity = conference()
    sessions = sessions_of(activity)
    profile = learner("MD")
    designation = activity.designations.get()
    stale = claim_page_state(learner=profile.user, session=sessions[0])
    type(designation).objects.filter(pk=designation.pk).update(max_hours=Decimal("1.00"))
    with pytest.raises(ValidationError, match="above its maximum"):
        claim_submit(
            learner=profile.user,
            session=sessions[0],
            hours_by_designation={designation.pk: "2.50"},
            attested=True,
            session_ids=[s.pk for s in sessions[:2]],
            state=stale,
        )
    assert not Claim.objects.filter(learner=profile.user).exists()
    assert not CreditBalance.objects.filter(learner=profile.user).exists()


def test_a_row_the_claim_check_refuses_is_not_taken_for_a_double_submit():
    # The refused INSERT is retried only for a duplicate: a row above its session's amount
    # (which the form's checks would have caught) finds nothing held and is refused.
    from celedger.credits.services import ClaimRow, _write_claims

    activity = conference()
    first = sessions_of(activity)[0]  # its amount: 1.00
    profile = learner("MD")
    designation = activity.designations.get()
    row = ClaimRow(
        session=first,
        designation=designation,
        hours=Decimal("1.25"),
        participated_on=timezone.localdate(),
    )
    with pytest.raises(ValidationError, match="more than the session offers"):
        _write_claims(
            actor=profile.user,
            learner=profile.user,
            activity=activity,
            rows=[row],
            action="claim.create",
            attested_at=timezone.now(),
        )
    assert not Claim.objects.exists()
    assert not AuditEvent.objects.filter(action="claim.create").exists()
