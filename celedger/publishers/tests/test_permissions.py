"""Every provider page and action × every persona: staff of one publisher never see or
change another's data, and each role gets exactly its rights."""

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities.models import Activity, Session
from celedger.publishers.models import StaffInvitation, StaffMembership
from celedger.publishers.tests.factories import StaffInvitationFactory
from celedger.publishers.tests.personas import PERSONAS, assert_persona_answer

Role = StaffMembership.Role


def _activity_post(activity: Any | None = None) -> dict[str, Any]:
    ama = CreditTypeFactory(code="ama-pra-1")
    data = {
        "title": "Stroke Update",
        "format": "live",
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-02",
        "session_starts": "09:00",
        "session_ends": "10:00",
        "status": "published",
        "credit-TOTAL_FORMS": "1",
        "credit-INITIAL_FORMS": "0",
        "credit-MIN_NUM_FORMS": "0",
        "credit-MAX_NUM_FORMS": "30",
        "credit-0-credit_type": str(ama.pk),
        "credit-0-max_hours": "1.00",
    }
    if activity is not None:
        # Editing: the existing designation is the one initial form.
        designation = activity.designations.get()
        data.update(
            {
                "credit-INITIAL_FORMS": "1",
                "credit-0-id": str(designation.pk),
                "credit-0-credit_type": str(designation.credit_type_id),
            }
        )
    return data


# (name, method, min role, url(ctx), data(ctx))
def _conference_qr_url(c: Any, kind: str) -> str:
    # The conference QR exists once the activity has its own Event ID.
    Activity.objects.filter(pk=c.activity.pk).update(event_id="CNFQRA")
    return reverse(f"activities:conference_qr_{kind}", args=[c.code, c.activity.pk])


ACTIONS: list[tuple[str, str, str, Any, Any]] = [
    (
        "dashboard",
        "get",
        Role.VIEWER,
        lambda c: reverse("publishers:dashboard", args=[c.code]),
        None,
    ),
    ("settings", "get", Role.ADMIN, lambda c: reverse("publishers:settings", args=[c.code]), None),
    (
        "settings-save",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:settings", args=[c.code]),
        lambda c: {
            "name": "Renamed",
            "contact_email": "cme@example.org",
            "time_zone": "America/Chicago",
        },
    ),
    ("staff", "get", Role.ADMIN, lambda c: reverse("publishers:staff", args=[c.code]), None),
    (
        "staff-add",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:staff", args=[c.code]),
        lambda c: {"email": c.newcomer.email, "role": "viewer"},
    ),
    (
        "staff-invite",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:staff", args=[c.code]),
        lambda c: {"email": "no.account.yet@example.org", "role": "coordinator"},
    ),
    (
        "invitation-resend",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:invitation_resend", args=[c.code, c.invitation.pk]),
        lambda c: {},
    ),
    (
        "invitation-revoke",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:invitation_revoke", args=[c.code, c.invitation.pk]),
        lambda c: {},
    ),
    (
        "staff-role",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:staff_role", args=[c.code, c.member.pk]),
        lambda c: {f"m{c.member.pk}-role": "coordinator"},
    ),
    (
        "staff-remove",
        "post",
        Role.ADMIN,
        lambda c: reverse("publishers:staff_remove", args=[c.code, c.member.pk]),
        lambda c: {},
    ),
    (
        "activity-new",
        "get",
        Role.COORDINATOR,
        lambda c: reverse("activities:console_create", args=[c.code]),
        None,
    ),
    (
        "activity-create",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("activities:console_create", args=[c.code]),
        lambda c: _activity_post(),
    ),
    (
        "activity-detail",
        "get",
        Role.VIEWER,
        lambda c: reverse("activities:console_detail", args=[c.code, c.activity.pk]),
        None,
    ),
    (
        "activity-edit",
        "get",
        Role.COORDINATOR,
        lambda c: reverse("activities:console_edit", args=[c.code, c.activity.pk]),
        None,
    ),
    (
        "activity-update",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("activities:console_edit", args=[c.code, c.activity.pk]),
        lambda c: {**_activity_post(c.activity), "title": "Sepsis Update, revised"},
    ),
    (
        "session-new",
        "get",
        Role.COORDINATOR,
        lambda c: reverse("activities:session_add", args=[c.code, c.activity.pk]),
        None,
    ),
    (
        "session-add",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("activities:session_add", args=[c.code, c.activity.pk]),
        lambda c: {"date": "2026-03-09", "starts": "12:00", "ends": "13:00", "topic": "T"},
    ),
    (
        "weekly-new",
        "get",
        Role.COORDINATOR,
        lambda c: reverse("activities:sessions_weekly", args=[c.code, c.activity.pk]),
        None,
    ),
    (
        "weekly-add",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("activities:sessions_weekly", args=[c.code, c.activity.pk]),
        lambda c: {
            "weekday": "2",
            "first_on": "2026-03-02",
            "starts": "12:00",
            "ends": "13:00",
            "count": "4",
        },
    ),
    (
        "session-edit-page",
        "get",
        Role.COORDINATOR,
        lambda c: reverse("activities:session_edit", args=[c.code, c.activity.pk, c.session.pk]),
        None,
    ),
    (
        "session-edit",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("activities:session_edit", args=[c.code, c.activity.pk, c.session.pk]),
        lambda c: {"date": "2026-03-09", "starts": "12:00", "ends": "13:00", "topic": "New"},
    ),
    (
        "session-delete",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("activities:session_delete", args=[c.code, c.activity.pk, c.session.pk]),
        lambda c: {},
    ),
    (
        "qr-svg",
        "get",
        Role.VIEWER,
        lambda c: reverse("activities:session_qr_svg", args=[c.code, c.activity.pk, c.session.pk]),
        None,
    ),
    (
        "qr-png",
        "get",
        Role.VIEWER,
        lambda c: reverse("activities:session_qr_png", args=[c.code, c.activity.pk, c.session.pk]),
        None,
    ),
    (
        "conference-qr-svg",
        "get",
        Role.VIEWER,
        lambda c: _conference_qr_url(c, "svg"),
        None,
    ),
    (
        "conference-qr-png",
        "get",
        Role.VIEWER,
        lambda c: _conference_qr_url(c, "png"),
        None,
    ),
    (
        "poster",
        "get",
        Role.VIEWER,
        lambda c: reverse("activities:session_poster", args=[c.code, c.activity.pk, c.session.pk]),
        None,
    ),
]


class Ctx:
    def __init__(
        self, publisher: Any, activity: Any, member: Any, newcomer: Any, invitation: Any
    ) -> None:
        self.code = publisher.code
        self.activity = activity
        self.session = activity.sessions.get()
        self.member = member
        self.newcomer = newcomer
        self.invitation = invitation


def _snapshot() -> tuple[int, int, list[str], list[str], list[tuple[Any, ...]]]:
    return (
        Activity.objects.count(),
        Session.objects.count(),
        sorted(Activity.objects.values_list("title", flat=True)),
        sorted(StaffMembership.objects.values_list("role", flat=True)),
        list(
            StaffInvitation.objects.order_by("pk").values_list(
                "email", "created_at", "accepted_at", "revoked_at"
            )
        ),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "min_role", "url", "data"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_it_gives_each_persona_exactly_its_rights(
    login: Any,
    publisher: Any,
    activity: Any,
    other_staff_member: Any,
    persona: str,
    name: str,
    method: str,
    min_role: str,
    url: Any,
    data: Any,
) -> None:
    from celedger.accounts.tests.factories import UserFactory

    ctx = Ctx(
        publisher,
        activity,
        other_staff_member,
        UserFactory(),
        StaffInvitationFactory(
            publisher=publisher,
            created_at=timezone.now() - datetime.timedelta(days=3),
        ),
    )
    client = login(persona)
    before = _snapshot()
    call = getattr(client, method)
    response = call(url(ctx), data(ctx)) if data else call(url(ctx))

    if assert_persona_answer(response, persona=persona, min_role=min_role, method=method):
        return
    assert _snapshot() == before, "a refused request changed data"


@pytest.mark.django_db
def test_it_hides_another_publishers_activity_behind_the_outsiders_own_code(
    login: Any, other_publisher: Any, activity: Any
) -> None:
    client = login("outsider")
    session = activity.sessions.get()
    urls = [
        reverse("activities:console_detail", args=[other_publisher.code, activity.pk]),
        reverse("activities:console_edit", args=[other_publisher.code, activity.pk]),
        reverse("activities:session_poster", args=[other_publisher.code, activity.pk, session.pk]),
        reverse("activities:session_qr_png", args=[other_publisher.code, activity.pk, session.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("activities:session_add", args=[other_publisher.code, activity.pk]),
        {"date": "2026-03-09", "starts": "12:00", "ends": "13:00"},
    )
    assert response.status_code == 404
    assert activity.sessions.count() == 1


@pytest.mark.django_db
def test_it_lets_an_outsider_admin_not_touch_this_publishers_staff(
    login: Any, other_publisher: Any, other_staff_member: Any
) -> None:
    client = login("outsider")
    response = client.post(
        reverse("publishers:staff_remove", args=[other_publisher.code, other_staff_member.pk])
    )
    assert response.status_code == 404
    assert StaffMembership.objects.filter(pk=other_staff_member.pk).exists()


def test_it_lists_every_console_url_in_the_matrix() -> None:
    # A new console URL must join ACTIONS (or this fails): the matrix stays complete.
    from celedger.activities import urls as activity_urls
    from celedger.publishers import urls as publisher_urls

    console_names = {
        p.name
        for p in [*activity_urls.urlpatterns, *publisher_urls.urlpatterns]
        if str(p.pattern).startswith("console/<slug:code>/")
    }
    covered = {
        "dashboard",
        "settings",
        "staff",
        "staff_role",
        "staff_remove",
        "invitation_resend",
        "invitation_revoke",
        "console_create",
        "console_detail",
        "console_edit",
        "session_add",
        "sessions_weekly",
        "session_edit",
        "session_delete",
        "session_qr_svg",
        "session_qr_png",
        "conference_qr_svg",
        "conference_qr_png",
        "session_poster",
    }
    assert console_names == covered
