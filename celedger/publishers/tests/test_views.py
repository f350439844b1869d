import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.core.models import AuditEvent
from celedger.publishers.models import DesignationStatement, StaffMembership
from celedger.publishers.tests.factories import StaffMembershipFactory

Role = StaffMembership.Role


@pytest.mark.django_db
def test_it_sends_staff_of_one_publisher_straight_to_its_dashboard(
    login: Any, publisher: Any
) -> None:
    response = login("coordinator").get(reverse("publishers:console"))
    assert response.status_code == 302
    assert response["Location"] == reverse("publishers:dashboard", args=[publisher.code])


@pytest.mark.django_db
def test_it_lists_every_publisher_of_multi_publisher_staff(
    client: Any, publisher: Any, other_publisher: Any
) -> None:
    user = StaffMembershipFactory(publisher=publisher, role=Role.VIEWER).user
    StaffMembershipFactory(user=user, publisher=other_publisher, role=Role.ADMIN)
    client.force_login(user)
    body = client.get(reverse("publishers:console")).content.decode()
    assert publisher.name in body and other_publisher.name in body


@pytest.mark.django_db
def test_it_tells_a_learner_they_are_not_staff(login: Any) -> None:
    body = login("learner").get(reverse("publishers:console")).content.decode()
    assert "not on the staff" in body


@pytest.mark.django_db
def test_it_lists_activities_on_the_dashboard_in_constant_queries(
    login: Any, publisher: Any, other_publisher: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("viewer")
    ActivityFactory(publisher=other_publisher, title="Not ours")
    url = reverse("publishers:dashboard", args=[publisher.code])
    # membership+publisher, activities with counts; auth session and user, header
    # memberships, profile reminder.
    with django_assert_max_num_queries(6):
        client.get(url)
    for n in range(15):
        activity = ActivityFactory(publisher=publisher, title=f"Course {n}")
        SessionFactory(activity=activity)
        CreditDesignationFactory(activity=activity)
    with django_assert_max_num_queries(6):
        body = client.get(url).content.decode()
    assert "Course 14" in body
    assert "Not ours" not in body


@pytest.mark.django_db
def test_it_saves_settings_statements_and_a_logo_with_an_audit(login: Any, publisher: Any) -> None:
    ama = CreditTypeFactory(code="ama-pra-1")
    logo = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (40, 20), "navy").save(logo, "PNG")
    response = login("admin").post(
        reverse("publishers:settings", args=[publisher.code]),
        {
            "name": "Lakeside Health System",
            "contact_email": "cme@lakeside.example.org",
            "liaison_name": "Jordan Reyes",
            "time_zone": "America/Chicago",
            "accreditation_statement": "Jointly accredited.",
            "acpe_provider_number": "0123",
            f"st-statement_{ama.pk}": "{provider} designates this for {amount} credits.",
            "logo": SimpleUploadedFile("logo.png", logo.getvalue(), content_type="image/png"),
        },
    )
    assert response.status_code == 302
    publisher.refresh_from_db()
    assert publisher.time_zone == "America/Chicago"
    assert publisher.logo.name.startswith("publisher-logos/")
    assert DesignationStatement.objects.get(publisher=publisher, credit_type=ama).statement
    audit = AuditEvent.objects.get(action="publisher.update")
    assert audit.new_values["liaison_name"] == "Jordan Reyes"


@pytest.mark.django_db
def test_it_keeps_input_and_explains_a_bad_email_on_settings(login: Any, publisher: Any) -> None:
    response = login("admin").post(
        reverse("publishers:settings", args=[publisher.code]),
        {"name": "Kept name", "contact_email": "not-an-email", "time_zone": "UTC"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid email address." in body
    assert 'value="Kept name"' in body


@pytest.mark.django_db
def test_it_adds_changes_and_removes_staff_with_audit(login: Any, publisher: Any) -> None:
    client = login("admin")
    newcomer = UserFactory(email="New.Person@example.org")
    url = reverse("publishers:staff", args=[publisher.code])
    assert (
        client.post(url, {"email": "new.person@EXAMPLE.org", "role": "viewer"}).status_code == 302
    )
    membership = StaffMembership.objects.get(user=newcomer, publisher=publisher)
    assert membership.role == Role.VIEWER
    client.post(
        reverse("publishers:staff_role", args=[publisher.code, membership.pk]),
        {f"m{membership.pk}-role": "coordinator"},
    )
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR
    client.post(reverse("publishers:staff_remove", args=[publisher.code, membership.pk]))
    assert not StaffMembership.objects.filter(pk=membership.pk).exists()
    assert list(
        AuditEvent.objects.filter(object_type="publishers.staffmembership")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["staff.add", "staff.role", "staff.remove"]


@pytest.mark.django_db
def test_it_invites_an_email_without_an_account(
    login: Any, publisher: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = login("admin").post(
            reverse("publishers:staff", args=[publisher.code]),
            {"email": "nobody@example.org", "role": "viewer"},
            follow=True,
        )
    body = response.content.decode()
    assert "an invitation was emailed" in body
    assert "Pending invitations" in body and "nobody@example.org" in body
    assert [m.to for m in mailoutbox] == [["nobody@example.org"]]
    assert not StaffMembership.objects.filter(user__email="nobody@example.org").exists()


@pytest.mark.django_db
def test_it_refuses_to_add_someone_twice(
    login: Any, people: dict[str, Any], publisher: Any
) -> None:
    response = login("admin").post(
        reverse("publishers:staff", args=[publisher.code]),
        {"email": people["viewer"].email, "role": "admin"},
    )
    assert "already on the staff" in response.content.decode()
    assert StaffMembership.objects.get(user=people["viewer"]).role == Role.VIEWER


@pytest.mark.django_db
def test_it_keeps_the_last_admin(login: Any, people: dict[str, Any], publisher: Any) -> None:
    client = login("admin")
    own = StaffMembership.objects.get(user=people["admin"], publisher=publisher)
    client.post(
        reverse("publishers:staff_role", args=[publisher.code, own.pk]),
        {f"m{own.pk}-role": "viewer"},
    )
    client.post(reverse("publishers:staff_remove", args=[publisher.code, own.pk]))
    own.refresh_from_db()
    assert own.role == Role.ADMIN


@pytest.mark.django_db
def test_the_header_links_staff_to_the_console_without_a_statement_of_its_own(
    client: Any, people: dict[str, Any], publisher: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    learner = people["learner"]
    client.force_login(learner)
    assert "Provider console" not in client.get(reverse("home")).content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    # Only inside the session user's read (with the user and the profile).
    asked = [
        q["sql"] for q in queries.captured_queries if "publishers_staffmembership" in q["sql"]
    ]
    assert len(asked) == 1 and asked[0].startswith('SELECT "accounts_user"."id"')

    StaffMembershipFactory(user=learner, publisher=publisher, role=Role.VIEWER)
    assert "Provider console" in client.get(reverse("home")).content.decode()
