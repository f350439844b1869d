"""A coordinator sets up a single course's evaluation in a real browser (issue 15): once per
activity by default, and switching to "each session" after learners answered warns first
and changes nothing until the coordinator confirms."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.accounts.tests.factories import UserFactory
from celedger.evaluations.models import ActivityEvaluation, Response
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
EACH_SESSION = "Evaluate each session separately"


def test_a_single_course_is_evaluated_once_and_a_change_after_answers_asks_first(
    page: Any, live_server: Any, coordinator: Any, activity: Any, standard: Any
) -> None:
    url = live_server.url + reverse(
        "evaluations:activity_settings", args=[activity.publisher.code, activity.pk]
    )
    sign_in_as(page, live_server, coordinator)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    assert not page.get_by_label(EACH_SESSION).is_checked()  # a single course: once
    assert_accessible(page)
    page.locator("input[name=mode][value=builtin]").check()
    page.locator("#id_form").select_option(str(standard.pk))
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    assert ActivityEvaluation.objects.get(activity=activity).per_session is False

    Response.objects.create(learner=UserFactory(), activity=activity, form=standard)
    page.goto(url)
    page.get_by_label(EACH_SESSION).check()
    page.get_by_role("button", name="Save settings").click()
    anyway = page.get_by_label("Change it anyway", exact=False)
    anyway.wait_for()
    assert "1 learner(s) already evaluated this activity" in page.locator("main").inner_text()
    assert ActivityEvaluation.objects.get(activity=activity).per_session is False
    assert_accessible(page)

    anyway.check()
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    assert not page.get_by_label("Change it anyway", exact=False).count()
    assert ActivityEvaluation.objects.get(activity=activity).per_session is True
