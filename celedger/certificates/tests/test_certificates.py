import shutil
import subprocess
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from celedger.certificates.models import Certificate
from celedger.certificates.services import certificate_issue
from celedger.core.outbox import outbox_email
from celedger.credits.services import claim_revoke, claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner
from celedger.profiles.models import LearnerProfile
from celedger.publishers.models import DesignationStatement
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def claimed(profile, session, code="ama-pra-1", hours=None):
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, code, hours),
        attested=True,
    )
    return certificate_issue(learner=profile.user, activity=session.activity)


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    if shutil.which("pdftotext"):
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_it_names_learner_license_credit_hours_and_statements(tmp_path):
    session = activity_with("ama-pra-1", hours="2.00")
    publisher = session.activity.publisher
    publisher.accreditation_statement = "In support of improving patient care, JA statement."
    publisher.save()
    profile = learner("MD", first_name="Jan", last_name="Łukasiewicz")
    certificate = claimed(profile, session, hours="1.75")
    text = pdf_text(certificate.pdf.read(), tmp_path)
    assert "Jan Łukasiewicz, MD" in text
    assert profile.license_number in text
    assert "AMA PRA Category 1 Credit" in text and "1.75" in text
    certificate.pdf.seek(0)
    flat = pdf_reading_order(certificate.pdf.read(), tmp_path)
    assert f"{publisher.name} designates this live activity for a maximum of 2 AMA PRA" in flat
    assert "commensurate with the extent" in flat
    assert "JA statement" in text
    assert certificate.number in text


def test_it_uses_the_publishers_own_statement_and_the_acpe_uan(tmp_path):
    session = activity_with("acpe-p", hours="1.00")
    publisher = session.activity.publisher
    DesignationStatement.objects.create(
        publisher=publisher,
        credit_type=session.activity.designations.get().credit_type,
        statement="{provider} grants {amount} ACPE contact hours.",
    )
    profile = learner("PharmD", nabp_eprofile_id="1234567", birth_month=1, birth_day=2)
    text = pdf_text(claimed(profile, session, "acpe-p").pdf.read(), tmp_path)
    assert f"{publisher.name} grants 1 ACPE contact hours." in text
    assert "0123-0000-26-001-L01-P" in text


def test_it_says_license_missing_for_the_placeholder(tmp_path):
    session = activity_with("ama-pra-1")
    profile = learner("MD", license_number="0000")
    assert "License number missing" in pdf_text(claimed(profile, session).pdf.read(), tmp_path)


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="poppler-utils and zbar-tools read the QR code back (make system-deps)",
)
def test_its_qr_code_decodes_to_the_verification_url(tmp_path, client, settings):
    settings.SITE_URL = "https://ce.example.org"
    session = activity_with("ama-pra-1")
    certificate = claimed(learner("MD"), session)
    (tmp_path / "c.pdf").write_bytes(certificate.pdf.read())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            str(tmp_path / "c.pdf"),
            str(tmp_path / "page"),
        ],
        check=True,
    )
    [png] = list(tmp_path.glob("page*.png"))
    decoded = subprocess.run(
        ["zbarimg", "--raw", "-q", str(png)], check=True, capture_output=True, text=True
    ).stdout.strip()
    path = reverse("certificates:verify", args=[certificate.verification_code])
    assert decoded == f"https://ce.example.org{path}"
    assert "This certificate is valid." in client.get(path).content.decode()


def test_it_renders_again_only_when_the_claims_change():
    session = activity_with("ama-pra-1", "moc-abim")
    profile = learner("MD")
    certificate = claimed(profile, session)
    name, fingerprint = certificate.pdf.name, certificate.pdf_fingerprint
    again = certificate_issue(learner=profile.user, activity=session.activity)
    assert again.pdf.name == name and again.pdf_fingerprint == fingerprint
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    from celedger.credits.models import Claim
    from celedger.credits.services import claim_correct

    claim_correct(actor=staff, claim=Claim.objects.get(), hours=Decimal("1.00"), reason="late")
    changed = certificate_issue(learner=profile.user, activity=session.activity)
    assert changed.pdf_fingerprint != fingerprint and changed.pdf.name != name


def test_it_revokes_the_certificate_with_its_last_claim(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    certificate = claimed(profile, session)
    from celedger.credits.models import Claim

    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    claim_revoke(actor=staff, claim=Claim.objects.get(), reason="Did not attend")
    certificate = certificate_issue(learner=profile.user, activity=session.activity)
    assert certificate.revoked_at is not None
    body = client.get(reverse("certificates:verify", args=[certificate.verification_code]))
    text = body.content.decode()
    assert "was revoked" in text and "is valid" not in text


def test_the_verification_page_shows_no_personal_data_beyond_the_name(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD", first_name="Ria", last_name="Okafor")
    certificate = claimed(profile, session)
    body = client.get(reverse("certificates:verify", args=[certificate.verification_code]))
    text = body.content.decode()
    assert "Ria Okafor" in text and "1.5 AMA PRA Category 1 Credits™" in text
    assert session.activity.title in text
    for secret in (profile.user.email, profile.license_number, str(profile.phone)):
        assert secret not in text
    assert client.get(reverse("certificates:verify", args=["nope"])).status_code == 404


def test_only_the_owner_or_the_publishers_staff_download(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    certificate = claimed(profile, session)
    url = reverse("certificates:download", args=[certificate.pk])
    client.force_login(profile.user)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(StaffMembershipFactory(publisher=session.activity.publisher).user)
    assert client.get(url).status_code == 200
    client.force_login(StaffMembershipFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(learner("MD").user)
    assert client.get(url).status_code == 404
    assert client.get(reverse("certificates:mine", args=[session.activity_id])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_learner_downloads_by_activity_without_a_stored_pdf_yet(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    )
    assert not Certificate.objects.exists()  # on_commit did not run in this test
    client.force_login(profile.user)
    response = client.get(reverse("certificates:mine", args=[session.activity_id]))
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")
    assert Certificate.objects.get().pdf


def test_staff_download_a_learners_certificate_from_their_console_only(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    claimed(profile, session)
    publisher = session.activity.publisher
    url = reverse(
        "certificates:staff_download",
        args=[publisher.code, session.activity_id, profile.user.pk],
    )
    client.force_login(StaffMembershipFactory(publisher=publisher).user)
    assert client.get(url).getvalue().startswith(b"%PDF")
    other = StaffMembershipFactory()
    client.force_login(other.user)
    assert client.get(url).status_code == 404
    foreign = reverse(
        "certificates:staff_download",
        args=[other.publisher.code, session.activity_id, profile.user.pk],
    )
    assert client.get(foreign).status_code == 404


def test_it_tells_the_learner_once_when_the_certificate_is_withdrawn(
    django_capture_on_commit_callbacks, mailoutbox
):
    from celedger.credits.models import Claim

    session = activity_with("ama-pra-1")
    profile = learner("MD")
    with django_capture_on_commit_callbacks(execute=True):
        claimed(profile, session)
    staff = StaffMembershipFactory(publisher=session.activity.publisher).user
    with django_capture_on_commit_callbacks(execute=True):
        claim_revoke(actor=staff, claim=Claim.objects.get(), reason="Did not attend")

    notices = [m for m in mailoutbox if "withdrawn" in m.subject]
    assert len(notices) == 1 and notices[0].to == [profile.user.email]
    assert "no longer valid" in notices[0].body and not notices[0].attachments
    assert "/verify/" in notices[0].body


def pdf_reading_order(content: bytes, tmp_path) -> str:
    """The PDF's text in reading order (no column interleaving), whitespace collapsed."""
    path = tmp_path / "reading.pdf"
    path.write_bytes(content)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(out.split())


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils reads the PDF")
def test_a_jointly_accredited_publishers_certificate_carries_the_ja_statement(tmp_path):
    session = activity_with("ama-pra-1", hours="1.00")
    publisher = session.activity.publisher
    publisher.accreditation_statement = ""
    publisher.is_jointly_accredited = True
    publisher.save()
    text = pdf_reading_order(claimed(learner("MD"), session).pdf.read(), tmp_path)
    assert f"In support of improving patient care, {publisher.name} is jointly accredited" in text
    assert "designates this live activity for a maximum of 1 AMA PRA Category 1 Credit™." in text
    assert "Credits™" not in text


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils reads the PDF")
def test_a_certificate_prints_the_acpe_activity_type_ceus_and_record_line(tmp_path):
    session = activity_with("acpe-p", hours="1.50")
    session.activity.designations.update(acpe_activity_type="application")
    profile = learner("PharmD", nabp_eprofile_id="1234567", birth_month=1, birth_day=2)
    text = pdf_reading_order(claimed(profile, session, "acpe-p").pdf.read(), tmp_path)
    assert "Application-based activity" in text
    assert "approved for 1.5 contact hours (0.15 CEUs)" in text
    assert "official record of this credit is the pharmacist's NABP e-Profile" in text


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12"])
def test_it_dates_the_certificate_in_the_publishers_zone(tmp_path, zone):
    # UTC+14 and UTC-12: at any hour one of the two is on another day than UTC.
    session = activity_with("ama-pra-1", publisher__time_zone=zone)
    issued = timezone.localdate(timezone=ZoneInfo(zone))
    text = pdf_text(claimed(learner("MD"), session).pdf.read(), tmp_path)
    assert f"Issued {issued:%B} {issued.day}, {issued.year}" in " ".join(text.split())


def test_a_current_certificate_is_sent_from_its_stored_copy_without_a_lock(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    certificate = claimed(profile, session)
    client.force_login(profile.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("certificates:mine", args=[session.activity_id]))
    sql = [q["sql"] for q in queries.captured_queries]
    # django session, user, activity; the certificate, the claims and the profile with its
    # credentials it was rendered from (compared by fingerprint): nothing written or locked.
    assert len(sql) == 7, sql
    assert not [s for s in sql if "FOR UPDATE" in s or s.startswith(("INSERT", "UPDATE"))]
    assert not [s for s in sql if s.startswith("SAVEPOINT")]
    with certificate.pdf.open("rb") as stored:
        assert response.getvalue() == stored.read()
    assert response["Cache-Control"] == "private, no-store"


def test_a_stale_copy_is_rendered_again_when_downloaded(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD", last_name="Okafor")
    first = claimed(profile, session)
    LearnerProfile.objects.filter(pk=profile.pk).update(last_name="Okafor-Nunez")
    client.force_login(profile.user)
    response = client.get(reverse("certificates:download", args=[first.pk]))
    assert response.status_code == 200
    current = Certificate.objects.get()
    assert current.version == 2 and current.pdf.name != first.pdf.name
    with current.pdf.open("rb") as stored:
        assert response.getvalue() == stored.read()


def test_a_missing_copy_renders_in_the_request_in_one_short_transaction(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    )
    client.force_login(profile.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("certificates:mine", args=[session.activity_id]))
    assert response.status_code == 200 and response.getvalue().startswith(b"%PDF")
    sql = [
        "SAVEPOINT"
        if q["sql"].startswith("SAVEPOINT")
        else "RELEASE"
        if q["sql"].startswith("RELEASE")
        else q["sql"].split('"')[0] + q["sql"].split('"')[1]
        for q in queries.captured_queries
    ]
    # django session, user, activity; no certificate yet, its claims. Then, locked: the
    # certificate (none), created in a savepoint (a racing worker's wins), audited; the
    # profile and its credentials, the publisher's statements; version 1 and the PDF's
    # name. Not read: the activity again per designation, earlier versions of a new one.
    assert sql == [
        "SELECT django_session",
        "SELECT accounts_user",
        "SELECT activities_activity",
        "SELECT certificates_certificate",
        "SELECT credits_claim",
        "SAVEPOINT",  # BEGIN outside a test's transaction
        "SELECT certificates_certificate",
        "SAVEPOINT",
        "INSERT INTO certificates_certificate",
        "RELEASE",
        "INSERT INTO core_auditevent",
        "SELECT profiles_learnerprofile",
        "SELECT (profiles_learnerprofile_credentials",
        "SELECT publishers_designationstatement",
        "INSERT INTO certificates_certificateversion",
        "UPDATE certificates_certificate",
        "RELEASE",  # COMMIT
    ], sql


def test_the_logo_is_read_once_per_process_and_a_new_logo_is_used(tmp_path, monkeypatch):
    from django.core.files.base import ContentFile

    from celedger.certificates import services

    session = activity_with("ama-pra-1")
    publisher = session.activity.publisher
    publisher.logo.save("logo.png", ContentFile(b"\x89PNG first"))
    services._logo_data_url_stored.cache_clear()
    opened = []
    storage = publisher.logo.storage
    real_open = storage.open
    monkeypatch.setattr(
        storage, "open", lambda name, mode="rb": opened.append(name) or real_open(name, mode)
    )
    first = services._logo_data_url(publisher)
    assert services._logo_data_url(publisher) == first and len(opened) == 1
    publisher.logo.save("logo.png", ContentFile(b"\x89PNG second"))  # stored under a new name
    assert services._logo_data_url(publisher) != first and len(opened) == 2


def test_the_workers_warm_up_renders_a_certificate_without_the_database():
    # Not marked django_db: a query here would fail the test (gunicorn runs it before the
    # worker takes requests, and a database that is down must not stop the worker).
    from celedger.certificates.services import STYLESHEETS, certificate_sample_html
    from celedger.core import pdf

    assert pdf._warm_up_pages[certificate_sample_html] == STYLESHEETS
    html = certificate_sample_html()
    assert "Certificate of credit" in html and "data:image/png;base64," in html
    assert pdf.html_to_pdf(html, stylesheets=STYLESHEETS).startswith(b"%PDF")


def test_a_certificates_style_is_parsed_once_per_process_and_its_page_stays_letter(
    monkeypatch,
):
    # WeasyPrint parsed the certificate's whole <style> (and built its selector matcher)
    # on every render; now the style sheets are parsed once per process (core.pdf) and a
    # render parses only the document's own <style>: its @page rule, which WeasyPrint
    # reads only there (lost, the page would be A4).
    from io import BytesIO

    from pypdf import PdfReader
    from weasyprint import CSS

    from celedger.certificates.services import STYLESHEETS, certificate_sample_html
    from celedger.core import pdf

    parsed: list[int] = []
    real_init = CSS.__init__

    def counting(self, *args, **kwargs):
        parsed.append(len(kwargs.get("string") or ""))
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(CSS, "__init__", counting)
    pdf._parsed.cache_clear()
    html = certificate_sample_html()
    first = pdf.html_to_pdf(html, stylesheets=STYLESHEETS)
    assert max(parsed) > 1000  # the shared style, parsed for the first render
    parsed.clear()
    for _ in range(2):
        pdf.html_to_pdf(html, stylesheets=STYLESHEETS)
    assert len(parsed) == 2 and max(parsed) < 100, parsed  # only the @page rule, each
    page = PdfReader(BytesIO(first)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_after_a_claim_the_worker_renders_the_certificate_before_slower_work(settings):
    from celedger.core.models import OutboxMessage
    from celedger.core.outbox import outbox_deliver_pending

    settings.OUTBOX_DELIVER_ON_COMMIT = False  # as in production: the worker delivers
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    )
    outbox_email(to=["someone@example.org"], subject="Queued before", body="-")
    # The claim's message first (urgent), though the email is as old.
    assert outbox_deliver_pending(limit=1) == 1
    assert OutboxMessage.objects.get(kind="credits.claims_changed").status == "delivered"
    # It recorded the certificate's refresh and the reporting recompute; the refresh goes
    # next, before the email and the recompute queued with it.
    assert outbox_deliver_pending(limit=1) == 1
    assert Certificate.objects.get(learner=profile.user).pdf
    pending = set(OutboxMessage.objects.filter(status="pending").values_list("kind", flat=True))
    # (and the profile's own reporting recheck, from creating the learner)
    assert {"core.email", "reporting.records_recompute"} <= pending
    assert not {kind for kind in pending if kind.startswith(("credits.", "certificates."))}
