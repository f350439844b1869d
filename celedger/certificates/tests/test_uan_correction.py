"""A claimed UAN is not edited: it is corrected, audited, and certificates follow."""

import pytest
from django.core.exceptions import ValidationError

from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_issue, designation_uan_correct
from celedger.core.models import AuditEvent, OutboxMessage
from celedger.credits.services import claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db

OLD = "0123-0000-26-001-L01-P"
NEW = "0123-0000-26-002-L01-P"


def claimed_acpe_session():  # type: ignore[no-untyped-def]
    session = activity_with("acpe-p", hours="1.00")
    designation = session.activity.designations.get()
    designation.acpe_activity_type = "knowledge"
    designation.save()
    pharmacist = learner("PharmD", nabp_eprofile_id="1234567", birth_month=4, birth_day=9)
    claim_submit(
        learner=pharmacist.user,
        session=session,
        hours_by_designation=hours_for(session, "acpe-p"),
        attested=True,
    )
    return session, designation, pharmacist


def test_a_form_edit_of_a_claimed_uan_is_refused() -> None:
    _, designation, _ = claimed_acpe_session()
    designation.uan = NEW
    with pytest.raises(ValidationError) as raised:
        designation.full_clean()
    assert f"claimed credit under {OLD}" in " ".join(raised.value.message_dict["uan"])


def test_an_unclaimed_uan_may_still_be_edited() -> None:
    session = activity_with("acpe-p", hours="1.00")
    designation = session.activity.designations.get()
    designation.acpe_activity_type = "knowledge"
    designation.uan = NEW
    designation.full_clean()


def test_the_correction_is_audited_and_reissues_the_certificate(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    session, designation, pharmacist = claimed_acpe_session()
    certificate_issue(learner=pharmacist.user, activity=session.activity)
    admin = StaffMembershipFactory(publisher=session.activity.publisher, role="admin").user
    with pytest.raises(ValidationError):
        designation_uan_correct(actor=admin, designation=designation, uan=NEW, reason=" ")
    with pytest.raises(ValidationError):
        designation_uan_correct(
            actor=admin, designation=designation, uan="0999-0000-26-002-L01-P", reason="typo"
        )
    with django_capture_on_commit_callbacks(execute=True):
        corrected = designation_uan_correct(
            actor=admin, designation=designation, uan=NEW.lower(), reason="ACPE typo"
        )
    assert corrected.uan == NEW
    event = AuditEvent.objects.get(action="designation.uan_correct")
    assert event.old_values == {"uan": OLD} and event.new_values == {"uan": NEW}
    assert event.reason == "ACPE typo"
    certificate = Certificate.objects.get(learner=pharmacist.user)
    assert certificate.versions.count() == 2
    assert NEW in certificate.versions.latest("version").changes


def test_the_reissue_is_an_outbox_message_written_with_the_correction() -> None:
    # Not an on-commit task: if queuing failed after commit the re-issue would be lost.
    session, designation, pharmacist = claimed_acpe_session()
    admin = StaffMembershipFactory(publisher=session.activity.publisher, role="admin").user
    OutboxMessage.objects.all().delete()
    designation_uan_correct(actor=admin, designation=designation, uan=NEW, reason="ACPE typo")
    [message] = OutboxMessage.objects.filter(kind="certificates.refresh_and_email")
    assert message.payload == {
        "learner_id": pharmacist.user_id,
        "activity_id": session.activity_id,
    }
