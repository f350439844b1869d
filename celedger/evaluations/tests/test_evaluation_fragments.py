"""A first visit's question fields kept as HTML (`evaluations/fragments.py`, issue 10):
the same page as rendered anew, the second learner's without rendering a question, and a
revisit or a POST with errors rendered as before."""

import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils.safestring import SafeString

from celedger.evaluations import views
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm
from celedger.evaluations.tests.helpers import standard_answers
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db

QUESTION_TEMPLATE = "evaluations/_question.html"


def _url(session: Any) -> str:
    return reverse("evaluations:evaluate", args=[session.event_id])


def _templates(response: Any) -> list[str]:
    return [t.name for t in response.templates]


def _masked(response: Any) -> str:
    # The CSRF token and the CSP nonce differ per response; everything else must not.
    return re.sub(r'"[A-Za-z0-9_-]{20,}"', '""', response.content.decode())


@pytest.mark.parametrize("credential", ["MD", "PharmD"])
def test_a_first_visit_is_the_same_page_with_and_without_the_cache(
    client: Any, session: Any, setup: ActivityEvaluation, credential: str, monkeypatch: Any
) -> None:
    client.force_login(LearnerProfileFactory(credential_list=(credential,)).user)
    with monkeypatch.context() as patched:
        # No kept HTML: the template renders every question, as before the cache.
        patched.setattr(views, "question_fields_html", lambda **kwargs: SafeString(""))
        uncached = client.get(_url(session))
        assert QUESTION_TEMPLATE in _templates(uncached)
    built = client.get(_url(session))
    kept = client.get(_url(session))
    assert uncached.status_code == built.status_code == kept.status_code == 200
    assert QUESTION_TEMPLATE not in _templates(kept)
    assert _masked(built) == _masked(uncached)
    assert _masked(kept) == _masked(uncached)
    assert kept.content.decode().count("<fieldset") == 6


def test_the_second_learner_first_visit_renders_no_question(
    client: Any, learner: Any, session: Any, setup: ActivityEvaluation
) -> None:
    client.force_login(learner)
    assert client.get(_url(session)).status_code == 200
    client.force_login(LearnerProfileFactory(credential_list=("PharmD",)).user)

    response = client.get(_url(session))

    assert response.status_code == 200
    assert QUESTION_TEMPLATE not in _templates(response)
    assert "<legend>1. The activity met its stated learning objectives." in (
        response.content.decode()
    )


def test_a_revisit_and_a_post_with_errors_render_their_own_fields(
    client: Any, learner: Any, session: Any, setup: ActivityEvaluation, standard: EvaluationForm
) -> None:
    client.force_login(learner)
    assert client.get(_url(session)).status_code == 200  # the fields kept
    typed = "I will screen for sepsis at triage"

    invalid = client.post(_url(session), standard_answers(standard, q1=None, q5=typed))
    assert invalid.status_code == 400
    assert QUESTION_TEMPLATE in _templates(invalid)
    assert typed in invalid.content.decode() and 'class="errorlist"' in (invalid.content.decode())

    assert client.post(_url(session), standard_answers(standard, q5=typed)).status_code == 302
    revisit = client.get(_url(session))
    assert QUESTION_TEMPLATE in _templates(revisit)
    assert typed in revisit.content.decode()
