"""The program page's pieces that are the same for every learner are rendered once and
cached; whatever changes what they show retires them before the next page view (issue 10)."""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from celedger.accreditation.models import CreditType
from celedger.activities import fragments
from celedger.activities.models import CreditDesignation
from celedger.activities.tests.factories import SessionFactory
from celedger.core import cache as reference
from celedger.credits.tests.helpers import activity_with, conference, learner
from celedger.integrity.models import RelationshipReview
from celedger.integrity.tests.factories import RelationshipFactory, discloser

pytestmark = pytest.mark.django_db

PIECES = {
    "activities/_program_head.html",
    "activities/_program_credit.html",
    "activities/_program_about.html",
}


def _view(session: Any, *credentials: str) -> tuple[str, set[str]]:
    """The program page as a new learner sees it, and the pieces rendered for it."""
    client = Client()
    client.force_login(learner(*credentials).user)
    response = client.get(reverse("activities:program", args=[session.event_id]))
    assert response.status_code == 200
    rendered = {t.name for t in response.templates if t.name}
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()), rendered


def _program(**activity: Any) -> Any:
    session = activity_with("ama-pra-1", "ancc", **activity)
    session.topic = "Sepsis bundles"
    session.save()
    return session


def test_the_second_learner_gets_the_pieces_from_the_cache(monkeypatch: Any) -> None:
    session = _program(description="What is new in sepsis.", objectives="Spot it\nTreat it")
    discloser(session.activity)
    first, built = _view(session)
    assert "integrity/_learner_disclosure.html" in built and built >= PIECES
    calls: list[str] = []
    monkeypatch.setattr(fragments, "piece_html", lambda name, context: calls.append(name))
    second, built = _view(session)
    assert "integrity/_learner_disclosure.html" not in built
    assert not calls and not PIECES & built
    for text in [
        session.activity.title,
        "Sepsis bundles",
        "What is new in sepsis.",
        "Spot it",
        "None of the planners, faculty and others in control of the content",
        "up to 1.5 AMA PRA Category 1 Credits™",
    ]:
        assert text in first and text in second
    # The learner's own part is still theirs: an MD is offered AMA PRA, not ANCC.
    assert "ANCC" not in second


def test_no_piece_holds_a_token_or_anything_of_the_learner(monkeypatch: Any) -> None:
    session = _program()
    seen: list[tuple[str, dict[str, Any]]] = []
    render = fragments.piece_html

    def spy(name: str, context: dict[str, Any]) -> Any:
        seen.append((name, context))
        return render(name, context)

    monkeypatch.setattr(fragments, "piece_html", spy)
    profile = learner("MD", last_name="Zanzibar")
    client = Client()
    client.force_login(profile.user)
    page = client.get(reverse("activities:program", args=[session.event_id])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page  # the learner's own "I'm here" form
    assert {name for name, _ in seen} == PIECES
    for name, context in seen:
        assert not {"request", "user", "csrf_token", "profile", "messages"} & set(context)
        html = render(name, context)
        assert "csrfmiddlewaretoken" not in html and profile.user.email not in html


def test_an_edited_activity_shows_on_the_next_view() -> None:
    session = _program(description="Old description")
    _view(session), _view(session)
    activity = session.activity
    activity.title = "Sepsis 2027"
    activity.description = "New description"
    activity.location = "Hall B"
    activity.save()
    text, built = _view(session)
    assert built >= PIECES
    assert "Sepsis 2027" in text and "New description" in text and "Hall B" in text
    assert "Old description" not in text


def test_a_changed_designation_or_credit_type_shows_on_the_next_view() -> None:
    session = _program()
    _view(session), _view(session)
    ama = CreditDesignation.objects.get(activity=session.activity, credit_type__code="ama-pra-1")
    ama.max_hours = Decimal("2.25")
    ama.save()
    text, built = _view(session)
    assert "_program_credit.html" in " ".join(built)
    assert "up to 2.25" in text and "up to 1.5" not in text
    # A reference table's wording (the credit type's name) retires every activity's pieces.
    _view(session)
    credit_type = CreditType.objects.get(code="ama-pra-1")
    credit_type.name = "AMA PRA Category 1 Credit™ (renamed)"
    credit_type.save()
    assert "(renamed)" in _view(session)[0]


def test_a_changed_accreditation_statement_or_contact_shows_on_the_next_view() -> None:
    session = _program()
    _view(session), _view(session)
    publisher = session.activity.publisher
    publisher.accreditation_statement = "Jointly accredited by the new wording."
    publisher.contact_email = "help@new.example.org"
    publisher.save()
    text, _ = _view(session)
    assert "Jointly accredited by the new wording." in text and "help@new.example.org" in text


def test_a_changed_session_shows_on_the_next_view() -> None:
    session = _program()
    _view(session), _view(session)
    session.topic = "Septic shock"
    session.speaker = "Dr. Okafor"
    session.starts_at -= datetime.timedelta(minutes=30)
    session.save()
    text, built = _view(session)
    assert "_program_head.html" in " ".join(built)
    assert "Septic shock — Dr. Okafor" in text
    local = timezone.localtime(session.starts_at, session.activity.publisher.zone)
    assert local.strftime("%-I:%M %p") in text


def test_a_new_disclosure_shows_on_the_next_view() -> None:
    session = _program()
    _view(session), _view(session)
    role = discloser(session.activity, relationships=1)
    text, _ = _view(session)
    assert f"{role.name} (faculty): disclosure not complete" in text
    # The coordinator's finding (relevant, mitigated) shows at once too.
    relationship = role.person.disclosures.get().relationships.get()
    RelationshipReview.objects.create(
        content_role=role,
        relationship=relationship,
        is_relevant=True,
        mitigations=["peer_review"],
        reviewed_at=timezone.now(),
    )
    text, _ = _view(session)
    assert f"{role.name} (faculty): Consultant, Company 0" in text
    # And a relationship the person adds later to the same disclosure.
    RelationshipFactory(disclosure=relationship.disclosure, company="Beta Devices")
    assert "disclosure not complete" in _view(session)[0]


def test_an_expired_disclosure_is_not_shown_current_the_next_day() -> None:
    session = _program()
    # The publisher's day, as the page counts it (not the server's: they differ in the
    # hours after UTC midnight).
    role = discloser(
        session.activity,
        valid_until=timezone.localdate(timezone=session.activity.publisher.zone),
    )
    assert "None of the planners" in _view(session)[0]
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: tomorrow)
        assert f"{role.name} (faculty): disclosure not complete" in _view(session)[0]


def test_a_conferences_session_list_is_cached_per_credit_offered() -> None:
    activity = conference("ama-pra-1", "ancc")
    sessions = list(activity.sessions.order_by("starts_at"))
    md, _ = _view(sessions[0], "MD")
    rn, _ = _view(sessions[0], "RN")
    again, _ = _view(sessions[0], "MD")
    assert "1 AMA PRA Category 1 Credit™" in md and "1 AMA PRA Category 1 Credit™" in again
    assert "ANCC" in rn and "AMA PRA Category 1 Credit™ ·" not in rn
    sessions[1].credit_hours = Decimal("0.75")
    sessions[1].save()
    assert "0.75 AMA PRA Category 1 Credits™" in _view(sessions[0], "MD")[0]
    SessionFactory(activity=activity, topic="Late-breaking trials", credit_hours=Decimal("0.50"))
    assert "Late-breaking trials · 0.5 AMA PRA" in _view(sessions[0], "MD")[0]


def test_pieces_follow_the_time_zone_they_are_shown_in() -> None:
    session = _program()
    publisher = session.activity.publisher
    publisher.time_zone = "America/New_York"
    publisher.save()
    eastern = _view(session)[0]
    publisher.time_zone = "America/Los_Angeles"
    publisher.save()
    pacific = _view(session)[0]
    assert timezone.localtime(session.ends_at, publisher.zone).strftime("%-I:%M %p") in pacific
    assert ("EST" in eastern or "EDT" in eastern) and ("PST" in pacific or "PDT" in pacific)


def test_a_signed_out_visitor_sees_the_way_in_and_every_credit_offered() -> None:
    session = _program()
    md, _ = _view(session)
    response = Client().get(reverse("activities:program", args=[session.event_id]))
    text = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert "Sign out" in md and "Your credit for this program" in md
    assert "Sign in" in text and "Create account" in text and "Credit offered" in text
    assert "ANCC" in text and "up to 1.5 AMA PRA Category 1 Credits™" in text


def test_a_piece_built_under_a_retired_version_is_never_shown() -> None:
    session = _program()
    builds: list[str] = []

    def read(html: str) -> Any:
        def build() -> str:
            builds.append(html)
            return html

        piece = fragments.Fragment("head", (session.pk,), build)
        return fragments.activity_fragments(activity_id=session.activity_id, fragments=[piece])

    assert read("first")["head"] == "first"
    assert read("unused")["head"] == "first" and builds == ["first"]
    # A request that read the rows before a change writes its piece after the drop.
    stale_version = cache.get(fragments.fragments_version_key(session.activity_id))
    fragments.fragments_retire([session.activity_id])
    assert read("fresh")["head"] == "fresh"
    [key] = _piece_keys(session.activity_id)
    cache.set(key, (stale_version, "stale"))
    # This process keeps what it built under the current stamp; another process, with
    # nothing of its own, finds the stale piece's version retired and builds anew.
    assert read("unused")["head"] == "fresh"
    reference._local.clear()
    assert read("fresh again")["head"] == "fresh again"


def _piece_keys(activity_id: int) -> list[str]:
    # Local memory's keys, as the tests' cache holds them (":1:" is Django's prefix).
    return [
        k.removeprefix(":1:")
        for k in cache._cache  # type: ignore[attr-defined]
        if k.startswith(":1:fragment:") and f":{activity_id}:" in k
    ]
