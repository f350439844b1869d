import datetime
import io
import re
import subprocess
import zipfile
from typing import Any

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from celedger.accounts.tests.factories import UserFactory
from celedger.activities.models import Activity
from celedger.core.files import private_storage
from celedger.core.models import AuditEvent
from celedger.integrity.models import (
    CommercialSupport,
    ContentRole,
    Disclosure,
    RelationshipReview,
)
from celedger.integrity.selectors import PersonState, activity_integrity
from celedger.integrity.tests.factories import (
    PDF_BYTES,
    ContentRoleFactory,
    DisclosureFactory,
    RelationshipFactory,
    discloser,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://\S+/disclose/[\w-]+/")


def _page_url(activity: Any, name: str = "integrity:activity", *extra: Any) -> str:
    return reverse(name, args=[activity.publisher.code, activity.pk, *extra])


def _relationship_post(company: str = "", nature: str = "", **extra: str) -> dict[str, str]:
    data = {
        "rel-TOTAL_FORMS": "3",
        "rel-INITIAL_FORMS": "0",
        "rel-MIN_NUM_FORMS": "0",
        "rel-MAX_NUM_FORMS": "30",
        "rel-0-company": company,
        "rel-0-nature": nature,
        "attest": "on",
        "has_relationships": "yes" if company else "no",
    }
    data.update(extra)
    return data


def test_it_adds_a_speaker_by_email_and_sends_the_personal_link(
    login: Any, activity: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    client = login("coordinator")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _page_url(activity, "integrity:role_add"),
            {"name": "Dr. Ana Ruiz", "email": "ana.ruiz@example.org", "role": "faculty"},
        )
    assert response.status_code == 302
    role = ContentRole.objects.get()
    assert role.person is None and role.invited_by == people["coordinator"]
    (message,) = mail.outbox
    assert message.to == ["ana.ruiz@example.org"]
    assert role.token in message.body and "24 months" in message.body
    assert AuditEvent.objects.filter(action="integrity.role_add", object_id=str(role.pk)).exists()
    page = client.get(_page_url(activity)).content.decode()
    assert "Dr. Ana Ruiz" in page and "Disclosure missing" in page


def test_it_keeps_what_was_typed_when_adding_a_person_fails(login: Any, activity: Any) -> None:
    client = login("coordinator")
    response = client.post(
        _page_url(activity, "integrity:role_add"),
        {"name": "Dr. Ana Ruiz", "email": "not-an-email", "role": "faculty"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Dr. Ana Ruiz"' in body and "Enter a valid email address." in body
    assert not ContentRole.objects.exists()


def test_a_new_person_creates_an_account_without_a_profile_and_discloses(
    activity: Any, client: Any
) -> None:
    role = ContentRoleFactory(activity=activity, person=None, email="ana@example.org")
    url = reverse("integrity:invitation", args=[role.token])
    page = client.get(url).content.decode()
    assert "Set a password" in page
    response = client.post(url, {"password1": "short", "password2": "short"})
    assert response.status_code == 400 and "too short" in response.content.decode()
    response = client.post(
        url, {"password1": "a long passphrase 9041", "password2": "a long passphrase 9041"}
    )
    assert response["Location"] == reverse("integrity:disclose", args=[activity.publisher.code])
    role.refresh_from_db()
    assert role.person is not None and role.person.emailaddress_set.get().verified
    assert not hasattr(role.person, "profile") or role.person.profile is None  # type: ignore[attr-defined]

    form = client.get(response["Location"])
    assert form.status_code == 200  # no detour to the learner profile
    response = client.post(response["Location"], _relationship_post("Acme Pharma", "consultant"))
    assert response.status_code == 302
    disclosure = Disclosure.objects.get(person=role.person)
    assert [r.company for r in disclosure.relationships.all()] == ["Acme Pharma"]
    (status,) = activity_integrity(activity=activity).roles
    assert status.state == PersonState.REVIEW


def test_it_says_next_to_the_field_what_is_wrong_with_a_disclosure(
    activity: Any, client: Any
) -> None:
    role = ContentRoleFactory(activity=activity)
    client.force_login(role.person)
    url = reverse("integrity:disclose", args=[activity.publisher.code])
    response = client.post(url, _relationship_post("Acme Pharma", "", attest=""))
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose the nature of the relationship." in body
    assert "This field is required." in body  # the attestation
    assert 'value="Acme Pharma"' in body
    response = client.post(url, _relationship_post(has_relationships="yes"))
    assert "List each relationship below" in response.content.decode()
    assert not Disclosure.objects.exists()


def test_an_existing_account_signs_in_and_continues(activity: Any, client: Any) -> None:
    person = UserFactory(email="known@example.org")
    role = ContentRoleFactory(activity=activity, person=None, email="known@example.org")
    url = reverse("integrity:invitation", args=[role.token])
    assert "Sign in" in client.get(url).content.decode()
    client.force_login(person)
    response = client.post(url)
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.person == person


def test_someone_else_cannot_take_the_link(activity: Any, client: Any) -> None:
    role = ContentRoleFactory(activity=activity, person=None, email="ana@example.org")
    client.force_login(UserFactory(email="mallory@example.org"))
    response = client.post(reverse("integrity:invitation", args=[role.token]))
    assert response.status_code == 400
    assert "another email address" in response.content.decode()
    role.refresh_from_db()
    assert role.person is None
    # And the disclosure form of a publisher they have no role at does not exist for them.
    assert (
        client.get(reverse("integrity:disclose", args=[activity.publisher.code])).status_code
        == 404
    )


def test_an_unknown_or_withdrawn_link_is_a_clear_404(activity: Any, client: Any) -> None:
    assert client.get(reverse("integrity:invitation", args=["nope"])).status_code == 404
    role = ContentRoleFactory(activity=activity, removed_at=timezone.now())
    response = client.get(reverse("integrity:invitation", args=[role.token]))
    assert response.status_code == 404 and "does not work" in response.content.decode()


def test_the_coordinator_reviews_and_mitigates(login: Any, activity: Any) -> None:
    role = discloser(activity, relationships=1)
    relationship = role.person.disclosures.get().relationships.get()
    client = login("coordinator")
    url = _page_url(activity, "integrity:role_review", role.pk)
    prefix = f"r{relationship.pk}"
    response = client.post(url, {f"{prefix}-is_relevant": "yes"})
    assert response.status_code == 400
    assert "Choose at least one mitigation step." in response.content.decode()
    response = client.post(
        url, {f"{prefix}-is_relevant": "yes", f"{prefix}-mitigations": ["peer_review", "evidence"]}
    )
    assert response.status_code == 302
    review = RelationshipReview.objects.get()
    assert review.mitigations == ["peer_review", "evidence"]
    assert activity_integrity(activity=activity).roles[0].state == PersonState.MITIGATED


def test_a_viewer_sees_the_review_but_cannot_save_it(login: Any, activity: Any) -> None:
    role = discloser(activity, relationships=1)
    relationship = role.person.disclosures.get().relationships.get()
    client = login("viewer")
    url = _page_url(activity, "integrity:role_review", role.pk)
    assert client.get(url).status_code == 200
    response = client.post(url, {f"r{relationship.pk}-is_relevant": "no"})
    assert response.status_code == 403
    assert not RelationshipReview.objects.exists()


def test_the_edit_form_says_why_it_cannot_publish(login: Any, publisher: Any) -> None:
    from celedger.activities.tests.factories import ActivityFactory, SessionFactory

    activity = ActivityFactory(publisher=publisher, status=Activity.Status.DRAFT, title="Draft")
    SessionFactory(activity=activity)
    ContentRoleFactory(activity=activity, person=None, email="x@example.org", name="Dr. Late")
    client = login("coordinator")
    response = client.post(
        reverse("activities:console_edit", args=[publisher.code, activity.pk]),
        {
            "title": "Draft, renamed",
            "format": "live",
            "starts_on": activity.starts_on.isoformat(),
            "ends_on": activity.ends_on.isoformat(),
            "status": "published",
            "credit-TOTAL_FORMS": "0",
            "credit-INITIAL_FORMS": "0",
            "credit-MIN_NUM_FORMS": "0",
            "credit-MAX_NUM_FORMS": "30",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dr. Late (faculty) has no current disclosure." in body
    assert 'value="Draft, renamed"' in body
    activity.refresh_from_db()
    assert activity.status == Activity.Status.DRAFT and activity.title == "Draft"


def test_it_stores_the_agreement_privately_and_serves_it_to_staff_only(
    login: Any, activity: Any, client: Any, people: dict[str, Any]
) -> None:
    coordinator = login("coordinator")
    url = _page_url(activity, "integrity:support_add")
    data = {
        "supporter": "Acme Pharma",
        "kind": "monetary",
        "amount": "5000",
        "agreement_signed_on": "2026-01-15",
    }
    not_pdf = SimpleUploadedFile("a.pdf", b"hello", content_type="application/pdf")
    response = coordinator.post(url, {**data, "agreement": not_pdf})
    assert response.status_code == 400
    assert "Upload the signed agreement as a PDF file." in response.content.decode()
    response = coordinator.post(
        url, {**data, "amount": "", "agreement": SimpleUploadedFile("a.pdf", PDF_BYTES)}
    )
    assert "Monetary support needs its amount." in response.content.decode()
    response = coordinator.post(
        url,
        {**data, "agreement": SimpleUploadedFile("Acme contract Dr Smith.pdf", PDF_BYTES)},
    )
    assert response.status_code == 302
    support = CommercialSupport.objects.get()
    assert "Smith" not in support.agreement.name and len(support.agreement.name) > 40
    # In the one private storage, not under MEDIA_ROOT (which a proxy may serve).
    assert support.agreement.storage.open(support.agreement.name).read() == PDF_BYTES
    assert not default_storage.exists(support.agreement.name)
    assert private_storage.exists(support.agreement.name)
    download = _page_url(activity, "integrity:support_agreement", support.pk)
    assert b"".join(coordinator.get(download).streaming_content) == PDF_BYTES
    client.logout()
    client.force_login(people["outsider"])
    assert client.get(download).status_code == 404
    client.force_login(people["learner"])
    assert client.get(download).status_code == 404


def _pdftotext(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def test_the_activity_file_holds_planning_people_mitigation_support_and_audit(
    login: Any, activity: Any
) -> None:
    from celedger.integrity.services import review_save, support_add

    role = discloser(activity, relationships=1)
    relationship = role.person.disclosures.get().relationships.get()
    client = login("coordinator")
    client.post(
        _page_url(activity, "integrity:planning"),
        {"practice_gap": "Sepsis bundles started late", "changes_performance": "on"},
    )
    review_save(
        content_role=role,
        relationship=relationship,
        is_relevant=True,
        mitigations=["peer_review"],
        mitigation_other="",
        actor=role.person,
    )
    support_add(
        activity=activity,
        supporter="Acme Devices",
        kind="in_kind",
        amount=None,
        in_kind_description="Ultrasound units",
        agreement=SimpleUploadedFile("a.pdf", PDF_BYTES),
        agreement_signed_on=datetime.date(2026, 1, 15),
        actor=role.person,
    )
    pdf = client.get(_page_url(activity, "integrity:file_pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(_pdftotext(pdf.content).split())
    for expected in [
        "Sepsis bundles started late",
        "performance",
        role.name,
        "Company 0",
        "Peer review of the content",
        "Acme Devices",
        "Ultrasound units",
        "integrity.review",
    ]:
        assert expected in text, expected
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(_page_url(activity, "integrity:file_zip")).content)
    )
    names = archive.namelist()
    assert names[0] == f"activity-{activity.pk}.pdf"
    assert archive.read(names[1]) == PDF_BYTES


def test_the_program_page_discloses_before_the_content(
    client: Any, activity: Any, django_assert_max_num_queries: Any
) -> None:
    clear = discloser(activity)
    mitigated = discloser(activity, relationships=1)
    relationship = mitigated.person.disclosures.get().relationships.get()
    RelationshipReview.objects.create(
        content_role=mitigated,
        relationship=relationship,
        is_relevant=True,
        mitigations=["peer_review"],
        reviewed_at=timezone.now(),
    )
    CommercialSupport.objects.create(
        activity=activity,
        supporter="Acme Devices",
        kind="monetary",
        amount=1000,
        agreement="private/x.pdf",
        agreement_signed_on=timezone.localdate(),
        created_at=timezone.now(),
    )
    url = reverse("activities:program", args=["K7QM2P"])
    with django_assert_max_num_queries(12):
        body = client.get(url).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert f"{clear.name} (faculty): no relevant financial relationships" in text
    assert f"{mitigated.name} (faculty): Consultant, Company 0" in text
    assert "All relevant financial relationships listed above have been mitigated." in text
    assert "an educational grant from Acme Devices" in text
    assert "1000" not in text  # amounts are for the provider and PARS, not learners
    # Disclosed beside the credit offered, before the learner goes on to the activity's
    # evaluation and credit (the "Next step" panel comes first so a phone shows it at once).
    assert body.index("credit-heading") < body.index("disclosure-heading")


def test_the_program_page_follows_disclosures_after_caching_that_there_are_none(
    client: Any, activity: Any, django_assert_num_queries: Any
) -> None:
    url = reverse("activities:program", args=["K7QM2P"])
    assert "disclosure-heading" not in client.get(url).content.decode()
    support = CommercialSupport.objects.create(
        activity=activity,
        supporter="Acme Devices",
        kind="monetary",
        amount=1000,
        agreement="private/x.pdf",
        agreement_signed_on=timezone.localdate(),
        created_at=timezone.now(),
    )
    assert "an educational grant from Acme Devices" in client.get(url).content.decode()
    support.delete()
    assert "disclosure-heading" not in client.get(url).content.decode()
    role = discloser(activity)
    assert f"{role.name} (faculty)" in client.get(url).content.decode()
    role.removed_at = timezone.now()
    role.save(update_fields=["removed_at"])
    assert "disclosure-heading" not in client.get(url).content.decode()
    # Cached again (signed out): the session by its Event ID and the disclosure flags both
    # come from the cache, so the page runs no query at all.
    with django_assert_num_queries(0):
        client.get(url)


def test_it_tells_learners_when_no_one_has_relevant_relationships(
    client: Any, activity: Any
) -> None:
    discloser(activity)
    body = client.get(reverse("activities:program", args=["K7QM2P"])).content.decode()
    assert "None of the planners, faculty and others in control of the content" in body
    assert "received no commercial support" in body


def test_the_dashboard_badges_what_is_missing_in_constant_queries(
    login: Any, activity: Any, django_assert_max_num_queries: Any
) -> None:
    from celedger.activities.tests.factories import ActivityFactory

    client = login("viewer")
    url = reverse("publishers:dashboard", args=[activity.publisher.code])
    ContentRoleFactory(activity=activity, person=None, email="x@example.org")
    discloser(activity)
    with django_assert_max_num_queries(11):
        body = client.get(url).content.decode()
    assert "1 of 2 missing" in body
    for _ in range(5):
        other = ActivityFactory(publisher=activity.publisher)
        discloser(other, relationships=1)
    # roles, disclosures, relationships, reviews, overrides: the same five for any count.
    with django_assert_max_num_queries(11):
        body = client.get(url).content.decode()
    assert body.count("1 of 1 missing") == 5


def test_reminders_go_once_to_people_with_an_upcoming_role(
    activity: Any, django_capture_on_commit_callbacks: Any
) -> None:
    soon = timezone.localdate() + datetime.timedelta(days=10)
    role = discloser(activity, valid_until=soon)
    # Someone whose only activity has ended is not reminded.
    from celedger.activities.tests.factories import ActivityFactory

    past = ActivityFactory(
        publisher=activity.publisher,
        starts_on=timezone.localdate() - datetime.timedelta(days=60),
        ends_on=timezone.localdate() - datetime.timedelta(days=60),
    )
    discloser(past, valid_until=soon)
    # Nor someone whose disclosure has months left.
    discloser(activity, valid_until=soon + datetime.timedelta(days=90))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("integrity_send_reminders", stdout=out)
    assert "1 disclosure reminder(s) sent." in out.getvalue()
    (message,) = mail.outbox
    assert message.to == [role.person.email]
    assert reverse("integrity:disclose", args=[activity.publisher.code]) in message.body
    call_command("integrity_send_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 1


def test_my_disclosures_lists_roles_and_the_current_disclosure(client: Any, activity: Any) -> None:
    role = discloser(activity)
    client.force_login(role.person)
    body = client.get(reverse("integrity:mine")).content.decode()
    assert activity.title in body and "Current" in body and "Update my disclosure" in body


def test_the_admin_sets_the_validity_period(login: Any, publisher: Any) -> None:
    client = login("admin")
    url = reverse("integrity:policy", args=[publisher.code])
    response = client.post(url, {"valid_months": "30", "reminder_days": "30"})
    assert response.status_code == 400
    assert "less than or equal to 24" in response.content.decode()
    assert client.post(url, {"valid_months": "6", "reminder_days": "14"}).status_code == 302
    assert publisher.integrity_policy.disclosure_valid_months == 6
    assert login("coordinator").get(url).status_code == 403


def test_disclosures_cannot_be_deleted_while_their_person_exists() -> None:
    from django.db.models import ProtectedError

    relationship = RelationshipFactory()
    with pytest.raises(ProtectedError):
        relationship.disclosure.delete()
    with pytest.raises(ProtectedError):
        relationship.disclosure.person.delete()
    assert DisclosureFactory  # the factory module stays importable for the demo


def test_the_evaluation_discloses_before_the_questions(client: Any, activity: Any) -> None:
    from celedger.evaluations.models import ActivityEvaluation
    from celedger.evaluations.tests.factories import EvaluationFormFactory, QuestionFactory
    from celedger.profiles.tests.factories import LearnerProfileFactory

    form = EvaluationFormFactory(publisher=activity.publisher)
    QuestionFactory(form=form, order=1, kind="text", required=False, choices=[])
    ActivityEvaluation.objects.create(activity=activity, form=form)
    role = discloser(activity)
    client.force_login(LearnerProfileFactory().user)
    body = client.get(reverse("evaluations:evaluate", args=["K7QM2P"])).content.decode()
    assert f"{role.name} (faculty)" in body
    assert body.index("disclosure-heading") < body.index('class="evaluation-form"')
