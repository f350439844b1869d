"""The claim page and the transcript write their form fields with `{% form_field %}`, not
through `includes/field.html` (issue 10): the same markup (core/tests/test_form_fields.py)
without a template context and twenty lookups per field."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from celedger.core.templatetags.form_fields import render_field
from celedger.credits.tests.helpers import activity_with, claim_form_of, conference, learner

pytestmark = pytest.mark.django_db


def test_the_claim_page_writes_its_fields_without_the_include() -> None:
    session = activity_with("ama-pra-1")
    client = Client()
    client.force_login(learner("MD").user)
    response = client.get(reverse("credits:claim", args=[session.event_id]))
    assert response.status_code == 200
    assert "includes/field.html" not in {t.name for t in response.templates}
    html = response.content.decode()
    form = claim_form_of(response)
    for field in [*form.hours_fields(), form["attested"]]:
        assert render_field(field) in html
    assert 'aria-describedby="id_attested_helptext"' not in html  # no help text, no link


def test_an_invalid_claim_shows_its_errors_beside_the_field() -> None:
    session = activity_with("ama-pra-1")
    client = Client()
    client.force_login(learner("MD").user)
    response = client.post(reverse("credits:claim", args=[session.event_id]), {"x": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "includes/field.html" not in {t.name for t in response.templates}
    assert '<ul class="errorlist" id="id_attested_error"><li>Tick the attestation' in html
    assert 'aria-describedby="id_attested_error"' in html


def test_the_transcript_writes_its_filters_without_the_include() -> None:
    client = Client()
    client.force_login(learner("MD").user)
    response = client.get(
        reverse("credits:transcript"), {"date_from": "2030-01-01", "date_to": "2029-01-01"}
    )
    assert response.status_code == 200
    assert "includes/field.html" not in {t.name for t in response.templates}
    html = response.content.decode()
    for field in response.context["form"]:
        assert render_field(field) in html
    assert "The end date is before the start date." in html


def _fields_as_rendered(page: Any) -> str:
    from django.template.loader import render_to_string

    html = render_to_string("credits/_claim_fields.html", {"form": claim_form_of(page)})
    return html.removesuffix("\n")


def test_a_warm_claim_page_builds_no_form_and_shows_the_same_fields() -> None:
    """The unbound form's fields come from the markup kept by what they show; a second
    visit (this process's copy) and a visit after the process lost its copy (the shared
    cache's) show byte for byte what the form renders."""
    from unittest import mock

    from celedger.core import cache as reference
    from celedger.credits import forms

    session = activity_with("ama-pra-1", "ancc")
    client = Client()
    client.force_login(learner("MD", "RN").user)
    url = reverse("credits:claim", args=[session.event_id])
    first = client.get(url)
    with mock.patch.object(forms.ClaimForm, "__init__", side_effect=AssertionError("built")):
        warm = client.get(url)
        reference._local.clear()
        shared = client.get(url)
    for page in (first, warm, shared):
        assert page.status_code == 200
        assert _fields_as_rendered(first) in page.content.decode()
    assert 'name="attested"' in warm.content.decode()


def test_each_learner_sees_their_own_ticks_and_amounts_on_a_conference() -> None:
    """What differs between learners (the sessions ticked from their check-ins, the
    amount suggested) is in the key: nobody is shown another's form."""
    from celedger.activities.models import Attendance

    activity = conference()
    sessions = list(activity.sessions.order_by("starts_at"))
    checked_in, other = learner("MD"), learner("MD")
    for session in sessions[:2]:
        Attendance.objects.create(session=session, learner=checked_in.user)
    url = reverse("credits:claim", args=[activity.event_id])
    pages = []
    for person in (checked_in, other, checked_in):
        client = Client()
        client.force_login(person.user)
        pages.append(client.get(url))
    for page in pages:
        assert _fields_as_rendered(page) in page.content.decode()
    ticked = [claim_form_of(page).initial["sessions"] for page in pages]
    assert ticked[0] == ticked[2] == [s.pk for s in sessions[:2]] and ticked[1] == []
    assert pages[0].content.decode().count("checked") > pages[1].content.decode().count("checked")


def test_an_unfiltered_transcript_builds_no_form_and_shows_the_same_filters() -> None:
    """With no filter asked for, the filters are the markup kept by the choices offered:
    byte for byte the unbound form's, from this process's copy and from the shared cache;
    a learner with other choices gets their own."""
    from unittest import mock

    from django.template.loader import render_to_string

    from celedger.core import cache as reference
    from celedger.credits import forms
    from celedger.credits.models import Claim
    from celedger.credits.selectors import transcript_choices
    from celedger.credits.tests.helpers import claim_in_full

    session = activity_with("ama-pra-1")
    profile = learner("MD")
    claim_in_full(profile, session)
    assert Claim.objects.count() == 1
    client = Client()
    client.force_login(profile.user)
    url = reverse("credits:transcript")
    first = client.get(url)
    choices = transcript_choices(learner=profile.user)
    expected = render_to_string(
        "credits/_transcript_filters.html",
        {
            "form": forms.TranscriptFilterForm(
                credit_types=choices.credit_types, publishers=choices.publishers
            )
        },
    ).removesuffix("\n")
    assert session.activity.publisher.name in expected
    with mock.patch.object(
        forms.TranscriptFilterForm, "__init__", side_effect=AssertionError("built")
    ):
        warm = client.get(url, {"page": "1"})
        reference._local.clear()
        shared = client.get(url)
    for page in (first, warm, shared):
        assert page.status_code == 200 and expected in page.content.decode()
    other = Client()
    other.force_login(learner("MD").user)
    assert session.activity.publisher.name not in other.get(url).content.decode()
