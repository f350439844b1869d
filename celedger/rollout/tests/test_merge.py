"""Account merge: preview, refusal on the same credit twice, one transaction, audited."""

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from celedger.accounts.models import DuplicateCheck
from celedger.accounts.tests.factories import UserFactory
from celedger.activities.models import Attendance
from celedger.activities.services import attendance_record
from celedger.activities.tests.factories import (
    AttendanceFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.certificates.models import Certificate
from celedger.core.models import AuditEvent
from celedger.credits.models import Claim, ExternalCredit
from celedger.credits.services import claim_award
from celedger.evaluations.models import Response
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.rollout.models import AccountMerge
from celedger.rollout.selectors import merge_preview
from celedger.rollout.services import accounts_merge

pytestmark = pytest.mark.django_db


def _award(actor: Any, learner: Any, session: Any, designation: Any) -> Claim:
    attendance_record(learner=learner, session=session)
    return claim_award(
        actor=actor,
        learner=learner,
        session=session,
        designation=designation,
        # The whole amount: ANCC is claimed by sessions attended, never lowered.
        hours=designation.max_hours,
        reason="test",
        override=True,
    )


@pytest.fixture
def site_admin() -> Any:
    return UserFactory(is_staff=True, is_superuser=True)


def test_it_moves_everything_and_deactivates_the_merged_account(
    site_admin: Any, people: Any, activity: Any, session: Any, designation: Any
) -> None:
    keep = LearnerProfileFactory().user
    away = UserFactory()  # a second account without a profile
    second = SessionFactory(activity=activity)
    AttendanceFactory(session=session, learner=keep)
    AttendanceFactory(session=session, learner=away)
    AttendanceFactory(session=second, learner=away)
    Response.objects.create(learner=away, activity=activity, session=second)
    _award(people["coordinator"], away, second, designation)
    ExternalCredit.objects.create(
        learner=away,
        publisher=activity.publisher,
        activity_title="Old course",
        completed_on="2024-01-02",
        credit_type_label="AMA",
        hours=Decimal("2"),
        source="x",
        source_key="k",
    )
    DuplicateCheck.objects.create(
        last_name="X", phone="+1", matched_user=keep, new_user=away, outcome="not_me"
    )

    preview = merge_preview(source=away, target=keep)
    assert preview.allowed
    assert preview.moves["claims"] == 1
    assert preview.moves["attendance"] == 1  # the shared session stays with the kept account

    accounts_merge(actor=site_admin, source=away, target=keep)

    away.refresh_from_db()
    assert not away.is_active
    assert not away.has_usable_password()
    assert Claim.objects.get().learner == keep
    assert Certificate.objects.get(activity=activity).learner == keep
    assert Attendance.objects.filter(learner=keep).count() == 2
    assert Response.objects.get().learner == keep
    assert ExternalCredit.objects.get().learner == keep
    assert DuplicateCheck.objects.get().reviewed_at is not None
    assert AccountMerge.objects.get().moved["claims"] == 1
    assert AuditEvent.objects.filter(action="account.merge", actor=site_admin).exists()
    assert AuditEvent.objects.filter(action="claim.move").count() == 1


def test_it_refuses_when_both_hold_the_same_credit(
    site_admin: Any, people: Any, session: Any, designation: Any
) -> None:
    keep, away = UserFactory(), UserFactory()
    _award(people["coordinator"], keep, session, designation)
    _award(people["coordinator"], away, session, designation)

    assert not merge_preview(source=away, target=keep).allowed
    with pytest.raises(ValidationError, match="same session and credit type"):
        accounts_merge(actor=site_admin, source=away, target=keep)
    away.refresh_from_db()
    assert away.is_active
    assert Claim.objects.filter(learner=away).count() == 1
    assert not AccountMerge.objects.exists()


def test_different_credit_on_one_session_merges_into_one_certificate(
    site_admin: Any, people: Any, activity: Any, session: Any, designation: Any
) -> None:
    from celedger.accreditation.models import CreditType

    ancc = CreditDesignationFactory(
        activity=activity,
        credit_type=CreditType.objects.get(code="ancc"),
        max_hours=Decimal("1.5"),
    )
    keep, away = LearnerProfileFactory().user, LearnerProfileFactory().user
    _award(people["coordinator"], keep, session, designation)
    _award(people["coordinator"], away, session, ancc)

    accounts_merge(actor=site_admin, source=away, target=keep)

    assert Claim.objects.filter(learner=keep, status="active").count() == 2
    assert Certificate.objects.get(learner=keep).revoked_at is None
    assert Certificate.objects.get(learner=away).revoked_at is not None


def test_only_site_staff_reach_the_merge_tool(client: Any, site_admin: Any) -> None:
    url = reverse("rollout:merge")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    keep, away = UserFactory(email="keep@example.org"), UserFactory(email="away@example.org")
    assert client.post(url, {"source": away.email, "target": keep.email}).status_code == 403
    assert UserFactory._meta.model.objects.get(pk=away.pk).is_active

    client.force_login(site_admin)
    preview = client.get(url, {"source": "away@example.org", "target": "keep@example.org"})
    assert "What moves" in preview.content.decode()
    client.post(url, {"source": "away@example.org", "target": "keep@example.org"})
    assert not UserFactory._meta.model.objects.get(pk=away.pk).is_active
    unknown = client.get(url, {"source": "nobody@example.org", "target": "keep@example.org"})
    assert "No account has this email address." in unknown.content.decode()


def test_the_merge_page_has_a_bounded_query_count(
    client: Any, site_admin: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        DuplicateCheck.objects.create(
            last_name="X",
            phone="+1",
            matched_user=UserFactory(),
            new_user=UserFactory(),
            outcome="not_me",
        )
    client.force_login(site_admin)
    # session, user, the duplicate pairs with both accounts (one query).
    with django_assert_max_num_queries(6):
        page = client.get(reverse("rollout:merge"))
    assert page.content.decode().count("Preview merge") == 5
