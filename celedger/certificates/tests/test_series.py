"""A regularly scheduled series: one certificate per session claimed, naming its date and
topic; every other structure keeps one per activity."""

import datetime
import shutil
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_issue, certificates_refresh
from celedger.certificates.tasks import certificate_refresh_and_email
from celedger.certificates.tests.test_certificates import pdf_reading_order
from celedger.credits.models import Claim
from celedger.credits.services import claim_revoke, claim_submit
from celedger.credits.tests.helpers import (
    activity_with,
    conference,
    grand_rounds,
    hours_for,
    learner,
)
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def claim(profile: Any, session: Any) -> None:
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    )


def both_weeks_claimed() -> tuple[Any, Any, Any]:
    last_week, today = grand_rounds()
    profile = learner("MD")
    claim(profile, last_week)
    claim(profile, today)
    return profile, last_week, today


def day(session: Any) -> datetime.date:
    return session.starts_at.astimezone(session.activity.publisher.zone).date()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils reads the PDF")
def test_each_series_session_claimed_has_its_own_certificate_naming_date_and_topic(
    tmp_path: Any,
) -> None:
    profile, last_week, today = both_weeks_claimed()
    issued = certificates_refresh(learner=profile.user, activity=today.activity)
    assert [c.session for c in issued] == [last_week, today]
    assert len({c.number for c in issued}) == 2
    for certificate, session in zip(issued, (last_week, today), strict=True):
        text = pdf_reading_order(certificate.pdf.read(), tmp_path)
        assert session.topic in text
        assert f"{day(session):%B} {day(session).day}, {day(session).year}" in text
        assert "1 AMA PRA Category 1 Credit™" in text
        other = today if session == last_week else last_week
        assert other.topic not in text
        assert certificate.versions.get().credit[0]["amount"] == "1 AMA PRA Category 1 Credit™"


def test_the_database_holds_one_certificate_per_learner_and_series_session() -> None:
    last_week, today = grand_rounds()
    profile = learner("MD")
    claim(profile, last_week)
    first = certificate_issue(learner=profile.user, activity=today.activity, session=last_week)
    assert first is not None and first.session == last_week
    fields = {"learner": profile.user, "activity": today.activity}
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(number="X-1", session=last_week, **fields)
    # Another session of the same series is another credit event.
    Certificate.objects.create(number="X-2", session=today, **fields)
    # Whole-activity certificates stay one per learner and activity.
    Certificate.objects.create(number="X-3", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(number="X-4", **fields)


def test_a_series_without_a_session_never_creates_a_whole_series_certificate() -> None:
    last_week, today = grand_rounds()
    profile = learner("MD")
    claim(profile, last_week)
    assert certificate_issue(learner=profile.user, activity=today.activity) is None
    assert not Certificate.objects.filter(session__isnull=True).exists()


def test_a_conference_keeps_one_certificate_whatever_session_is_named() -> None:
    activity = conference("ama-pra-1")
    first, second = list(activity.sessions.order_by("starts_at"))[:2]
    profile = learner("MD")
    claim_submit(
        learner=profile.user,
        session=first,
        hours_by_designation=hours_for(first, "ama-pra-1", "2.50"),
        attested=True,
        session_ids=[first.pk, second.pk],
    )
    certificate = certificate_issue(learner=profile.user, activity=activity, session=second)
    assert certificate is not None and certificate.session is None
    assert certificates_refresh(learner=profile.user, activity=activity) == [certificate]
    assert Certificate.objects.count() == 1


def test_revoking_one_weeks_claim_revokes_only_that_weeks_certificate(client: Any) -> None:
    profile, last_week, today = both_weeks_claimed()
    certificate_refresh_and_email.call(profile.user.pk, today.activity_id)
    staff = StaffMembershipFactory(publisher=today.activity.publisher).user
    claim_revoke(actor=staff, claim=Claim.objects.get(session=last_week), reason="Was not there")
    mail.outbox.clear()
    certificate_refresh_and_email.call(profile.user.pk, today.activity_id)
    gone = Certificate.objects.get(session=last_week)
    kept = Certificate.objects.get(session=today)
    assert gone.revoked_at is not None and kept.revoked_at is None
    [message] = mail.outbox
    assert "withdrawn" in message.subject and "Hyponatremia" in message.subject
    client.force_login(profile.user)
    mine = "certificates:mine_session"
    assert client.get(reverse(mine, args=[today.activity_id, last_week.pk])).status_code == 410
    assert client.get(reverse(mine, args=[today.activity_id, today.pk])).status_code == 200
    verify = client.get(reverse("certificates:verify", args=[gone.verification_code]))
    assert "was revoked" in verify.content.decode()


def test_each_sessions_certificate_is_emailed_with_its_session_and_credit_in_words() -> None:
    profile, last_week, today = both_weeks_claimed()
    mail.outbox.clear()
    certificate_refresh_and_email.call(profile.user.pk, today.activity_id)
    certificate_refresh_and_email.call(profile.user.pk, today.activity_id)
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2
    assert any("Hyponatremia" in s and f"{day(last_week):%B}" in s for s in subjects)
    assert any("Heart failure update" in s for s in subjects)
    for message in mail.outbox:
        assert "- AMA PRA Category 1 Credit™: 1 AMA PRA Category 1 Credit™" in message.body
        assert message.attachments[0][0].endswith("-v1.pdf")


def test_the_verify_page_names_the_session_and_its_date(client: Any) -> None:
    last_week, today = grand_rounds()
    profile = learner("MD")
    claim(profile, last_week)
    certificate = certificate_issue(
        learner=profile.user, activity=today.activity, session=last_week
    )
    assert certificate is not None
    page = client.get(reverse("certificates:verify", args=[certificate.verification_code]))
    body = page.content.decode()
    assert "<dt>Session</dt><dd>Hyponatremia</dd>" in body
    assert f"<dt>Date</dt><dd>{day(last_week):%B} {day(last_week).day}, " in body


def test_a_session_of_another_activity_or_of_a_non_series_is_not_found(client: Any) -> None:
    _last_week, today = grand_rounds()
    single = activity_with("ama-pra-1")
    profile = learner("MD")
    claim(profile, single)
    client.force_login(profile.user)
    mine = "certificates:mine_session"
    assert client.get(reverse(mine, args=[today.activity_id, single.pk])).status_code == 404
    assert client.get(reverse(mine, args=[single.activity_id, single.pk])).status_code == 404


def test_a_whole_series_certificate_issued_before_stays_verifiable_and_truthful(
    client: Any,
) -> None:
    """Rows from before per-session certificates keep their number and versions; they
    follow the claims as before (docs/decisions.md), beside the new per-session ones."""
    profile, last_week, today = both_weeks_claimed()
    legacy = Certificate.objects.create(
        learner=profile.user, activity=today.activity, number="CE-LEGACY-1"
    )
    issued = certificates_refresh(learner=profile.user, activity=today.activity)
    assert [c.session for c in issued] == [last_week, today, None]
    legacy.refresh_from_db()
    assert legacy.version == 1
    assert {item["amount"] for item in legacy.versions.get().credit} == {
        "2 AMA PRA Category 1 Credits™"
    }
    body = client.get(reverse("certificates:verify", args=[legacy.verification_code]))
    assert "every session claimed, on one certificate" in body.content.decode()
    staff = StaffMembershipFactory(publisher=today.activity.publisher).user
    claim_revoke(actor=staff, claim=Claim.objects.get(session=today), reason="Left early")
    certificates_refresh(learner=profile.user, activity=today.activity)
    legacy.refresh_from_db()
    assert legacy.version == 2 and legacy.revoked_at is None
    assert legacy.versions.get(version=2).credit[0]["amount"] == "1 AMA PRA Category 1 Credit™"


def test_the_transcript_and_the_staff_claim_page_link_each_sessions_certificate(
    client: Any,
) -> None:
    profile, last_week, today = both_weeks_claimed()
    client.force_login(profile.user)
    body = client.get(reverse("credits:transcript")).content.decode()
    for session in (last_week, today):
        url = reverse("certificates:mine_session", args=[today.activity_id, session.pk])
        assert f'href="{url}"' in body
    assert reverse("certificates:mine", args=[today.activity_id]) + '"' not in body
    membership = StaffMembershipFactory(publisher=today.activity.publisher)
    client.force_login(membership.user)
    code = today.activity.publisher.code
    one = Claim.objects.get(session=last_week)
    page = client.get(reverse("credits:claim_manage", args=[code, one.pk])).content.decode()
    url = reverse(
        "certificates:staff_download_session",
        args=[code, today.activity_id, profile.user.pk, last_week.pk],
    )
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert Certificate.objects.get(learner=profile.user, session=last_week).pdf


def test_an_account_merge_moves_a_series_sessions_certificate_the_kept_account_lacks() -> None:
    from celedger.certificates.selectors import certificates_movable, certificates_shared

    last_week, today = grand_rounds()
    away, keep = learner("MD", last_name="Away"), learner("MD", last_name="Keep")
    for profile, session in ((away, last_week), (away, today), (keep, today)):
        claim(profile, session)
        certificate_issue(learner=profile.user, activity=today.activity, session=session)
    moves = certificates_movable(source=away.user, target=keep.user)
    assert [c.session for c in moves] == [last_week]
    assert [c.session for c in certificates_shared(source=away.user, target=keep.user)] == [today]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils reads the PDF")
def test_the_period_statement_lists_each_series_session_dated(client: Any, tmp_path: Any) -> None:
    profile, last_week, today = both_weeks_claimed()
    client.force_login(profile.user)
    # The whole calendar year of today's session (last week's may fall in the year before
    # in early January: then the period starts there).
    start = min(day(last_week), day(today).replace(month=1, day=1))
    end = day(today).replace(month=12, day=31)
    response = client.get(
        reverse("credits:transcript_pdf"), {"date_from": f"{start}", "date_to": f"{end}"}
    )
    text = pdf_reading_order(response.content, tmp_path)
    assert "Continuing education statement" in text
    assert f"Period: {start:%B} {start.day}, {start.year} – December 31, {end.year}" in text
    for session in (last_week, today):
        assert f"{day(session):%Y-%m-%d}" in text
        assert f"Session: {session.topic}" in text
    assert text.count("1 AMA PRA Category 1 Credit™") >= 2
    assert "2 AMA PRA Category 1 Credits™" in text  # the total
