"""Reporting records: one per learner and UAN (CPE Monitor) or learner, activity and board
(PARS), recomputed from active claims; each check holds a record with its fix."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from celedger.activities.tests.factories import SessionFactory
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import activity_with, diplomate, learner
from celedger.profiles.models import LearnerProfile
from celedger.reporting import checks
from celedger.reporting.models import ActivityReporting, ExportJob, ReportingRecord
from celedger.reporting.records import records_recompute
from celedger.reporting.tests.conftest import claim

pytestmark = pytest.mark.django_db

Status = ReportingRecord.Status


def pharmacist(**kwargs: Any) -> Any:
    return learner(
        "PharmD",
        nabp_eprofile_id=kwargs.pop("epid", "1234567"),
        birth_month=4,
        birth_day=9,
        **kwargs,
    )


def recompute(profile: Any, session: Any, **kwargs: Any) -> Any:
    return records_recompute(learner_id=profile.user_id, activity_id=session.activity_id, **kwargs)


def conference(publisher: Any, *codes: str, hours: str = "6.50", sessions: int = 3) -> Any:
    first = activity_with(*codes, hours=hours, publisher=publisher)
    return [first, *(SessionFactory(activity=first.activity) for _ in range(sessions - 1))]


def test_it_makes_one_cpe_record_per_learner_and_uan_capped_at_the_maximum(
    publisher: Any,
) -> None:
    # The finding: one row per session claim, the same ePID + UAN twice, partial hours.
    sessions = conference(publisher, "acpe-p", hours="6.50")
    pat = pharmacist()
    for session in sessions:
        claim(pat, session, "acpe-p", "3.00")

    recompute(pat, sessions[0])

    [record] = ReportingRecord.objects.all()
    assert record.channel == "cpe_monitor"
    assert record.uan == "0123-0000-26-001-L01-P"
    assert record.hours == Decimal("6.50")
    assert record.status == Status.PENDING
    assert record.due_on == record.participated_on + datetime.timedelta(days=60)


def test_it_makes_one_pars_record_per_board_with_the_right_total(publisher: Any) -> None:
    # The finding: one physician got 8 points on a 6.5-point activity.
    sessions = conference(publisher, "moc-abim", hours="6.50", sessions=4)
    ActivityReporting.objects.create(activity=sessions[0].activity, accme_activity_id="201234567")
    doc = learner("MD", birth_month=3, birth_day=14)
    diplomate(doc, "ABIM", consented=True)
    for session in sessions:
        claim(doc, session, "moc-abim", "2.00")

    recompute(doc, sessions[0])

    [record] = ReportingRecord.objects.all()
    assert (record.channel, record.board.code, record.hours) == ("pars", "ABIM", Decimal("6.50"))
    assert record.status == Status.PENDING
    assert record.due_on == record.participated_on + datetime.timedelta(days=30)


def test_it_takes_a_home_study_date_from_the_completion_not_the_session(
    publisher: Any,
) -> None:
    session = activity_with(
        "acpe-p",
        publisher=publisher,
        format="enduring",
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
    )
    pat = pharmacist()
    completed = timezone.now() - datetime.timedelta(days=2)
    claim(pat, session, "acpe-p", attested_at=completed)

    recompute(pat, session)

    record = ReportingRecord.objects.get()
    assert record.participated_on == completed.astimezone(publisher.zone).date()


@pytest.mark.parametrize(
    ("profile_kwargs", "expected"),
    [
        ({"epid": ""}, ["epid_missing"]),
        ({"epid": "12AB"}, ["epid_malformed"]),
        ({"epid": "1234-67"}, ["epid_malformed"]),
    ],
)
def test_it_holds_cpe_records_for_a_missing_or_malformed_epid(
    publisher: Any, profile_kwargs: dict[str, Any], expected: list[str]
) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = pharmacist(**profile_kwargs)
    claim(pat, session, "acpe-p")
    recompute(pat, session)
    record = ReportingRecord.objects.get()
    assert (record.status, record.hold_reasons) == (Status.HELD, expected)


def test_it_holds_for_a_missing_birth_date(publisher: Any) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = learner("PharmD", nabp_eprofile_id="1234567")
    claim(pat, session, "acpe-p")
    recompute(pat, session)
    assert ReportingRecord.objects.get().hold_reasons == ["birth_missing"]


def test_it_holds_an_epid_already_used_by_another_learner(publisher: Any) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = pharmacist(epid="7654321")
    pharmacist(epid="7654321")  # someone else typed the same number
    claim(pat, session, "acpe-p")
    recompute(pat, session)
    assert ReportingRecord.objects.get().hold_reasons == ["epid_duplicate"]


def test_it_holds_a_technician_uan_for_a_pharmacist(publisher: Any) -> None:
    session = activity_with("acpe-t", publisher=publisher)
    pat = pharmacist()
    claim(pat, session, "acpe-t")
    recompute(pat, session)
    assert ReportingRecord.objects.get().hold_reasons == ["pt_mismatch"]


def test_it_holds_a_live_date_outside_the_activity_and_one_past_the_window(
    publisher: Any,
) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    activity = session.activity
    long_ago = timezone.now() - datetime.timedelta(days=90)
    session.starts_at, session.ends_at = long_ago, long_ago + datetime.timedelta(hours=1)
    session.save()
    activity.starts_on = activity.ends_on = timezone.localdate()
    activity.save()
    pat = pharmacist()
    claim(pat, session, "acpe-p")
    recompute(pat, session)
    assert ReportingRecord.objects.get().hold_reasons == ["date_outside_live", "cpe_past_window"]


def test_it_holds_a_home_study_completion_outside_release_and_expiry(publisher: Any) -> None:
    session = activity_with(
        "acpe-p",
        publisher=publisher,
        format="enduring",
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 12, 31),
    )
    pat = pharmacist()
    claim(pat, session, "acpe-p", attested_at=timezone.now())
    recompute(pat, session)
    assert ReportingRecord.objects.get().hold_reasons == ["date_outside_home_study"]


def test_it_holds_moc_without_consent_board_id_or_accme_activity_id(publisher: Any) -> None:
    session = activity_with("moc-abim", publisher=publisher)
    doc = learner("MD", birth_month=3, birth_day=14)
    certification = diplomate(doc, "ABIM", consented=False)
    certification.diplomate_id = ""
    certification.save()
    claim(doc, session, "moc-abim")
    recompute(doc, session)
    assert ReportingRecord.objects.get().hold_reasons == [
        "moc_no_consent",
        "moc_no_board_id",
        "no_accme_activity_id",
    ]


def test_it_emails_the_learner_once_per_new_fix(
    publisher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = pharmacist(epid="")
    claim(pat, session, "acpe-p")
    with django_capture_on_commit_callbacks(execute=True):
        recompute(pat, session)
    with django_capture_on_commit_callbacks(execute=True):
        recompute(pat, session)  # same hold: no second email
    [message] = mail.outbox
    assert message.to == [pat.user.email]
    assert checks.CHECKS["epid_missing"].learner in message.body
    assert "/profile/" in message.body


def test_it_releases_a_held_record_when_the_learner_fixes_the_profile(
    publisher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = pharmacist(epid="")
    claim(pat, session, "acpe-p")
    recompute(pat, session)
    assert ReportingRecord.objects.get().status == Status.HELD

    with django_capture_on_commit_callbacks(execute=True):
        profile = LearnerProfile.objects.get(pk=pat.pk)
        profile.nabp_eprofile_id = "2345678"
        profile.save()

    record = ReportingRecord.objects.get()
    assert (record.status, record.hold_reasons) == (Status.PENDING, [])


def _export(record: ReportingRecord, publisher: Any) -> None:
    job = ExportJob.objects.create(publisher=publisher, kind="cpe_monitor", status="done")
    record.status = Status.EXPORTED
    record.exported_in = job
    record.exported_at = timezone.now()
    record.save()


def test_a_change_after_export_makes_a_correction_and_keeps_what_was_sent(
    publisher: Any,
) -> None:
    sessions = conference(publisher, "acpe-p", hours="3.00", sessions=2)
    pat = pharmacist()
    first = claim(pat, sessions[0], "acpe-p", "1.50")
    recompute(pat, sessions[0])
    sent = ReportingRecord.objects.get()
    _export(sent, publisher)

    claim(pat, sessions[1], "acpe-p", "1.50")
    recompute(pat, sessions[0])

    sent.refresh_from_db()
    assert (sent.status, sent.is_current, sent.hours) == (Status.CORRECTED, False, Decimal("1.5"))
    correction = ReportingRecord.objects.get(is_current=True)
    assert (correction.action, correction.hours, correction.replaces) == (
        "correct",
        Decimal("3.00"),
        sent,
    )
    assert first.status == Claim.Status.ACTIVE


def test_a_revocation_after_export_makes_a_pars_deletion(publisher: Any) -> None:
    session = activity_with("moc-abim", publisher=publisher)
    ActivityReporting.objects.create(activity=session.activity, accme_activity_id="201234567")
    doc = learner("MD", birth_month=3, birth_day=14)
    diplomate(doc, "ABIM", consented=True)
    given = claim(doc, session, "moc-abim")
    recompute(doc, session)
    sent = ReportingRecord.objects.get()
    _export(sent, publisher)

    Claim.objects.filter(pk=given.pk).update(status="revoked", revoked_at=timezone.now())
    recompute(doc, session)

    deletion = ReportingRecord.objects.get(is_current=True)
    assert (deletion.action, deletion.status, deletion.hours) == ("delete", "pending", sent.hours)
    assert deletion.replaces == sent


def test_a_revocation_before_export_just_removes_the_record(publisher: Any) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = pharmacist()
    given = claim(pat, session, "acpe-p")
    recompute(pat, session)
    Claim.objects.filter(pk=given.pk).update(status="revoked", revoked_at=timezone.now())
    recompute(pat, session)
    assert not ReportingRecord.objects.exists()


def test_the_database_keeps_one_current_record_per_key(publisher: Any) -> None:
    session = activity_with("acpe-p", publisher=publisher)
    pat = pharmacist()
    claim(pat, session, "acpe-p")
    recompute(pat, session)
    record = ReportingRecord.objects.get()
    record.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        record.save()
