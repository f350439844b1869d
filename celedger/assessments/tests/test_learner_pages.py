"""The learner's test page: answers kept on errors, score and feedback after submitting,
retries until passed or out of attempts, and the way on to the claim page."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.assessments.forms import field_name
from celedger.assessments.models import Attempt
from celedger.assessments.tests.conftest import answers, build_post_test
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db
URL = "/e/HS2P4Q/test/"


@pytest.fixture
def pharmacist_client(client: Any) -> tuple[Any, Any]:
    user = LearnerProfileFactory(credential_list=("PharmD",)).user
    client.force_login(user)
    return client, user


def _post_data(test: Any, *, right: int, attempt_no: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {"attempt_no": str(attempt_no)}
    for item in test.items.all():
        data[f"q{item.pk}"] = [str(i) for i in answers(test, right=right)[item.pk]]
    return data


def test_it_shows_the_test_in_bounded_queries(
    home_study: Any, pharmacist_client: Any, django_assert_max_num_queries: Any
) -> None:
    build_post_test(home_study)
    client, _ = pharmacist_client
    # session + user + profile (3), test, questions, options (3), attempts, other passes
    # (2); on the instance's first request also the learner's profession and specialty
    # (cached after, shared by every learner).
    with django_assert_max_num_queries(14):
        response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "attempt <strong>1 of 3</strong>" in body
    assert "Which naloxone dose is used intranasally?" in body


def test_missing_answers_are_marked_and_the_others_kept(
    home_study: Any, pharmacist_client: Any
) -> None:
    test = build_post_test(home_study)
    client, user = pharmacist_client
    first = test.items.order_by("order").first()
    data = _post_data(test, right=3)
    kept = data[field_name(first)][0]
    for item in test.items.exclude(pk=first.pk):
        data.pop(field_name(item))
    response = client.post(URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count("Please answer this question.") == 2
    assert f'value="{kept}"' in body and "checked" in body
    assert not Attempt.objects.filter(learner=user).exists()


def test_a_failed_attempt_shows_the_feedback_and_allows_a_retry_then_a_pass(
    home_study: Any, pharmacist_client: Any
) -> None:
    test = build_post_test(home_study)
    client, user = pharmacist_client
    response = client.post(URL, _post_data(test, right=1))
    assert response.status_code == 302
    assert response["Location"] == "/e/HS2P4Q/test/1/"
    page = client.get(response["Location"]).content.decode()
    assert "33%" in page and "Not passed" in page
    assert "Correct answer: <strong>4 mg</strong>" in page
    assert "The FDA-approved nasal spray delivers 4 mg per spray." in page
    assert "Correct answers: <strong>Pinpoint pupils; Slow breathing</strong>" in page
    assert "You have 2 attempts left." in page

    # The same page submitted twice (double click): still one attempt used.
    client.post(URL, _post_data(test, right=1))
    assert Attempt.objects.filter(learner=user).count() == 1

    response = client.post(URL, _post_data(test, right=3, attempt_no=2))
    assert response["Location"] == "/e/HS2P4Q/test/2/"
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page and "Passed" in page
    assert reverse("credits:claim", args=["HS2P4Q"]) in page
    again = client.get(URL).content.decode()
    assert "You passed the post-test" in again


def test_out_of_attempts_the_page_says_whom_to_contact(
    home_study: Any, pharmacist_client: Any
) -> None:
    test = build_post_test(home_study, attempts=1)
    client, _ = pharmacist_client
    client.post(URL, _post_data(test, right=0))
    page = client.get(URL).content.decode()
    assert "You used all 1 attempts" in page
    response = client.post(URL, _post_data(test, right=3, attempt_no=2))
    assert response.status_code == 409
    assert Attempt.objects.count() == 1


def test_a_learner_sees_only_their_own_attempts(home_study: Any, client: Any) -> None:
    test = build_post_test(home_study)
    owner = LearnerProfileFactory().user
    client.force_login(owner)
    client.post(URL, _post_data(test, right=1))
    client.force_login(LearnerProfileFactory().user)
    assert client.get("/e/HS2P4Q/test/1/").status_code == 404


def test_a_draft_activity_has_no_test_page(home_study: Any, pharmacist_client: Any) -> None:
    build_post_test(home_study)
    home_study.status = "draft"
    home_study.save()
    client, _ = pharmacist_client
    assert client.get(URL).status_code == 404


def test_without_a_test_the_page_leads_to_the_claim(
    home_study: Any, pharmacist_client: Any
) -> None:
    client, _ = pharmacist_client
    page = client.get(URL).content.decode()
    assert "has no post-test" in page


def test_signing_in_comes_first(home_study: Any, client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_an_untaken_pre_test_is_offered_before_the_first_post_test_try(
    home_study: Any, pharmacist_client: Any
) -> None:
    from celedger.assessments import services

    test = build_post_test(home_study)
    pre = services.assessment_create(activity=home_study, kind="pre", title="Pre")
    services.item_add(
        assessment=pre,
        kind="true_false",
        text="Q",
        feedback="Why",
        options=[("True", True), ("False", False)],
    )
    services.assessment_activate(assessment=pre)
    client, _ = pharmacist_client
    assert 'href="/e/HS2P4Q/pre-test/"' in client.get(URL).content.decode()
    item = pre.items.get()
    option = item.options.get(is_correct=False)
    response = client.post("/e/HS2P4Q/pre-test/", {"attempt_no": "1", f"q{item.pk}": option.pk})
    assert response["Location"] == "/e/HS2P4Q/pre-test/1/"
    result = client.get(response["Location"]).content.decode()
    assert "0%" in result and "answers are not shown" in result
    assert "Correct answer" not in result
    assert "Continue to the post-test" in result
    assert 'href="/e/HS2P4Q/pre-test/"' not in client.get(URL).content.decode()
    assert test.attempts.count() == 0
