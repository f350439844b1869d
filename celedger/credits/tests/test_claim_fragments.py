"""The claim page's heading, back link and a conference's session labels are rendered once
per activity and cached; the learner's part (claims, form, token) stays theirs (issue 10)."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from celedger.activities.models import CreditDesignation
from celedger.credits.tests.helpers import activity_with, conference, learner

pytestmark = pytest.mark.django_db

PIECES = {"credits/_claim_head.html", "credits/_claim_foot.html"}


def _claim(event_id: str, *credentials: str) -> tuple[str, set[str], Any]:
    """The claim page as a new learner sees it, the templates rendered for it, the form."""
    client = Client()
    client.force_login(learner(*credentials).user)
    response = client.get(reverse("credits:claim", args=[event_id]))
    assert response.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    return text, {t.name for t in response.templates if t.name}, response


def test_the_second_learner_gets_the_heading_from_the_cache() -> None:
    session = activity_with("ama-pra-1", title="Sepsis Update")
    session.topic = "Sepsis bundles"
    session.save()
    first, built, _ = _claim(session.event_id)
    assert built >= PIECES
    second, built, response = _claim(session.event_id)
    assert not PIECES & built
    for text in ["Claim credit: Sepsis Update", "Sepsis bundles", "Back to the program"]:
        assert text in first and text in second
    # The form is the learner's: their own token, their field.
    html = response.content.decode()
    assert 'name="csrfmiddlewaretoken"' in html and "I attest that I participated" in html


def test_an_edited_activity_or_session_shows_on_the_next_claim_page() -> None:
    session = activity_with("ama-pra-1", title="Sepsis Update")
    _claim(session.event_id), _claim(session.event_id)
    activity = session.activity
    activity.title = "Sepsis 2027"
    activity.save()
    text, built, _ = _claim(session.event_id)
    assert built >= PIECES and "Claim credit: Sepsis 2027" in text
    session.topic = "Septic shock"
    session.speaker = "Dr. Okafor"
    session.save()
    assert "Septic shock — Dr. Okafor" in _claim(session.event_id)[0]


def test_a_conferences_labels_follow_each_learners_credit_and_its_changes() -> None:
    activity = conference("ama-pra-1", "ancc")
    md, _, _ = _claim(activity.event_id, "MD")
    rn, _, _ = _claim(activity.event_id, "RN")
    again, built, _ = _claim(activity.event_id, "MD")
    assert not PIECES & built
    assert "Session 2 · 1.5 AMA PRA Category 1 Credits™ — open" in md
    assert "Session 2 · 1.5 AMA PRA Category 1 Credits™ — open" in again
    assert "Session 2 · 1.5 ANCC" in rn and "Session 2 · 1.5 AMA" not in rn
    # The session amounts and the designations' are seen on the next view.
    session = activity.sessions.get(topic="Session 2")
    session.credit_hours = Decimal("0.75")
    session.save()
    assert "Session 2 · 0.75 AMA PRA Category 1 Credits™" in _claim(activity.event_id, "MD")[0]
    CreditDesignation.objects.filter(activity=activity, credit_type__code="ancc").delete()
    text = _claim(activity.event_id, "RN")[0]
    assert "Session 2 · 0.75 ANCC" not in text
