import datetime
import io

import pytest

from celedger.activities.tests.factories import SessionFactory
from celedger.credits import demo
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import activity_with, learner

pytestmark = pytest.mark.django_db


def test_it_does_nothing_without_the_other_demos():
    assert demo.seed() == []
    assert not Claim.objects.exists()


def test_it_claims_past_sessions_for_the_demo_physician_once():
    session = activity_with(
        "ama-pra-1", "ancc", title=demo.SERIES_TITLE, format="rss", structure="series"
    )
    past = SessionFactory(
        activity=session.activity,
        starts_at=session.starts_at - datetime.timedelta(days=7),
        ends_at=session.ends_at - datetime.timedelta(days=7),
    )
    profile = learner("MD", user__email=demo.LEARNER_EMAIL)
    demo.seed()
    demo.seed()
    claims = Claim.objects.filter(learner=profile.user).order_by("session__starts_at")
    # Both sessions have ended; the RN-only type is not for a physician.
    assert [(c.session, c.designation.credit_type.code) for c in claims] == [
        (past, "ama-pra-1"),
        (session, "ama-pra-1"),
    ]


def test_the_whole_demo_leaves_no_claim_flagged_as_not_evaluated():
    """The demo's awarded claims come after the evaluation their activity asks for, so no
    roster shows "Not evaluated" on a fresh install. (The technician's claim is flagged on
    purpose: no NABP e-Profile ID, the held CPE Monitor record the demo shows.)"""
    from django.core.management import call_command

    from celedger.credits.selectors import claim_flags

    call_command("seed_demo", stdout=io.StringIO())
    claims = Claim.objects.filter(status=Claim.Status.ACTIVE).select_related("session__activity")
    assert claims.count() >= 6
    flags = {c.pk: claim_flags(claim=c) for c in claims}
    assert not [f for found in flags.values() for f in found if f.startswith("Not evaluated")]
    assert sum(bool(found) for found in flags.values()) == 1  # the technician's
