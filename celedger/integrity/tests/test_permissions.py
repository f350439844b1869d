"""Every integrity console page and action × every persona (the publishers matrix's rules):
staff of another publisher and learners get 404, too-low roles 403, and nothing changes."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from celedger.core.models import AuditEvent
from celedger.integrity import urls as integrity_urls
from celedger.integrity.models import CommercialSupport, GateOverride
from celedger.integrity.tests.factories import PDF_BYTES, ContentRoleFactory, discloser
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.personas import PERSONAS, assert_persona_answer

Role = StaffMembership.Role


class Ctx:
    def __init__(self, activity: Any) -> None:
        self.code = activity.publisher.code
        self.pk = activity.pk
        self.role = discloser(activity, relationships=1)
        self.relationship = self.role.person.disclosures.get().relationships.get()
        self.missing = ContentRoleFactory(activity=activity, person=None, email="m@example.org")
        self.override = GateOverride.objects.create(
            activity=activity, reason="Test", created_at=timezone.now()
        )
        self.support = CommercialSupport.objects.create(
            activity=activity,
            supporter="Acme",
            kind="monetary",
            amount=10,
            agreement=SimpleUploadedFile("a.pdf", PDF_BYTES),
            agreement_signed_on=timezone.localdate(),
            created_at=timezone.now(),
        )

    def url(self, name: str, *extra: Any) -> str:
        return reverse(f"integrity:{name}", args=[self.code, self.pk, *extra])


# (name, method, min role, url(ctx), data(ctx))
ACTIONS: list[tuple[str, str, str, Any, Any]] = [
    ("activity", "get", Role.VIEWER, lambda c: c.url("activity"), None),
    (
        "role_add",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("role_add"),
        lambda c: {"name": "Dr. New", "email": "new@example.org", "role": "planner"},
    ),
    ("role_review", "get", Role.VIEWER, lambda c: c.url("role_review", c.role.pk), None),
    (
        "role_review-save",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("role_review", c.role.pk),
        lambda c: {f"r{c.relationship.pk}-is_relevant": "no"},
    ),
    (
        "role_resend",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("role_resend", c.missing.pk),
        lambda c: {"_": "1"},
    ),
    (
        "role_remove",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("role_remove", c.missing.pk),
        lambda c: {"_": "1"},
    ),
    (
        "override",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("override"),
        lambda c: {"reason": "Speaker changed at the last minute"},
    ),
    (
        "override_withdraw",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("override_withdraw", c.override.pk),
        lambda c: {"_": "1"},
    ),
    ("support_add", "get", Role.COORDINATOR, lambda c: c.url("support_add"), None),
    (
        "support_add-save",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("support_add"),
        lambda c: {
            "supporter": "Beta Devices",
            "kind": "monetary",
            "amount": "100",
            "agreement_signed_on": "2026-01-02",
            "agreement": SimpleUploadedFile("b.pdf", PDF_BYTES),
        },
    ),
    (
        "support_agreement",
        "get",
        Role.VIEWER,
        lambda c: c.url("support_agreement", c.support.pk),
        None,
    ),
    ("planning", "get", Role.VIEWER, lambda c: c.url("planning"), None),
    (
        "planning-save",
        "post",
        Role.COORDINATOR,
        lambda c: c.url("planning"),
        lambda c: {"practice_gap": "Gap"},
    ),
    ("file_pdf", "get", Role.VIEWER, lambda c: c.url("file_pdf"), None),
    ("file_zip", "get", Role.VIEWER, lambda c: c.url("file_zip"), None),
    ("policy", "get", Role.ADMIN, lambda c: reverse("integrity:policy", args=[c.code]), None),
    (
        "policy-save",
        "post",
        Role.ADMIN,
        lambda c: reverse("integrity:policy", args=[c.code]),
        lambda c: {"valid_months": "6", "reminder_days": "10"},
    ),
]


def _snapshot() -> int:
    # Every integrity write is audited, so "nothing changed" = no new integrity audit row.
    return AuditEvent.objects.filter(action__startswith="integrity.").count()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "min_role", "url", "data"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_it_gives_each_persona_exactly_its_rights(
    login: Any,
    activity: Any,
    persona: str,
    name: str,
    method: str,
    min_role: str,
    url: Any,
    data: Any,
) -> None:
    ctx = Ctx(activity)
    client = login(persona)
    before = (_snapshot(), CommercialSupport.objects.count())
    call = getattr(client, method)
    response = call(url(ctx), data(ctx)) if data else call(url(ctx))

    if assert_persona_answer(response, persona=persona, min_role=min_role, method=method):
        if method == "post":
            assert _snapshot() > before[0], "an allowed write left no audit row"
        return
    assert (_snapshot(), CommercialSupport.objects.count()) == before, "a refused request wrote"


def test_it_lists_every_console_url_in_the_matrix() -> None:
    console = {
        p.name
        for p in integrity_urls.urlpatterns
        if str(p.pattern).startswith("console/<slug:code>/")
    }
    covered = {a[0].split("-")[0] for a in ACTIONS}
    assert console == covered


@pytest.mark.django_db
def test_another_publishers_activity_is_404_behind_the_outsiders_own_code(
    login: Any, other_publisher: Any, activity: Any
) -> None:
    ctx = Ctx(activity)
    client = login("outsider")
    for name, *extra in [
        ("activity",),
        ("file_pdf",),
        ("support_agreement", ctx.support.pk),
        ("role_review", ctx.role.pk),
    ]:
        url = reverse(f"integrity:{name}", args=[other_publisher.code, activity.pk, *extra])
        assert client.get(url).status_code == 404, name
