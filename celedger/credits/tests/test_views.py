import csv
import datetime
import io
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from celedger.activities.models import Attendance
from celedger.activities.tests.factories import SessionFactory
from celedger.credits.models import Claim, ExternalCredit, TranscriptPdf
from celedger.credits.services import NOT_A_PARTICIPANT, claim_submit
from celedger.credits.tests.helpers import activity_with, claim_in_full, hours_for, learner
from celedger.evaluations.models import ActivityEvaluation
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import StaffMembershipFactory

pytestmark = pytest.mark.django_db


def claim_url(session):
    return reverse("credits:claim", args=[session.event_id])


def post_claim(client, session, hours="1.50", code="ama-pra-1", attested=True):
    [(designation_id, _)] = hours_for(session, code).items()
    data = {f"hours_{designation_id}": hours}
    if attested:
        data["attested"] = "on"
    return client.post(claim_url(session), data)


def test_it_shows_eligible_credit_prefilled_with_the_maximum(client):
    session = activity_with("ama-pra-1", "acpe-p")
    profile = learner("MD")
    client.force_login(profile.user)
    response = client.get(claim_url(session))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="1.50"' in body and "I attest that I participated" in body


def test_it_links_the_pharmacist_to_the_profile_and_back(client):
    session = activity_with("acpe-p")
    profile = learner("PharmD")
    client.force_login(profile.user)
    body = client.get(claim_url(session)).content.decode()
    assert "NABP e-Profile ID and birth date" in body
    assert f"/profile/?next=%2Fe%2F{session.event_id}%2Fclaim%2F" in body


def test_it_claims_then_shows_the_claim_and_certificate(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    client.force_login(profile.user)
    response = post_claim(client, session, "1.25")
    assert response.status_code == 302
    body = client.get(claim_url(session)).content.decode()
    assert "1.25" in body
    assert reverse("certificates:mine", args=[session.activity_id]) in body


def test_it_ignores_a_resubmitted_form_and_a_second_tab(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    client.force_login(profile.user)
    post_claim(client, session, "1.25")
    response = post_claim(client, session, "0.50")
    assert response.status_code == 302
    follow = client.get(response.url).content.decode()
    assert "already claimed" in follow
    assert list(Claim.objects.values_list("hours", flat=True)) == [Decimal("1.25")]


def test_it_keeps_input_and_shows_errors_next_to_the_field(client):
    session = activity_with("ama-pra-1")
    client.force_login(learner("MD").user)
    response = post_claim(client, session, "0.30", attested=False)
    assert response.status_code == 200
    body = response.content.decode()
    assert "quarter-hour steps" in body and "Tick the attestation" in body
    assert 'value="0.30"' in body
    assert not Claim.objects.exists()


def test_it_sends_the_learner_to_the_evaluation_first(client):
    session = activity_with("ama-pra-1")
    ActivityEvaluation.objects.create(activity=session.activity)
    client.force_login(learner("MD").user)
    response = client.get(claim_url(session))
    assert response.status_code == 302
    assert response.url == reverse("evaluations:evaluate", args=[session.event_id])


def test_it_requires_a_verified_email_and_offers_to_resend(client, mailoutbox):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    EmailAddress.objects.filter(user=profile.user).update(verified=False)
    client.force_login(profile.user)
    body = client.get(claim_url(session)).content.decode()
    assert "Confirm your email first" in body and "Claim credit</button>" not in body
    post_claim(client, session)
    assert not Claim.objects.exists()
    for _ in range(3):
        response = client.post(
            reverse("credits:resend_verification"), {"next": claim_url(session)}
        )
        assert response.url == claim_url(session)
    assert len(mailoutbox) == 1  # rate limited like allauth's own resend


def test_it_says_when_the_window_closed_in_the_publishers_time(client):
    session = activity_with("ama-pra-1")
    activity = session.activity
    activity.claim_closes_at = session.starts_at
    activity.save()
    client.force_login(learner("MD").user)
    body = client.get(claim_url(session)).content.decode()
    assert "claim period ended" in body and ("EST" in body or "EDT" in body)


def test_it_sends_anonymous_visitors_to_sign_in(client):
    session = activity_with("ama-pra-1")
    response = client.get(claim_url(session))
    assert response.status_code == 302 and "login" in response.url


def test_it_404s_for_unknown_event_ids(client):
    client.force_login(learner("MD").user)
    assert client.get(reverse("credits:claim", args=["ZZZZZZ"])).status_code == 404


# Transcript ---------------------------------------------------------------------


def claim_many(profile, count, code="ama-pra-1"):
    for _ in range(count):
        session = activity_with(code, hours="1.00")
        claim_submit(
            learner=profile.user,
            session=session,
            hours_by_designation=hours_for(session, code),
            attested=True,
        )


def test_it_lists_claims_with_totals_and_filters(client):
    profile = learner("MD", "RN")
    claim_many(profile, 2, "ama-pra-1")
    claim_many(profile, 1, "ancc")
    client.force_login(profile.user)
    response = client.get(reverse("credits:transcript"))
    totals = {name: hours for name, _, hours in response.context["transcript"].totals}
    assert totals == {
        "AMA PRA Category 1 Credit™": Decimal("2.00"),
        "ANCC nursing contact hours": Decimal("1.00"),
    }
    response = client.get(reverse("credits:transcript"), {"credit_type": "ancc"})
    assert len(response.context["transcript"].rows) == 1
    response = client.get(
        reverse("credits:transcript"), {"date_from": "2030-01-01", "date_to": "2029-01-01"}
    )
    assert "end date is before" in response.content.decode()


def test_it_warns_about_a_placeholder_license(client):
    profile = learner("MD", license_number="0000")
    client.force_login(profile.user)
    body = client.get(reverse("credits:transcript")).content.decode()
    assert "License number missing" in body
    assert f'<a href="{reverse("profiles:edit")}">Add it to your profile</a>' in body


def test_it_shows_only_the_learners_own_claims(client):
    mine, other = learner("MD"), learner("MD")
    claim_many(other, 1)
    client.force_login(mine.user)
    assert client.get(reverse("credits:transcript")).context["transcript"].rows == []


def test_it_exports_the_transcript_as_csv_and_pdf(client):
    profile = learner("MD")
    claim_many(profile, 2)
    client.force_login(profile.user)
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("credits:transcript_csv")).content.decode()))
    )
    assert len(rows) == 3 and rows[0][:3] == ["Date", "Activity", "Session"]
    assert rows[1][5] == "1.00"
    pdf = client.get(reverse("credits:transcript_pdf"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries), response


def bulk_claims(learners_and_sessions, designation):
    Claim.objects.bulk_create(
        Claim(
            learner=user,
            session=session,
            designation=designation,
            hours=Decimal("1.00"),
            max_hours=Decimal("1.00"),
            participated_on=session.starts_at.date(),
            attested_at=timezone.now(),
        )
        for user, session in learners_and_sessions
    )


def test_it_pages_a_500_claim_transcript_in_constant_queries(client, django_assert_num_queries):
    profile = learner("MD")
    session = activity_with("ama-pra-1", hours="1.00")
    designation = session.activity.designations.get()
    bulk_claims([(profile.user, session)], designation)
    client.force_login(profile.user)
    url = reverse("credits:transcript")
    client.get(url)  # the header's console link is cached per user from then on
    with_one, _ = count_queries(client, url)
    more = [SessionFactory(activity=session.activity) for _ in range(499)]
    bulk_claims([(profile.user, s) for s in more], designation)
    # session (1), the user with their profile (1), the filters' choices (1), totals with
    # the count (1), the page's rows (1), external credit (1).
    with django_assert_num_queries(6):
        response = client.get(url, {"page": "3"})
    assert with_one == 6
    page = response.context["page_obj"]
    assert page.number == 3 and page.paginator.num_pages == 10
    assert len(response.context["transcript"].rows) == 50
    body = response.content.decode()
    assert "500 AMA PRA Category 1 Credits™" in body and "Showing 101–150 of 500 credits" in body
    # Every row links its certificate, built once for the page.
    link = reverse("certificates:mine", args=[session.activity_id])
    assert body.count(f'href="{link}"') == 50
    # The download links carry the filters, never the page.
    assert "transcript/pdf/?page" not in body and "transcript/csv/?page" not in body


def test_it_pages_newest_first_and_keeps_the_filters(client):
    profile = learner("MD", "RN")
    claim_many(profile, 3, "ancc")
    claim_many(profile, 2, "ama-pra-1")
    client.force_login(profile.user)
    url = reverse("credits:transcript")
    everything = client.get(url).context["transcript"]
    assert everything.count == 5 and len(everything.rows) == 5
    ids = [r.claim_id for r in everything.rows]
    assert ids == sorted(ids, reverse=True)  # same day: the latest claim first
    filtered = client.get(url, {"credit_type": "ancc", "page": "99"}).context
    assert filtered["transcript"].count == 3 and filtered["page_obj"].number == 1
    [(name, _, hours)] = filtered["transcript"].totals
    assert (name, hours) == ("ANCC nursing contact hours", Decimal("3.00"))


def test_it_puts_external_credit_in_the_csv_and_pdf_as_on_the_page(client):
    profile = learner("MD")
    claim_many(profile, 1)
    ExternalCredit.objects.create(
        learner=profile.user,
        publisher=Claim.objects.get().session.activity.publisher,
        activity_title="Grand Rounds 2019",
        provider_name="Old System Hospital",
        completed_on=datetime.date(2019, 5, 1),
        credit_type_label="AMA PRA Cat 1",
        hours=Decimal("2.00"),
        source="import.csv",
        source_key="k1",
    )
    client.force_login(profile.user)
    assert "Grand Rounds 2019" in client.get(reverse("credits:transcript")).content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("credits:transcript_csv")).content.decode()))
    )
    assert rows[-1][:2] == ["2019-05-01", "Grand Rounds 2019"]
    assert rows[-1][5] == "2.00" and rows[-1][-1] == "external (imported)"
    assert rows[0][5:7] == ["Amount", "Unit"]
    assert rows[1][-1] == "CE Ledger"
    pdf = client.get(reverse("credits:transcript_pdf")).content
    assert "Grand Rounds 2019 (external)" in pdf_text(pdf)


def test_it_builds_a_long_transcript_pdf_in_the_background(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("celedger.credits.views.TRANSCRIPT_PDF_IN_REQUEST", 2)
    profile = learner("MD")
    claim_many(profile, 3)
    client.force_login(profile.user)
    # A GET only offers the build: nothing is queued by reading a page.
    offer = client.get(reverse("credits:transcript_pdf"), {"credit_type": "ama-pra-1"})
    assert offer["Content-Type"].startswith("text/html")
    assert "3 credits" in offer.content.decode() and not TranscriptPdf.objects.exists()
    start = reverse("credits:transcript_pdf_start") + "?credit_type=ama-pra-1"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start)
    job = TranscriptPdf.objects.get()
    assert response.url == reverse("credits:transcript_pdf_status", args=[job.pk])
    assert job.params["credit_type"] == "ama-pra-1"
    # The outbox delivered it after the commit (tests deliver in-process).
    assert (job.stage, job.rows, job.pages) == ("done", 3, 1)
    page = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    download = reverse("credits:transcript_pdf_download", args=[job.pk])
    assert download in page and "hx-trigger" not in page
    pdf = b"".join(client.get(download).streaming_content)
    assert "Credit claimed" in pdf_text(pdf)
    # Someone else's job is not found.
    client.force_login(learner("MD").user)
    assert client.get(response.url).status_code == 404
    assert client.get(download).status_code == 404


def test_it_shows_progress_while_the_pdf_waits_and_queues_it_once(client, monkeypatch):
    # No worker has run yet: the commit callbacks are not run in this test.
    monkeypatch.setattr("celedger.credits.views.TRANSCRIPT_PDF_IN_REQUEST", 0)
    profile = learner("MD")
    claim_many(profile, 1)
    client.force_login(profile.user)
    first = client.post(reverse("credits:transcript_pdf_start"))
    again = client.post(reverse("credits:transcript_pdf_start"))
    assert first.url == again.url and TranscriptPdf.objects.count() == 1
    page = client.get(first.url).content.decode()
    assert "Waiting for the worker" in page and "<progress" in page and "every 1s" in page
    job = TranscriptPdf.objects.get()
    assert client.get(reverse("credits:transcript_pdf_download", args=[job.pk])).status_code == 404


# Roster -------------------------------------------------------------------------


def staff_of(publisher, role=StaffMembership.Role.COORDINATOR):
    return StaffMembershipFactory(publisher=publisher, role=role).user


def test_it_shows_the_roster_to_staff_and_hides_it_from_outsiders(client):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    Attendance.objects.create(session=session, learner=profile.user)
    publisher = session.activity.publisher
    url = reverse("credits:roster", args=[publisher.code, session.activity_id])
    client.force_login(staff_of(publisher, StaffMembership.Role.VIEWER))
    body = client.get(url).content.decode()
    assert profile.user.email in body and "Award credit" not in body
    outsider = StaffMembershipFactory().user
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(profile.user)
    assert client.get(url).status_code == 404


def test_it_lets_coordinators_award_by_email_but_not_viewers(client):
    session = activity_with("ama-pra-1")
    publisher = session.activity.publisher
    profile = learner("MD")
    designation = session.activity.designations.get()
    url = reverse("credits:roster_award", args=[publisher.code, session.activity_id])
    data = {
        "email": profile.user.email.upper(),
        "session": session.pk,
        "designation": designation.pk,
        "hours": "1.00",
        "reason": "Late claim",
    }
    client.force_login(staff_of(publisher, StaffMembership.Role.VIEWER))
    assert client.post(url, data).status_code == 403
    client.force_login(staff_of(publisher))
    # A learner who never took part reads exactly like an email with no account.
    stranger = learner("MD")
    elsewhere = client.post(url, {**data, "email": stranger.user.email})
    nobody = client.post(url, {**data, "email": "nobody@example.org"})
    assert elsewhere.status_code == nobody.status_code == 400
    assert NOT_A_PARTICIPANT in elsewhere.content.decode()
    assert NOT_A_PARTICIPANT in nobody.content.decode()
    assert not Claim.objects.exists()
    Attendance.objects.create(session=session, learner=profile.user)
    assert client.post(url, data).status_code == 302
    assert Claim.objects.get().awarded_by is not None


def test_it_corrects_and_revokes_from_the_claim_page(client):
    session = activity_with("ama-pra-1")
    publisher = session.activity.publisher
    profile = learner("MD")
    claim = claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1"),
        attested=True,
    ).created[0]
    url = reverse("credits:claim_manage", args=[publisher.code, claim.pk])
    client.force_login(staff_of(publisher, StaffMembership.Role.VIEWER))
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "revoke", "revoke-reason": "x"}).status_code == 403
    client.force_login(staff_of(publisher))
    bad = client.post(url, {"action": "correct", "correct-hours": "9", "correct-reason": "x"})
    assert bad.status_code == 400
    client.post(url, {"action": "correct", "correct-hours": "1.00", "correct-reason": "Left"})
    client.post(url, {"action": "revoke", "revoke-reason": "Not there"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVOKED and claim.hours == Decimal("1.00")
    body = client.get(url).content.decode()
    assert "claim.correct" in body and "claim.revoke" in body and "Not there" in body
    client.force_login(StaffMembershipFactory().user)
    assert client.get(url).status_code == 404


def test_it_exports_the_roster_as_csv_and_xlsx(client):
    session = activity_with("ama-pra-1")
    publisher = session.activity.publisher
    profile = learner("MD")
    claim_in_full(profile, session)
    client.force_login(staff_of(publisher, StaffMembership.Role.VIEWER))
    base = [publisher.code, session.activity_id]
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("credits:roster_export", args=[*base, "csv"])).content.decode()
            )
        )
    )
    assert rows[1][3] == profile.user.email and rows[1][-1] == "1.50"
    xlsx = client.get(reverse("credits:roster_export", args=[*base, "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert sheet.cell(row=2, column=4).value == profile.user.email
    assert sheet.cell(row=2, column=9).value == 1.5
    assert client.get(reverse("credits:roster_export", args=[*base, "pdf"])).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["", "?page=2", "?page=20", "?q=roster19", "?status=attended-unclaimed&page=3"],
)
def test_it_renders_a_2000_learner_roster_in_constant_queries(
    client, django_assert_max_num_queries, query
):
    from celedger.accounts.models import User
    from celedger.profiles.models import LearnerProfile

    session = activity_with("ama-pra-1", hours="1.00")
    designation = session.activity.designations.get()
    publisher = session.activity.publisher
    client.force_login(staff_of(publisher))
    url = reverse("credits:roster", args=[publisher.code, session.activity_id])
    # Not claimed, so every query below finds this learner when alone too.
    first = learner("MD", last_name="Roster19a")
    Attendance.objects.create(session=session, learner=first.user)
    client.get(url)  # the header's console link is cached per user from then on
    with_one, _ = count_queries(client, url + query)

    users = User.objects.bulk_create(User(email=f"roster{i}@example.org") for i in range(1999))
    LearnerProfile.objects.bulk_create(
        LearnerProfile(
            user=u,
            first_name="Avery",
            last_name=f"Roster{i:04d}",
            last_name_key=f"roster{i:04d}",
            profession=first.profession,
            specialty=first.specialty,
            address1="1 Main Street",
            city="Livonia",
            state="MI",
            postal_code="48154",
            phone=first.phone,
            status=first.status,
            license_number="LIC",
        )
        for i, u in enumerate(users)
    )
    Attendance.objects.bulk_create(Attendance(session=session, learner=u) for u in users)
    bulk_claims([(u, session) for u in users[:1000]], designation)
    # session + user (2), membership with publisher (1), activity (1); sessions (1);
    # the page: its count (1), its learners with profile and profession (1), their
    # attendances, responses and claims (3); totals: learner counts and hours (2); the
    # award form's sessions and designations (2); the header's profile (1; its console
    # link is cached); the page's flags: the evaluation setup (1), the claim rules'
    # credentials and board certifications (2; the designations with their credit types'
    # professions are the claim page's cached ones).
    with django_assert_max_num_queries(18):
        with_2000, response = count_queries(client, url + query)
    assert with_2000 == with_one
    page = response.context["page_obj"]
    assert len(response.context["rows"]) == len(page.object_list) <= 100
    totals = response.context["totals"]
    assert (totals.learners, totals.attended, totals.claimed) == (2000, 2000, 1000)
    assert [hours for _, _, hours in totals.hours] == [Decimal("1000.00")]
    body = response.content.decode()
    if query == "":
        assert page.paginator.count == 2000 and "Showing 1–100 of 2,000 learners" in body
    elif query == "?page=20":
        assert "Roster1998" in body and "Showing 1,901–2,000 of 2,000" in body
    elif query.startswith("?q="):
        # By email roster19, roster190–199 and roster1900–1998; by name Roster19a.
        assert page.paginator.count == 111 and "Roster0019" in body and "Roster19a" not in body


@pytest.mark.parametrize("build", ["in the request", "in the background"])
def test_the_transcript_pdf_is_dated_where_the_learner_is_not_in_utc(
    client, monkeypatch, django_capture_on_commit_callbacks, build
):
    from celedger.publishers.models import Publisher

    profile = learner("MD")
    claim_many(profile, 1)
    Publisher.objects.update(time_zone="America/Chicago")
    client.force_login(profile.user)
    # 00:30 UTC on December 2 is still the evening of December 1 in Chicago.
    just_after_midnight = datetime.datetime(2026, 12, 2, 0, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: just_after_midnight)
    if build == "in the request":
        pdf = client.get(reverse("credits:transcript_pdf")).content
    else:
        monkeypatch.setattr("celedger.credits.views.TRANSCRIPT_PDF_IN_REQUEST", 0)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("credits:transcript_pdf_start"))
        job = TranscriptPdf.objects.get()
        download = reverse("credits:transcript_pdf_download", args=[job.pk])
        pdf = b"".join(client.get(download).streaming_content)
    text = " ".join(pdf_text(pdf).split())
    assert "Issued December 1, 2026" in text, text
