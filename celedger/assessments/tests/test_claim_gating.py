"""The claim page and the claim service honour the post-test gates (interface 5): gated
credit says why and links to the test, cannot be claimed before a pass, and home-study
credit is dated the day of the pass."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from celedger.assessments import services
from celedger.assessments.selectors import claim_gates, post_test_scopes
from celedger.assessments.tests.conftest import answers, build_post_test
from celedger.credits.models import Claim
from celedger.credits.services import claim_submit
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db
CLAIM = "/e/HS2P4Q/claim/"


@pytest.fixture
def pharmacist() -> Any:
    return LearnerProfileFactory(
        credential_list=("PharmD",), nabp_eprofile_id="1234567", birth_month=4, birth_day=9
    ).user


def _acpe(activity: Any) -> Any:
    return activity.designations.get(credit_type__code="acpe-p")


def test_the_claim_page_says_why_and_links_to_the_test(
    client: Any, home_study: Any, pharmacist: Any
) -> None:
    build_post_test(home_study)
    client.force_login(pharmacist)
    page = client.get(CLAIM).content.decode()
    assert "Pass the post-test (70% or more) to claim this credit." in page
    assert f'href="{reverse("assessments:take", args=["HS2P4Q"])}"' in page
    assert f'name="hours_{_acpe(home_study).pk}"' not in page


def test_gated_credit_cannot_be_claimed_before_a_pass(home_study: Any, pharmacist: Any) -> None:
    build_post_test(home_study)
    acpe = _acpe(home_study)
    session = home_study.sessions.get()
    with pytest.raises(Exception, match="post-test"):
        claim_submit(
            learner=pharmacist,
            session=session,
            hours_by_designation={acpe.pk: acpe.max_hours},
            attested=True,
        )
    assert not Claim.objects.exists()


def test_after_the_pass_it_is_claimed_and_dated_the_day_of_the_pass(
    home_study: Any, pharmacist: Any
) -> None:
    test = build_post_test(home_study)
    passed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    services.attempt_submit(
        learner=pharmacist,
        assessment=test,
        attempt_no=1,
        selected=answers(test, right=3),
        now=passed_at,
    )
    acpe = _acpe(home_study)
    result = claim_submit(
        learner=pharmacist,
        session=home_study.sessions.get(),
        hours_by_designation={acpe.pk: acpe.max_hours},
        attested=True,
    )
    claim = result.created[0]
    assert claim.participated_on == passed_at.astimezone(home_study.publisher.zone).date()


def test_the_claim_page_with_a_post_test_stays_within_its_query_budget(
    client: Any, home_study: Any, pharmacist: Any, django_assert_max_num_queries: Any
) -> None:
    test = build_post_test(home_study)
    for _ in range(5):
        other = LearnerProfileFactory().user
        services.attempt_submit(
            learner=other, assessment=test, attempt_no=1, selected=answers(test, right=0)
        )
    client.force_login(pharmacist)
    client.get(CLAIM)  # warms the layout's cached staff check
    # The claim page's budget (13) + the gates with an active post-test (4 more) + the
    # home-study pass date (1); other learners' attempts add nothing.
    with django_assert_max_num_queries(18):
        assert client.get(CLAIM).status_code == 200


def test_the_no_post_test_answer_is_cached_and_dropped_when_a_test_is_added(
    home_study: Any, pharmacist: Any
) -> None:
    acpe = _acpe(home_study)
    assert claim_gates(learner=pharmacist, activity=home_study, designations=[acpe]) == {}
    with CaptureQueriesContext(connection) as queries:
        assert claim_gates(learner=pharmacist, activity=home_study, designations=[acpe]) == {}
    assert not queries.captured_queries
    build_post_test(home_study)
    assert post_test_scopes(activity_id=home_study.pk) == [None]
    assert acpe.pk in claim_gates(learner=pharmacist, activity=home_study, designations=[acpe])
