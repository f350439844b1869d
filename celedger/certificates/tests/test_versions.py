"""Certificates do not change silently: every change is a new, kept, emailed version."""

from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from celedger.activities.models import Activity
from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_issue
from celedger.certificates.tasks import certificate_refresh_and_email
from celedger.core.models import AuditEvent
from celedger.credits.models import Claim
from celedger.credits.services import claim_correct, claim_revoke, claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def claim(profile: Any, session: Any, hours: str = "1.50") -> Certificate:
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1", hours),
        attested=True,
    )
    certificate = certificate_issue(learner=profile.user, activity=session.activity)
    assert certificate is not None
    return certificate


def test_a_changed_credit_is_a_new_version_and_the_old_pdf_is_kept(client: Any) -> None:
    session = activity_with("ama-pra-1", hours="1.50")
    profile = learner("MD")
    first = claim(profile, session)
    assert first.version == 1
    v1 = first.versions.get()
    v1_bytes = v1.pdf.read()
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    claim_correct(actor=staff, claim=Claim.objects.get(), hours=Decimal("1.00"), reason="left")
    second = certificate_issue(learner=profile.user, activity=session.activity)
    assert second is not None
    assert (second.pk, second.number, second.version) == (first.pk, first.number, 2)
    v1.refresh_from_db()
    assert v1.pdf.read() == v1_bytes  # kept as sent
    v2 = second.versions.get(version=2)
    assert v2.pdf.name != v1.pdf.name and second.pdf.name == v2.pdf.name
    assert v2.changes == (
        "AMA PRA Category 1 Credit™: 1.5 AMA PRA Category 1 Credits™ → "
        "1 AMA PRA Category 1 Credit™."
    )
    assert AuditEvent.objects.filter(action="certificate.reissue").count() == 1
    text = client.get(reverse("certificates:verify", args=[second.verification_code])).content
    page = text.decode()
    assert "Version 2" in page and "It supersedes version 1 of" in page
    credit = page.split("<dt>Credit</dt>")[1].split("</dd>")[0]
    assert "1 AMA PRA Category 1 Credit™" in credit and "1.5" not in credit


def test_the_same_credit_again_is_not_a_new_version() -> None:
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    certificate = claim(profile, session)
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    claim_revoke(actor=staff, claim=Claim.objects.get(), reason="wrong learner")
    claim(profile, session)
    certificate.refresh_from_db()
    assert certificate.versions.count() == 1 and certificate.revoked_at is None


def test_each_version_is_emailed_once_saying_what_changed() -> None:
    session = activity_with("ama-pra-1", hours="2.00")
    profile = learner("MD")
    claim(profile, session, "2.00")
    mail.outbox.clear()
    certificate_refresh_and_email.call(profile.user.pk, session.activity_id)
    certificate_refresh_and_email.call(profile.user.pk, session.activity_id)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][0].endswith("-v1.pdf")
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    claim_correct(actor=staff, claim=Claim.objects.get(), hours=Decimal("1.25"), reason="left")
    mail.outbox.clear()
    certificate_refresh_and_email.call(profile.user.pk, session.activity_id)
    [message] = mail.outbox
    assert "version 2" in message.subject
    assert "What changed: AMA PRA Category 1 Credit™: 2 AMA PRA" in message.body
    assert "→ 1.25 AMA PRA Category 1 Credits™." in message.body


def test_a_revoked_pdf_is_served_to_no_one(client: Any) -> None:
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    certificate = claim(profile, session)
    membership = StaffMembershipFactory(publisher=session.activity.publisher)
    claim_revoke(actor=membership.user, claim=Claim.objects.get(), reason="Did not attend")
    certificate_issue(learner=profile.user, activity=session.activity)
    urls = [
        reverse("certificates:mine", args=[session.activity_id]),
        reverse("certificates:download", args=[certificate.pk]),
    ]
    client.force_login(profile.user)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 410, url
        assert response["Content-Type"].startswith("text/html")
        assert "was revoked" in response.content.decode()
    client.force_login(membership.user)
    staff_url = reverse(
        "certificates:staff_download",
        args=[session.activity.publisher.code, session.activity_id, profile.user.pk],
    )
    for url in [*urls[1:], staff_url]:
        assert client.get(url).status_code == 410, url


def test_a_draft_activity_never_appears_on_a_public_verify_page(client: Any) -> None:
    session = activity_with("ama-pra-1")
    certificate = claim(learner("MD"), session)
    url = reverse("certificates:verify", args=[certificate.verification_code])
    assert client.get(url).status_code == 200
    Activity.objects.filter(pk=session.activity_id).update(status=Activity.Status.DRAFT)
    assert client.get(url).status_code == 404


def test_the_verify_page_has_bounded_queries(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    certificate = claim(profile, session)
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    for hours in ("1.25", "1.00", "0.75"):
        claim_correct(actor=staff, claim=Claim.objects.get(), hours=Decimal(hours), reason="x")
        certificate_issue(learner=profile.user, activity=session.activity)
    # certificate with activity, publisher, learner and profile; its versions; session.
    with django_assert_max_num_queries(4):
        response = client.get(reverse("certificates:verify", args=[certificate.verification_code]))
    assert response.content.decode().count("Version ") >= 4
