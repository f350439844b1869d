"""Per-session certificates arrive without touching what was issued before."""

import datetime

import pytest
from django.db import IntegrityError, transaction

BEFORE = [
    ("certificates", "0003_certificate_versions"),
    ("activities", "0004_designation_acpe_activity_type"),
]
AFTER = [("certificates", "0004_certificate_per_series_session")]


@pytest.mark.django_db(transaction=True)
def test_an_existing_series_certificate_stays_as_issued_and_sessions_get_their_own(
    reference_data, migrate_to
):
    old = migrate_to(BEFORE)
    User = old.get_model("accounts", "User")
    Publisher = old.get_model("publishers", "Publisher")
    Activity = old.get_model("activities", "Activity")
    Session = old.get_model("activities", "Session")
    Certificate = old.get_model("certificates", "Certificate")
    CertificateVersion = old.get_model("certificates", "CertificateVersion")
    publisher = Publisher.objects.create(code="mig", name="Migrated")
    user = User.objects.create(email="old@example.org")
    series = Activity.objects.create(
        publisher=publisher,
        title="Medicine Grand Rounds",
        format="rss",
        structure="series",
        starts_on=datetime.date(2026, 1, 6),
        ends_on=datetime.date(2026, 12, 29),
    )
    start = datetime.datetime(2026, 1, 6, 17, 0, tzinfo=datetime.UTC)
    week = Session.objects.create(
        activity=series, event_id="MGAAAA", starts_at=start, ends_at=start
    )
    issued = Certificate.objects.create(
        learner=user,
        activity=series,
        number="CE-000001-0000001",
        pdf="certificates/2026/01/old.pdf",
        pdf_fingerprint="f" * 64,
        version=2,
        emailed_version=2,
    )
    CertificateVersion.objects.create(
        certificate=issued, version=1, pdf="certificates/2026/01/v1.pdf", fingerprint="a" * 64
    )

    new = migrate_to(AFTER)
    Certificate = new.get_model("certificates", "Certificate")
    kept = Certificate.objects.get(pk=issued.pk)
    assert kept.session_id is None
    assert (kept.number, kept.verification_code, kept.version, kept.pdf.name) == (
        issued.number,
        issued.verification_code,
        2,
        "certificates/2026/01/old.pdf",
    )
    assert kept.versions.get().pdf.name == "certificates/2026/01/v1.pdf"
    # The session's own certificate sits beside it; a second one for the session does not.
    Certificate.objects.create(
        learner_id=user.pk, activity_id=series.pk, session_id=week.pk, number="CE-S-1"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            learner_id=user.pk, activity_id=series.pk, session_id=week.pk, number="CE-S-2"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(learner_id=user.pk, activity_id=series.pk, number="CE-A-2")
