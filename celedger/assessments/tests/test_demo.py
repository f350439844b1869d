from typing import Any

import pytest

from celedger.activities import demo as activities_demo
from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.assessments import demo
from celedger.assessments.models import Assessment

pytestmark = pytest.mark.django_db


def test_it_does_nothing_without_the_home_study_course() -> None:
    assert demo.seed() == []
    assert not Assessment.objects.exists()


def test_it_gives_the_home_study_course_one_active_post_test(home_study: Any) -> None:
    course = ActivityFactory(title=activities_demo.ENDURING_TITLE, format="enduring")
    SessionFactory(activity=course, event_id="DEM0HS".replace("0", "Q"))
    first = demo.seed()
    again = demo.seed()
    test = Assessment.objects.get(activity=course)
    assert test.is_active and test.kind == "post" and test.items.count() == 3
    assert first and "/e/DEMQHS/test/" in first[0]
    assert again == []
