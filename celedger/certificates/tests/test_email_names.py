"""The certificate email names the publisher who awards it, in its subject (issue 15)."""

from typing import Any

import pytest

from celedger.credits.services import claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner

pytestmark = pytest.mark.django_db


def test_the_certificate_email_names_the_publisher(
    mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    session = activity_with("ama-pra-1", title="Sepsis", publisher__name="Lakeside Health")
    profile = learner("MD")
    with django_capture_on_commit_callbacks(execute=True):
        claim_submit(
            learner=profile.user,
            session=session,
            hours_by_designation=hours_for(session, "ama-pra-1", None),
            attested=True,
        )
    (sent,) = mailoutbox
    assert str(sent.subject).endswith("Lakeside Health · Your certificate: Sepsis")
