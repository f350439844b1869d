from typing import Any

import pytest

from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.evaluations import demo
from celedger.evaluations.models import ActivityEvaluation, Response
from celedger.evaluations.tests.factories import EvaluationFormFactory
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db


def test_it_does_nothing_without_activities() -> None:
    assert demo.seed() == []
    assert not ActivityEvaluation.objects.exists()


def test_it_attaches_the_standard_form_once_and_answers_past_sessions(standard: Any) -> None:
    session = SessionFactory()
    kept = ActivityFactory()
    own = EvaluationFormFactory(publisher=kept.publisher)
    ActivityEvaluation.objects.create(activity=kept, form=own)
    LearnerProfileFactory(user__email="nurse@example.org", credential_list=("RN",))

    first = demo.seed()
    again = demo.seed()

    assert ActivityEvaluation.objects.get(activity=session.activity).form == standard
    assert ActivityEvaluation.objects.get(activity=kept).form == own
    # A single course is evaluated once for the activity.
    assert Response.objects.filter(activity=session.activity, session=None).count() == 1
    assert first and again == []
