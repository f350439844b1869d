"""A pharmacist on a phone fails the home-study post-test once, reads the feedback,
passes, and claims ACPE credit dated the day they passed; the coordinator sees it."""

import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from celedger.accreditation.models import CreditType
from celedger.activities.models import Activity
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.assessments.models import Attempt
from celedger.assessments.tests.conftest import build_post_test
from celedger.credits.models import Claim
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory
from celedger.testing.axe import assert_accessible
from celedger.testing.browser import PHONE_VIEWPORT, no_horizontal_scroll, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course(django_db_blocker: Any) -> Activity:
    from django.apps import apps

    from celedger.accreditation.reference import load_reference_data

    load_reference_data(apps)
    publisher = PublisherFactory(code="lakeside", name="Lakeside Health")
    activity = ActivityFactory(
        publisher=publisher,
        title="Opioid Stewardship (online course)",
        format=Activity.Format.ENDURING,
        structure=Activity.Structure.HOME_STUDY,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
        ends_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    for code, uan in (("ama-pra-1", ""), ("acpe-p", "0123-0000-26-002-H08-P")):
        CreditDesignationFactory(
            activity=activity,
            credit_type=CreditType.objects.get(code=code),
            max_hours=Decimal("2.00"),
            uan=uan,
        )
    SessionFactory(
        activity=activity,
        event_id="HS2P4Q",
        starts_at=timezone.now() - datetime.timedelta(days=10),
        ends_at=timezone.now() + datetime.timedelta(days=300),
    )
    build_post_test(activity)
    return activity


def _group(page: Any, text: str) -> Any:
    return page.get_by_role("group", name=re.compile(re.escape(text)))


def _check(page: Any) -> None:
    assert_accessible(page)
    assert no_horizontal_scroll(page)


def _answer(page: Any, *, right: bool) -> None:
    naloxone = _group(page, "naloxone dose")
    naloxone.get_by_label("4 mg" if right else "40 mg", exact=True).check()
    signs = _group(page, "overdose signs")
    signs.get_by_label("Pinpoint pupils").check()
    signs.get_by_label("Slow breathing").check()
    _group(page, "half-life").get_by_label("True" if right else "False").check()


def test_a_pharmacist_fails_once_reads_the_feedback_passes_and_claims_acpe(
    page: Any, live_server: Any, course: Activity
) -> None:
    pharmacist = LearnerProfileFactory(
        credential_list=("PharmD",), nabp_eprofile_id="1234567", birth_month=4, birth_day=9
    ).user
    page.set_viewport_size(PHONE_VIEWPORT)
    sign_in_as(page, live_server, pharmacist)

    # The claim page holds ACPE back until the post-test is passed, and links to it.
    page.goto(f"{live_server.url}/e/HS2P4Q/claim/")
    assert page.get_by_text("Pass the post-test (70% or more) to claim this credit.").is_visible()
    _check(page)
    page.get_by_role("link", name=re.compile("Take the post-test")).first.click()
    page.wait_for_url(re.compile(r"/e/HS2P4Q/test/$"))
    _check(page)
    assert page.get_by_text("attempt 1 of 3").count() == 1

    # One question left out: marked, and the other answers are kept.
    _group(page, "naloxone dose").get_by_label("40 mg", exact=True).check()
    page.get_by_role("button", name="Submit answers").click()
    assert page.get_by_text("Please answer this question.").count() == 2
    assert _group(page, "naloxone dose").get_by_label("40 mg", exact=True).is_checked()
    _check(page)

    # Attempt 1: one of three right, so not passed; every answer explained.
    _answer(page, right=False)
    # Keyboard: the submit button is reached and pressed without the mouse.
    page.get_by_role("button", name="Submit answers").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/e/HS2P4Q/test/1/$"))
    assert page.get_by_text("Not passed").is_visible()
    assert page.get_by_text("The FDA-approved nasal spray delivers 4 mg per spray.").is_visible()
    assert page.get_by_text("You have 2 attempts left.").is_visible()
    _check(page)

    # Attempt 2: all right.
    page.get_by_role("link", name=re.compile("Try again")).click()
    _answer(page, right=True)
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(re.compile(r"/e/HS2P4Q/test/2/$"))
    assert page.get_by_text("Passed", exact=True).is_visible()
    _check(page)
    passed = Attempt.objects.get(learner=pharmacist, passed=True)
    assert passed.attempt_no == 2

    # On to the claim: ACPE credit, dated the day of the pass.
    page.get_by_role("link", name="Continue to claim credit").click()
    page.wait_for_url(re.compile(r"/e/HS2P4Q/claim/$"))
    _check(page)
    page.get_by_label(re.compile("attest")).check()
    page.get_by_role("button", name="Claim credit").click()
    page.get_by_role("heading", name="Your credit").wait_for()
    claim = Claim.objects.get(learner=pharmacist, designation__credit_type__code="acpe-p")
    assert claim.hours == Decimal("2.00")
    assert claim.participated_on == passed.completed_on
    assert passed.completed_on == timezone.localdate(timezone=course.publisher.zone)

    # The coordinator sees the two attempts and the pass date.
    coordinator = StaffMembershipFactory(
        publisher=course.publisher, role=StaffMembership.Role.COORDINATOR
    ).user
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in_as(page, live_server, coordinator)
    page.goto(f"{live_server.url}/console/lakeside/activities/{course.pk}/tests/results/")
    assert page.get_by_role("cell", name="2 of 3").count() == 1
    meter = page.get_by_label("Post-test: 0% correct").first
    assert meter.evaluate("el => el.tagName") == "METER"
    _check(page)
    page.goto(f"{live_server.url}/console/lakeside/tests/")
    _check(page)
    page.get_by_role("link", name=re.compile("^Tests of")).click()
    _check(page)
    page.get_by_role("link", name=re.compile("post-test")).first.click()
    _check(page)
