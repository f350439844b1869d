import re
from typing import Any

import pytest

from celedger.activities.models import Attendance
from celedger.evaluations.models import ActivityEvaluation, Response
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _group(page: Any, text: str) -> Any:
    return page.get_by_role("group", name=re.compile(re.escape(text)))


def test_a_learner_on_a_phone_evaluates_and_reaches_the_claim_and_the_coordinator_sees_it(
    page: Any,
    live_server: Any,
    learner: Any,
    coordinator: Any,
    session: Any,
    setup: Any,
) -> None:
    Attendance.objects.create(session=session, learner=learner)
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, learner)

    page.goto(f"{live_server.url}/e/{session.event_id}/evaluate/")
    assert_accessible(page)
    assert no_horizontal_scroll(page)

    # Half-filled: errors next to the missing answers, what was typed is kept.
    _group(page, "learning objectives").get_by_label("Strongly agree").check()
    page.get_by_label(re.compile("what will you change")).fill("Lactate within the first hour")
    page.get_by_role("button", name="Submit evaluation").click()
    assert page.get_by_text("Please answer this question.").count() == 4
    assert page.get_by_label(re.compile("what will you change")).input_value() == (
        "Lactate within the first hour"
    )
    assert _group(page, "learning objectives").get_by_label("Strongly agree").is_checked()
    assert_accessible(page)
    assert no_horizontal_scroll(page)

    _group(page, "commercial bias").get_by_label("Agree", exact=True).check()
    _group(page, "relevant to my practice").get_by_label("Strongly agree").check()
    _group(page, "change your practice").get_by_label("Yes").check()
    _group(page, "barriers").get_by_label("Time").check()
    _group(page, "Overall quality").get_by_label("5 (excellent)").check()
    page.get_by_role("button", name="Submit evaluation").click()
    page.wait_for_load_state()

    assert "/claim/" in page.url
    assert Response.objects.filter(learner=learner, session=session).count() == 1

    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, live_server, coordinator)
    page.goto(
        f"{live_server.url}/console/stjude/activities/{session.activity_id}/evaluation/summary/"
    )
    assert page.get_by_text("1 response from 1 attendee").count() == 1
    meter = page.get_by_label("Strongly agree: 1 of 1").first
    assert meter.evaluate("el => el.tagName") == "METER"
    assert page.get_by_text("Lactate within the first hour").is_visible()
    assert_accessible(page)


def test_the_console_pages_and_the_outside_form_are_accessible(
    page: Any,
    live_server: Any,
    learner: Any,
    coordinator: Any,
    session: Any,
    setup: Any,
    standard: Any,
) -> None:
    sign_in_as(page, live_server, coordinator)
    base = f"{live_server.url}/console/stjude"

    page.goto(f"{base}/evaluations/")
    assert_accessible(page)
    page.get_by_role("link", name="Standard CME/CE evaluation").click()
    assert_accessible(page)
    page.get_by_role("button", name="Copy into my forms").click()
    page.wait_for_load_state()
    assert "version 1" in page.content()
    page.locator("#id_new-text").fill("Which format helped most?")
    page.locator("#id_new-kind").select_option("single")
    page.locator("#id_new-choices").fill("Lecture\nCases")
    page.get_by_role("button", name="Add question").click()
    assert page.get_by_text("Which format helped most?").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Edit question 9").click()
    assert_accessible(page)

    page.goto(f"{base}/evaluations/new/")
    assert_accessible(page)

    page.goto(f"{base}/activities/{session.activity_id}/evaluation/")
    assert_accessible(page)
    page.get_by_label("Outside form (learner attests completion)").check()
    assert page.locator("#id_form").is_hidden()
    page.locator("#id_outside_url").fill("https://forms.example.org/eval")
    page.get_by_role("button", name="Save settings").click()
    assert ActivityEvaluation.objects.get(activity=session.activity).mode == "outside"

    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, learner)
    page.goto(f"{live_server.url}/e/{session.event_id}/evaluate/")
    assert (
        page.get_by_role("link", name=re.compile("evaluation form")).get_attribute("href")
        == "https://forms.example.org/eval"
    )
    assert_accessible(page)
    assert no_horizontal_scroll(page)
    page.get_by_label("I completed the evaluation form").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert Response.objects.get(learner=learner).outside_attested
