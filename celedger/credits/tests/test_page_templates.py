"""The claim page and the transcript write their form fields with `{% form_field %}`, not
through `includes/field.html` (issue 10): the same markup (core/tests/test_form_fields.py)
without a template context and twenty lookups per field."""

import pytest
from django.test import Client
from django.urls import reverse

from celedger.core.templatetags.form_fields import render_field
from celedger.credits.tests.helpers import activity_with, learner

pytestmark = pytest.mark.django_db


def test_the_claim_page_writes_its_fields_without_the_include() -> None:
    session = activity_with("ama-pra-1")
    client = Client()
    client.force_login(learner("MD").user)
    response = client.get(reverse("credits:claim", args=[session.event_id]))
    assert response.status_code == 200
    assert "includes/field.html" not in {t.name for t in response.templates}
    html = response.content.decode()
    form = response.context["form"]
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
