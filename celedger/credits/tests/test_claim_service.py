import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from celedger.activities.models import Attendance
from celedger.core.models import AuditEvent
from celedger.credits.models import Claim
from celedger.credits.selectors import claim_window_state
from celedger.credits.services import claim_award, claim_correct, claim_revoke, claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def submit(profile, session, hours=None, *, code="ama-pra-1", attested=True, now=None):
    return claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, code, hours),
        attested=attested,
        now=now,
    )


def test_it_claims_and_audits():
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    result = submit(profile, session, "1.25")
    [claim] = result.created
    assert claim.hours == Decimal("1.25") and claim.status == Claim.Status.ACTIVE
    event = AuditEvent.objects.get(object_id=str(claim.pk), action="claim.create")
    assert event.actor == profile.user and event.new_values["hours"] == "1.25"


def test_it_changes_nothing_on_a_second_submission():
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    first = submit(profile, session, "1.00").created[0]
    again = submit(profile, session, "1.50")
    assert again.created == [] and again.existing == [first]
    assert Claim.objects.get().hours == Decimal("1.00")


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("0", "more than 0"),
        ("-1", "more than 0"),
        ("0.30", "quarter-hour"),
        ("1.75", "most you can claim"),
        ("abc", "number"),
    ],
)
def test_it_rejects_hours_out_of_bounds_or_steps(hours, message):
    session = activity_with("ama-pra-1", hours="1.50")
    with pytest.raises(ValidationError) as caught:
        submit(learner("MD"), session, hours)
    assert message in str(caught.value)
    assert not Claim.objects.exists()


def test_it_accepts_the_maximum_and_the_smallest_step():
    session = activity_with("ama-pra-1", hours="1.50")
    assert submit(learner("MD"), session, "1.50").created
    assert submit(learner("MD"), session, "0.25").created


def test_it_requires_the_attestation():
    session = activity_with("ama-pra-1")
    with pytest.raises(ValidationError) as caught:
        submit(learner("MD"), session, attested=False)
    assert "attested" in caught.value.message_dict


def test_it_refuses_a_type_the_learner_is_not_eligible_for():
    session = activity_with("ama-pra-1", "ancc")
    with pytest.raises(ValidationError):
        submit(learner("MD"), session, code="ancc")


def test_it_refuses_outside_the_claim_window_in_the_publishers_time_zone():
    session = activity_with("ama-pra-1")
    activity = session.activity
    zone = ZoneInfo("America/Los_Angeles")
    # The window closes at midnight Pacific time, 08:00 UTC in November.
    activity.claim_opens_at = datetime.datetime(2026, 11, 1, 9, 0, tzinfo=zone)
    activity.claim_closes_at = datetime.datetime(2026, 11, 20, 0, 0, tzinfo=zone)
    activity.save()
    session.starts_at = datetime.datetime(2026, 11, 1, 16, 0, tzinfo=datetime.UTC)
    session.ends_at = session.starts_at + datetime.timedelta(hours=1)
    session.save()
    session.refresh_from_db()
    utc = datetime.UTC
    assert (
        claim_window_state(session=session, now=datetime.datetime(2026, 11, 1, 16, 59, tzinfo=utc))
        == "not_yet"
    )
    assert (
        claim_window_state(session=session, now=datetime.datetime(2026, 11, 1, 17, 0, tzinfo=utc))
        == "open"
    )
    last_minute = datetime.datetime(2026, 11, 20, 7, 59, 59, tzinfo=utc)
    assert claim_window_state(session=session, now=last_minute) == "open"
    closing = datetime.datetime(2026, 11, 20, 8, 0, tzinfo=utc)
    assert claim_window_state(session=session, now=closing) == "closed"
    profile = learner("MD")
    with pytest.raises(ValidationError, match="ended"):
        submit(profile, session, now=closing)
    assert submit(profile, session, now=last_minute).created


def test_it_defaults_the_window_to_30_days_after_the_session():
    session = activity_with("ama-pra-1")
    end = session.ends_at
    assert claim_window_state(session=session, now=end + datetime.timedelta(days=29)) == "open"
    assert claim_window_state(session=session, now=end + datetime.timedelta(days=30)) == "closed"
    assert claim_window_state(session=session, now=session.starts_at) == "open"
    before = session.starts_at - datetime.timedelta(seconds=1)
    assert claim_window_state(session=session, now=before) == "not_yet"


def test_it_requires_the_evaluation_when_the_activity_has_one():
    from celedger.evaluations.models import ActivityEvaluation, Response

    session = activity_with("ama-pra-1")
    ActivityEvaluation.objects.create(activity=session.activity, per_session=True)
    profile = learner("MD")
    with pytest.raises(ValidationError, match="evaluation"):
        submit(profile, session)
    Response.objects.create(learner=profile.user, activity=session.activity, session=session)
    assert submit(profile, session).created


def test_it_lets_staff_award_late_credit_with_a_reason():
    session = activity_with("ama-pra-1")
    activity = session.activity
    activity.claim_closes_at = session.ends_at
    activity.save()
    staff = StaffMembershipFactory(publisher=activity.publisher).user
    profile = learner("MD")
    designation = activity.designations.get()
    Attendance.objects.create(session=session, learner=profile.user)
    claim = claim_award(
        actor=staff,
        learner=profile.user,
        session=session,
        designation=designation,
        hours=Decimal("1.00"),
        reason="Signed the paper sheet; phone died.",
    )
    assert claim.awarded_by == staff
    event = AuditEvent.objects.get(action="claim.award")
    assert event.actor == staff and "paper sheet" in event.reason
    with pytest.raises(ValidationError, match="already has"):
        claim_award(
            actor=staff,
            learner=profile.user,
            session=session,
            designation=designation,
            hours=Decimal("1.00"),
            reason="again",
        )


def test_it_corrects_and_revokes_with_audit_and_never_deletes():
    session = activity_with("ama-pra-1")
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    profile = learner("MD")
    claim = submit(profile, session, "1.50").created[0]
    with pytest.raises(ValidationError):
        claim_correct(actor=staff, claim=claim, hours=Decimal("1.00"), reason="  ")
    claim_correct(actor=staff, claim=claim, hours=Decimal("1.00"), reason="Left early")
    corrected = AuditEvent.objects.get(action="claim.correct")
    assert corrected.old_values == {"hours": "1.50"} and corrected.new_values == {"hours": "1.00"}
    assert corrected.actor == staff and corrected.reason == "Left early"

    claim_revoke(actor=staff, claim=claim, reason="Did not attend")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVOKED and claim.revoked_at is not None
    assert AuditEvent.objects.get(action="claim.revoke").reason == "Did not attend"
    assert Claim.objects.count() == 1
    # A revoked claim frees the slot: the learner may claim again.
    assert submit(profile, session, "0.75").created
    assert Claim.objects.filter(status=Claim.Status.ACTIVE).count() == 1
    with pytest.raises(ValidationError, match="revoked"):
        claim_correct(actor=staff, claim=claim, hours=Decimal("0.50"), reason="x")


def test_it_announces_changes_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    with django_capture_on_commit_callbacks(execute=True):
        submit(profile, session)
    # The certificates app listens and emails the certificate.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].attachments[0][2] == "application/pdf"


def test_it_records_a_joint_accreditation_uan_whole():
    # JA UANs are 27 characters: the claim's copy was 24 wide, so PostgreSQL refused it.
    from celedger.activities.models import CreditDesignation

    session = activity_with("acpe-p")
    ja_uan = "JA4008106-0000-26-035-L01-P"
    CreditDesignation.objects.filter(activity=session.activity).update(uan=ja_uan)
    profile = learner("PharmD", nabp_eprofile_id="1234567", birth_month=4, birth_day=27)
    [claim] = submit(profile, session, "1.50", code="acpe-p").created
    claim.refresh_from_db()
    assert claim.uan == ja_uan
