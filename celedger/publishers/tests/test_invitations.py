"""Inviting staff by email: the service rules, the admin's staff page, and the emailed link
as each kind of visitor sees it."""

import datetime
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from celedger.accounts.tests.factories import UserFactory
from celedger.core.models import AuditEvent
from celedger.publishers.models import StaffInvitation, StaffMembership
from celedger.publishers.services import (
    invitation_accept,
    invitation_resend,
    invitation_revoke,
    staff_invite,
)
from celedger.publishers.tests.factories import StaffInvitationFactory

Role = StaffMembership.Role
State = StaffInvitation.State
LINK = re.compile(r"https?://\S+/console/invitations/(\S+)/")


def _days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _link_path(invitation: StaffInvitation) -> str:
    return reverse("publishers:invitation_accept", args=[invitation.token])


@pytest.fixture
def invite(publisher: Any, people: dict[str, Any], django_capture_on_commit_callbacks: Any) -> Any:
    """staff_invite by the publisher's admin, with the after-commit email sent."""

    def run(email: str, role: str = Role.COORDINATOR) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return staff_invite(publisher=publisher, email=email, role=role, actor=people["admin"])

    return run


# Services ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_adds_an_existing_account_at_once_whatever_the_case(
    invite: Any, publisher: Any, mailoutbox: Any
) -> None:
    user = UserFactory(email="dana.lee@example.org")
    membership = invite("Dana.Lee@EXAMPLE.org ", Role.VIEWER)
    assert isinstance(membership, StaffMembership)
    assert (membership.user, membership.publisher, membership.role) == (
        user,
        publisher,
        Role.VIEWER,
    )
    assert not StaffInvitation.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_it_invites_a_new_address_and_emails_the_link_after_commit(
    publisher: Any,
    people: dict[str, Any],
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    people["admin"].first_name, people["admin"].last_name = "Jo", "Reyes"
    people["admin"].save()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = staff_invite(
            publisher=publisher,
            email="new.rn@example.org",
            role="coordinator",
            actor=people["admin"],
        )
    assert isinstance(invitation, StaffInvitation)
    assert mailoutbox == [], "nothing is sent before the invitation is committed"
    for callback in callbacks:
        callback()

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.rn@example.org"]
    assert "Lakeside Health" in message.subject
    body = message.body
    assert "Jo Reyes" in body and people["admin"].email in body
    assert "as coordinator" in body
    link = LINK.search(body)
    assert link and link.group(1) == invitation.token
    assert len(invitation.token) >= 40
    audit = AuditEvent.objects.get(action="staff.invite")
    assert audit.actor == people["admin"]
    assert audit.new_values == {
        "email": "new.rn@example.org",
        "publisher": "lakeside",
        "role": "coordinator",
    }


@pytest.mark.django_db
def test_it_refuses_a_second_open_invitation_with_a_friendly_message(
    invite: Any, people: dict[str, Any], mailoutbox: Any
) -> None:
    first = invite("new.rn@example.org")
    with pytest.raises(ValidationError) as refused:
        invite("NEW.RN@example.org", Role.ADMIN)
    assert "already been invited" in refused.value.message_dict["email"][0]
    assert "Resend" in refused.value.message_dict["email"][0]

    StaffInvitation.objects.filter(pk=first.pk).update(created_at=_days_ago(20))
    with pytest.raises(ValidationError) as refused:
        invite("new.rn@example.org")
    assert "expired" in refused.value.message_dict["email"][0]

    invitation_revoke(invitation=first, actor=people["admin"])
    second = invite("new.rn@example.org", Role.ADMIN)
    assert second.pk != first.pk and second.token != first.token
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_it_holds_one_open_invitation_per_address_in_the_database(publisher: Any) -> None:
    StaffInvitationFactory(publisher=publisher, email="a@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffInvitationFactory(publisher=publisher, email="A@Example.org")
    # Another publisher, or a closed invitation, does not count.
    StaffInvitationFactory(email="a@example.org")
    StaffInvitationFactory(publisher=publisher, email="a@example.org", revoked_at=timezone.now())


@pytest.mark.django_db
def test_it_resends_the_same_link_with_a_fresh_14_days(
    people: dict[str, Any],
    publisher: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, created_at=_days_ago(20))
    assert invitation.state == State.EXPIRED
    with django_capture_on_commit_callbacks(execute=True):
        resent = invitation_resend(invitation=invitation, actor=people["admin"])
    assert resent.state == State.PENDING
    assert resent.expires_at > timezone.now() + datetime.timedelta(days=13)
    link = LINK.search(mailoutbox[-1].body)
    assert link and link.group(1) == invitation.token
    assert AuditEvent.objects.filter(action="staff.invite_resend").count() == 1


@pytest.mark.django_db
def test_it_revokes_and_then_refuses_to_resend_or_accept(
    people: dict[str, Any], publisher: Any, mailoutbox: Any
) -> None:
    invitee = UserFactory(email="late@example.org")
    invitation = StaffInvitationFactory(publisher=publisher, email="late@example.org")
    invitation_revoke(invitation=invitation, actor=people["admin"])
    invitation.refresh_from_db()
    assert invitation.state == State.REVOKED
    audit = AuditEvent.objects.get(action="staff.invite_revoke")
    assert audit.old_values["email"] == "late@example.org"
    for attempt in (
        lambda: invitation_resend(invitation=invitation, actor=people["admin"]),
        lambda: invitation_revoke(invitation=invitation, actor=people["admin"]),
        lambda: invitation_accept(invitation=invitation, user=invitee),
    ):
        with pytest.raises(ValidationError, match="revoked"):
            attempt()
    assert not StaffMembership.objects.filter(user=invitee).exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_it_expires_invitations_after_14_days(publisher: Any) -> None:
    invitee = UserFactory(email="slow@example.org")
    fresh = StaffInvitationFactory(publisher=publisher, created_at=_days_ago(13.9))
    assert fresh.state == State.PENDING
    old = StaffInvitationFactory(
        publisher=publisher, email="slow@example.org", created_at=_days_ago(14.01)
    )
    assert old.state == State.EXPIRED
    with pytest.raises(ValidationError, match="expired"):
        invitation_accept(invitation=old, user=invitee)
    old.refresh_from_db()
    assert old.accepted_at is None
    assert not StaffMembership.objects.filter(user=invitee).exists()


@pytest.mark.django_db
def test_it_accepts_with_the_matching_verified_email(publisher: Any) -> None:
    invitation = StaffInvitationFactory(
        publisher=publisher, email="New.RN@example.org", role=Role.COORDINATOR
    )
    invitee = UserFactory(email="new.rn@example.org")
    membership = invitation_accept(invitation=invitation, user=invitee)
    assert (membership.user, membership.publisher, membership.role) == (
        invitee,
        publisher,
        Role.COORDINATOR,
    )
    invitation.refresh_from_db()
    assert invitation.state == State.ACCEPTED
    accepted = AuditEvent.objects.get(action="staff.invite_accept")
    assert accepted.actor == invitee
    assert accepted.new_values["membership_created"] is True
    assert AuditEvent.objects.filter(
        action="staff.add", object_id=str(membership.pk), actor=invitee
    ).exists()


@pytest.mark.django_db
def test_it_accepts_through_a_verified_secondary_address(publisher: Any) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="work@hospital.example.org")
    invitee = UserFactory(email="home@example.org")
    EmailAddress.objects.create(user=invitee, email="work@hospital.example.org", verified=True)
    assert invitation_accept(invitation=invitation, user=invitee).user == invitee


@pytest.mark.django_db
def test_it_keeps_the_role_of_an_existing_membership(publisher: Any) -> None:
    invitee = UserFactory(email="already@example.org")
    StaffMembership.objects.create(user=invitee, publisher=publisher, role=Role.VIEWER)
    invitation = StaffInvitationFactory(
        publisher=publisher, email="already@example.org", role=Role.ADMIN
    )
    membership = invitation_accept(invitation=invitation, user=invitee)
    assert membership.role == Role.VIEWER
    invitation.refresh_from_db()
    assert invitation.state == State.ACCEPTED
    assert not AuditEvent.objects.filter(action="staff.add").exists()


@pytest.mark.django_db
def test_it_refuses_another_email_or_an_unverified_one(publisher: Any) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="invited@example.org")
    someone_else = UserFactory(email="someone.else@example.org")
    unverified = UserFactory(email="INVITED@example.org", verified=False)
    with pytest.raises(ValidationError, match="another email address"):
        invitation_accept(invitation=invitation, user=someone_else)
    with pytest.raises(ValidationError, match="Confirm your email address"):
        invitation_accept(invitation=invitation, user=unverified)
    invitation.refresh_from_db()
    assert invitation.state == State.PENDING
    assert not StaffMembership.objects.filter(user__in=[someone_else, unverified]).exists()
    assert not AuditEvent.objects.filter(action="staff.invite_accept").exists()


@pytest.mark.django_db
def test_it_treats_a_second_accept_as_harmless(publisher: Any) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="twice@example.org")
    invitee = UserFactory(email="twice@example.org")
    first = invitation_accept(invitation=invitation, user=invitee)
    again = invitation_accept(invitation=invitation, user=invitee)
    assert again.pk == first.pk
    assert StaffMembership.objects.filter(user=invitee).count() == 1
    assert AuditEvent.objects.filter(action="staff.invite_accept").count() == 1


@pytest.mark.django_db
def test_it_sends_nothing_when_revoked_before_the_email_went_out(
    invite: Any, people: dict[str, Any], mailoutbox: Any
) -> None:
    from celedger.publishers.tasks import invitation_email_send

    invitation = invite("quick@example.org")
    mailoutbox.clear()
    invitation_revoke(invitation=invitation, actor=people["admin"])
    invitation_email_send.call(invitation.pk)
    assert mailoutbox == []


# The staff page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_lists_pending_invitations_in_constant_queries(
    login: Any, publisher: Any, other_publisher: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("admin")
    url = reverse("publishers:staff", args=[publisher.code])
    StaffInvitationFactory(publisher=other_publisher, email="theirs@example.org")
    StaffInvitationFactory(
        publisher=publisher, email="used@example.org", accepted_at=timezone.now()
    )
    # session, user, membership+publisher, memberships+users, open invitations+inviters;
    # header: profile reminder, "is staff" check.
    with django_assert_max_num_queries(7):
        client.get(url)
    for n in range(20):
        StaffInvitationFactory(
            publisher=publisher, email=f"nurse{n:02}@example.org", created_at=_days_ago(n)
        )
    with django_assert_max_num_queries(7):
        body = client.get(url).content.decode()
    assert "nurse19@example.org" in body
    assert body.count(">Expired<") == 6  # those sent 14 to 19 days ago
    assert "Resend the invitation to nurse00@example.org" in body
    assert "Revoke the invitation to nurse00@example.org" in body
    for hidden in ["theirs@example.org", "used@example.org"]:
        assert hidden not in body


@pytest.mark.django_db
def test_it_explains_a_duplicate_invitation_beside_the_email_and_keeps_the_input(
    login: Any, publisher: Any
) -> None:
    StaffInvitationFactory(publisher=publisher, email="twice@example.org")
    response = login("admin").post(
        reverse("publishers:staff", args=[publisher.code]),
        {"email": "Twice@example.org", "role": "admin"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_email_error"' in body
    assert "already been invited" in body
    assert 'value="Twice@example.org"' in body
    assert StaffInvitation.objects.count() == 1


@pytest.mark.django_db
def test_it_resends_and_revokes_from_the_staff_page(
    login: Any,
    publisher: Any,
    mailoutbox: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login("admin")
    invitation = StaffInvitationFactory(publisher=publisher, created_at=_days_ago(20))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("publishers:invitation_resend", args=[publisher.code, invitation.pk]),
            follow=True,
        )
    assert "was sent again" in response.content.decode()
    assert mailoutbox[-1].to == [invitation.email]
    response = client.post(
        reverse("publishers:invitation_revoke", args=[publisher.code, invitation.pk]),
        follow=True,
    )
    assert "was revoked" in response.content.decode()
    # A second click on a stale page: explained, not an error page.
    response = client.post(
        reverse("publishers:invitation_revoke", args=[publisher.code, invitation.pk]),
        follow=True,
    )
    assert "was revoked; it cannot be revoked" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == State.REVOKED


@pytest.mark.django_db
def test_it_hides_another_publishers_invitation_behind_the_outsiders_own_code(
    login: Any, publisher: Any, other_publisher: Any
) -> None:
    invitation = StaffInvitationFactory(publisher=publisher)
    client = login("outsider")
    for name in ("publishers:invitation_resend", "publishers:invitation_revoke"):
        response = client.post(reverse(name, args=[other_publisher.code, invitation.pk]))
        assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == State.PENDING


# The emailed link ------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_explains_the_invitation_to_an_anonymous_visitor(
    client: Any, publisher: Any, people: dict[str, Any]
) -> None:
    invitation = StaffInvitationFactory(
        publisher=publisher,
        email="new.rn@example.org",
        role=Role.VIEWER,
        invited_by=people["admin"],
    )
    path = _link_path(invitation)
    response = client.get(path)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Join Lakeside Health" in body
    assert "as <strong>viewer</strong>" in body
    assert people["admin"].email in body
    assert "n•••@e•••.org" in body
    assert "new.rn@example.org" not in body
    assert f'href="/accounts/login/?next={path.replace("/", "%2F")}"' in body
    assert f'href="/accounts/create/?next={path.replace("/", "%2F")}"' in body
    # Posting without signing in sends the visitor to sign in and back.
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert StaffInvitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_it_lets_the_invitee_accept_once_and_lands_on_the_dashboard(
    client: Any, publisher: Any
) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="new.rn@example.org")
    invitee = UserFactory(email="new.rn@example.org")
    client.force_login(invitee)
    path = _link_path(invitation)
    assert "Accept and join Lakeside Health" in client.get(path).content.decode()
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == reverse("publishers:dashboard", args=[publisher.code])
    assert StaffMembership.objects.get(user=invitee, publisher=publisher).role == Role.COORDINATOR
    # A second tab posting again lands on the dashboard too; the page now links there.
    assert client.post(path)["Location"] == response["Location"]
    body = client.get(path).content.decode()
    assert "already been accepted" in body
    assert reverse("publishers:dashboard", args=[publisher.code]) in body


@pytest.mark.django_db
def test_it_tells_a_different_signed_in_user_to_switch_accounts_and_changes_nothing(
    login: Any, publisher: Any, people: dict[str, Any]
) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="new.rn@example.org")
    client = login("learner")
    path = _link_path(invitation)
    body = client.get(path).content.decode()
    assert f"You are signed in as <strong>{people['learner'].email}</strong>" in body
    assert "Sign out, then sign in as n•••@e•••.org" in body
    assert f'<input type="hidden" name="next" value="{path}">' in body  # back here after
    assert "Accept and join" not in body
    response = client.post(path)
    assert response.status_code == 200
    assert "sent to another email address" in response.content.decode()
    assert not StaffMembership.objects.filter(user=people["learner"]).exists()
    assert StaffInvitation.objects.get().accepted_at is None


@pytest.mark.django_db
def test_it_asks_an_unverified_invitee_to_confirm_first(client: Any, publisher: Any) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="new.rn@example.org")
    client.force_login(UserFactory(email="new.rn@example.org", verified=False))
    body = client.get(_link_path(invitation)).content.decode()
    assert "not confirmed yet" in body
    assert "Accept and join" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "text"),
    [
        ({"revoked_at": timezone.now()}, "was withdrawn"),
        ({"accepted_at": timezone.now()}, "already been accepted"),
        ({"created_at": _days_ago(15)}, "This invitation expired on"),
    ],
    ids=["revoked", "accepted", "expired"],
)
def test_it_explains_a_link_that_no_longer_works(
    client: Any, publisher: Any, fields: dict[str, Any], text: str
) -> None:
    invitation = StaffInvitationFactory(publisher=publisher, email="new.rn@example.org", **fields)
    client.force_login(UserFactory(email="new.rn@example.org"))
    path = _link_path(invitation)
    response = client.get(path)
    assert response.status_code == 200
    assert text in response.content.decode()
    response = client.post(path)
    if "accepted_at" in fields:
        # Someone else's acceptance: explained, never a membership for this user.
        assert response.status_code == 200
        assert "already been used" in response.content.decode()
    else:
        assert response.status_code == 200
    assert not StaffMembership.objects.filter(user__email="new.rn@example.org").exists()


@pytest.mark.django_db
def test_it_explains_an_unknown_link_with_the_site_layout(client: Any) -> None:
    response = client.get(reverse("publishers:invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()
    assert client.post(response.request["PATH_INFO"]).status_code == 404


def test_it_leaves_a_publisher_coded_invitations_its_own_pages() -> None:
    from django.urls import resolve

    assert resolve("/console/invitations/staff/").url_name == "staff"
    assert resolve("/console/invitations/settings/").url_name == "settings"
    token = "x" * 43
    assert resolve(f"/console/invitations/{token}/").url_name == "invitation_accept"
