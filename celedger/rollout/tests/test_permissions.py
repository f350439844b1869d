"""Every rollout console page and action × every persona (the publishers matrix's rules):
outsiders and learners get 404, too-low roles 403, and a refused request changes nothing."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from celedger.accreditation.models import Profession
from celedger.activities.models import Attendance
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.personas import PERSONAS, assert_persona_answer
from celedger.rollout import urls as rollout_urls
from celedger.rollout.models import ImportJob, PendingAward, ReminderSettings
from celedger.rollout.services import import_upload
from celedger.rollout.tests.helpers import sign_in_sheet

Role = StaffMembership.Role

ACTIONS: list[tuple[str, str, str, Any, Any]] = [
    ("walk_in", "get", Role.VIEWER, lambda c: reverse("rollout:walk_in", args=[c.code]), None),
    (
        "walk_in-post",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("rollout:walk_in", args=[c.code]),
        lambda c: {
            "email": "walk.in@example.org",
            "first_name": "Wal",
            "last_name": "King",
            "profession": str(Profession.objects.get(code="physician").pk),
            "session": str(c.session.pk),
            "designation": str(c.designation.pk),
            "hours": "1.00",
            "reason": "walk-in",
        },
    ),
    ("imports", "get", Role.VIEWER, lambda c: reverse("rollout:imports", args=[c.code]), None),
    (
        "imports-upload",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("rollout:imports", args=[c.code]),
        lambda c: {
            "kind": "attendance",
            "session": str(c.session.pk),
            "file": SimpleUploadedFile("s.csv", sign_in_sheet([("A", "B", "ab@x.org", "")])),
        },
    ),
    (
        "import_detail",
        "get",
        Role.VIEWER,
        lambda c: reverse("rollout:import_detail", args=[c.code, c.job.pk]),
        None,
    ),
    (
        "import_detail-start",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("rollout:import_detail", args=[c.code, c.job.pk]),
        lambda c: {
            "action": "start",
            "email": "Email",
            "first_name": "First Name",
            "last_name": "Last Name",
        },
    ),
    (
        "reminder_settings",
        "get",
        Role.ADMIN,
        lambda c: reverse("rollout:reminder_settings", args=[c.code]),
        None,
    ),
    (
        "reminder_settings-save",
        "post",
        Role.ADMIN,
        lambda c: reverse("rollout:reminder_settings", args=[c.code]),
        lambda c: {"enabled": "on", "claim_days_before": "5"},
    ),
]


class Ctx:
    def __init__(self, publisher: Any, activity: Any, job: Any) -> None:
        self.code = publisher.code
        self.session = activity.sessions.get()
        self.designation = activity.designations.get()
        self.job = job


def _snapshot() -> tuple[Any, ...]:
    return (
        ImportJob.objects.count(),
        list(ImportJob.objects.values_list("status", flat=True)),
        PendingAward.objects.count(),
        Attendance.objects.count(),
        list(ReminderSettings.objects.values_list("claim_days_before", flat=True)),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "min_role", "url", "data"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_it_gives_each_persona_exactly_its_rights(
    login: Any,
    people: Any,
    publisher: Any,
    activity: Any,
    persona: str,
    name: str,
    method: str,
    min_role: str,
    url: Any,
    data: Any,
) -> None:
    job = import_upload(
        actor=people["coordinator"],
        publisher=publisher,
        kind="attendance",
        upload=SimpleUploadedFile("s.csv", sign_in_sheet([("A", "B", "a@x.org", "")])),
        session=activity.sessions.get(),
        designation=None,
        default_hours=None,
    )
    ctx = Ctx(publisher, activity, job)
    client = login(persona)
    before = _snapshot()
    call = getattr(client, method)
    response = call(url(ctx), data(ctx)) if data else call(url(ctx))

    if assert_persona_answer(response, persona=persona, min_role=min_role, method=method):
        if method == "post":
            assert _snapshot() != before
        return
    assert _snapshot() == before, "a refused request changed data"


@pytest.mark.django_db
def test_an_outsider_cannot_open_this_publishers_import_under_their_own_code(
    login: Any, people: Any, publisher: Any, other_publisher: Any, activity: Any
) -> None:
    job = import_upload(
        actor=people["coordinator"],
        publisher=publisher,
        kind="attendance",
        upload=SimpleUploadedFile("s.csv", sign_in_sheet([("A", "B", "a@x.org", "")])),
        session=activity.sessions.get(),
        designation=None,
        default_hours=None,
    )
    client = login("outsider")
    url = reverse("rollout:import_detail", args=[other_publisher.code, job.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "start"}).status_code == 404
    assert ImportJob.objects.get(pk=job.pk).status == "mapping"


def test_it_lists_every_console_url_in_the_matrix() -> None:
    console = {
        p.name
        for p in rollout_urls.urlpatterns
        if str(p.pattern).startswith("console/<slug:code>/")
    }
    assert console == {a[0].split("-")[0] for a in ACTIONS}
