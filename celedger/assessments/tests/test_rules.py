"""The rules: pass mark, attempts, one row per attempt, gating per credit type and the
home-study completion date."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from celedger.assessments import selectors, services
from celedger.assessments.models import Assessment, Attempt, Item
from celedger.assessments.tests.conftest import answers, build_post_test
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist() -> Any:
    return LearnerProfileFactory(credential_list=("PharmD",)).user


def test_it_passes_at_the_mark_exactly_and_fails_just_below() -> None:
    correct = {1: {10}, 2: {20}, 3: {30}}
    two_right = {1: {10}, 2: {20}, 3: {31}}
    score, _ = services.score_answers(pass_percent=67, correct_by_item=correct, selected=two_right)
    # 2 of 3 is 66.7%: below a 67% mark even though it rounds to 67.
    assert (score.correct, score.total, score.passed, score.percent) == (2, 3, False, 66)
    score, _ = services.score_answers(pass_percent=66, correct_by_item=correct, selected=two_right)
    assert score.passed


def test_a_multiple_choice_answer_counts_only_with_every_correct_option() -> None:
    correct = {1: {10, 11}}
    part, right = services.score_answers(
        pass_percent=100, correct_by_item=correct, selected={1: {10}}
    )
    assert not part.passed and right == {1: False}
    extra, _ = services.score_answers(
        pass_percent=100, correct_by_item=correct, selected={1: {10, 11, 12}}
    )
    assert not extra.passed
    full, _ = services.score_answers(
        pass_percent=100, correct_by_item=correct, selected={1: {11, 10}}
    )
    assert full.passed


def test_it_scores_and_dates_an_attempt_in_the_publishers_zone(
    home_study: Any, pharmacist: Any
) -> None:
    test = build_post_test(home_study)
    home_study.publisher.time_zone = "America/Los_Angeles"
    home_study.publisher.save()
    # 03:30 UTC on March 3 is still March 2 in Los Angeles.
    at = datetime.datetime(2026, 3, 3, 3, 30, tzinfo=datetime.UTC)
    attempt = services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=3), now=at
    )
    assert (attempt.correct, attempt.total, attempt.score_percent, attempt.passed) == (
        3,
        3,
        100,
        True,
    )
    assert attempt.completed_on == datetime.date(2026, 3, 2)


def test_it_refuses_more_attempts_than_allowed(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study, attempts=2)
    for n in (1, 2):
        attempt = services.attempt_submit(
            learner=pharmacist, assessment=test, attempt_no=n, selected=answers(test, right=1)
        )
        assert not attempt.passed
    with pytest.raises(ValidationError, match="used all the attempts"):
        services.attempt_submit(
            learner=pharmacist, assessment=test, attempt_no=3, selected=answers(test, right=3)
        )
    assert Attempt.objects.filter(learner=pharmacist).count() == 2


def test_a_double_submit_does_not_cost_a_second_attempt(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=1)
    )
    with pytest.raises(ValidationError) as error:
        services.attempt_submit(
            learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=1)
        )
    assert error.value.code == "duplicate"
    assert Attempt.objects.filter(learner=pharmacist).count() == 1


def test_the_database_holds_one_row_per_attempt_number(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    fields = {
        "learner": pharmacist,
        "assessment": test,
        "attempt_no": 1,
        "correct": 0,
        "total": 3,
        "score_percent": 0,
        "passed": False,
        "submitted_at": datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC),
        "completed_on": datetime.date(2026, 3, 2),
    }
    Attempt.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attempt.objects.create(**fields)


def test_no_attempt_after_passing(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=3)
    )
    with pytest.raises(ValidationError, match="already passed"):
        services.attempt_submit(
            learner=pharmacist, assessment=test, attempt_no=2, selected=answers(test, right=3)
        )


def test_unanswered_questions_are_refused(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    partial = answers(test, right=3)
    partial.pop(next(iter(partial)))
    with pytest.raises(ValidationError, match="Answer every question"):
        services.attempt_submit(
            learner=pharmacist, assessment=test, attempt_no=1, selected=partial
        )


def test_by_default_moc_and_acpe_home_study_need_the_test(home_study: Any) -> None:
    test = build_post_test(home_study)
    gated = set(test.gated_designations.values_list("credit_type__code", flat=True))
    assert gated == {"acpe-p", "moc-abim"}


def test_live_acpe_is_not_gated_by_default(home_study: Any) -> None:
    home_study.format = "live"
    home_study.structure = "single"
    home_study.save()
    acpe = home_study.designations.get(credit_type__code="acpe-p")
    acpe.uan = "0123-0000-26-002-L01-P"
    acpe.save()
    test = build_post_test(home_study)
    assert set(test.gated_designations.values_list("credit_type__code", flat=True)) == {"moc-abim"}


def test_claim_gates_block_only_the_gated_credit_until_passed(
    home_study: Any, pharmacist: Any
) -> None:
    test = build_post_test(home_study)
    designations = list(home_study.designations.select_related("credit_type"))
    by_code = {d.credit_type.code: d.pk for d in designations}

    gates = selectors.claim_gates(
        learner=pharmacist, activity=home_study, designations=designations
    )
    assert set(gates) == {by_code["acpe-p"], by_code["moc-abim"]}
    assert "Pass the post-test (70% or more)" in gates[by_code["acpe-p"]].reason
    assert gates[by_code["acpe-p"]].url == "/e/HS2P4Q/test/"

    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=1)
    )
    assert set(
        selectors.claim_gates(learner=pharmacist, activity=home_study, designations=designations)
    ) == {by_code["acpe-p"], by_code["moc-abim"]}

    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=2, selected=answers(test, right=3)
    )
    assert (
        selectors.claim_gates(learner=pharmacist, activity=home_study, designations=designations)
        == {}
    )


def test_the_gate_is_configurable_per_designation(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    ama = home_study.designations.get(credit_type__code="ama-pra-1")
    services.assessment_set_gates(assessment=test, designations=[ama])
    gates = selectors.claim_gates(
        learner=pharmacist, activity=home_study, designations=home_study.designations.all()
    )
    assert set(gates) == {ama.pk}


def test_out_of_attempts_says_so(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study, attempts=1)
    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=0)
    )
    gates = selectors.claim_gates(
        learner=pharmacist, activity=home_study, designations=home_study.designations.all()
    )
    assert all("used all 1 attempts" in g.reason for g in gates.values())


def test_a_draft_test_gates_nothing(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    services.assessment_deactivate(assessment=test)
    assert (
        selectors.claim_gates(
            learner=pharmacist, activity=home_study, designations=home_study.designations.all()
        )
        == {}
    )


def test_the_completion_date_is_the_day_of_the_first_pass(
    home_study: Any, pharmacist: Any
) -> None:
    test = build_post_test(home_study)
    assert selectors.assessment_completed_on(learner=pharmacist, activity=home_study) is None
    day = datetime.datetime(2026, 5, 4, 15, tzinfo=datetime.UTC)
    services.attempt_submit(
        learner=pharmacist,
        assessment=test,
        attempt_no=1,
        selected=answers(test, right=0),
        now=day - datetime.timedelta(days=2),
    )
    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=2, selected=answers(test, right=3), now=day
    )
    assert selectors.assessment_completed_on(
        learner=pharmacist, activity=home_study
    ) == datetime.date(2026, 5, 4)


def test_a_test_with_attempts_is_kept_and_copied(home_study: Any, pharmacist: Any) -> None:
    test = build_post_test(home_study)
    services.attempt_submit(
        learner=pharmacist, assessment=test, attempt_no=1, selected=answers(test, right=3)
    )
    with pytest.raises(services.AssessmentLocked):
        services.item_add(
            assessment=test,
            kind=Item.Kind.TRUE_FALSE,
            text="New?",
            feedback="x",
            options=[("True", True), ("False", False)],
        )
    with pytest.raises(services.AssessmentLocked):
        services.assessment_update(assessment=test, title="t", pass_percent=50, attempts_allowed=3)
    copy = services.assessment_copy(assessment=test)
    assert (copy.version, copy.lineage_id, copy.is_active) == (2, test.pk, False)
    assert copy.items.count() == 3
    assert set(copy.gated_designations.all()) == set(test.gated_designations.all())
    services.assessment_activate(assessment=copy)
    test.refresh_from_db()
    assert not test.is_active
    # A pass on version 1 still counts once version 2 is the one offered.
    assert (
        selectors.claim_gates(
            learner=pharmacist, activity=home_study, designations=home_study.designations.all()
        )
        == {}
    )


def test_the_database_allows_one_active_version(home_study: Any) -> None:
    test = build_post_test(home_study)
    copy = services.assessment_copy(assessment=test)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=copy.pk).update(is_active=True)


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("single", [("a", True), ("b", True)], "exactly one"),
        ("single", [("a", True)], "at least two"),
        ("multiple", [("a", False), ("b", False)], "Mark the correct"),
        ("true_false", [("True", False), ("False", False)], "true or false"),
    ],
)
def test_questions_need_their_correct_answers(
    home_study: Any, kind: str, options: Any, message: str
) -> None:
    test = services.assessment_create(activity=home_study, kind="post", title="T")
    with pytest.raises(ValidationError, match=message):
        services.item_add(assessment=test, kind=kind, text="Q", feedback="Why", options=options)


def test_a_pre_test_is_taken_once_and_not_graded(home_study: Any, pharmacist: Any) -> None:
    pre = services.assessment_create(
        activity=home_study, kind="pre", title="Pre", pass_percent=80, attempts_allowed=5
    )
    assert (pre.attempts_allowed, pre.gated_designations.count()) == (1, 0)
    services.item_add(
        assessment=pre,
        kind="true_false",
        text="Q",
        feedback="Why",
        options=[("True", True), ("False", False)],
    )
    services.assessment_activate(assessment=pre)
    attempt = services.attempt_submit(
        learner=pharmacist, assessment=pre, attempt_no=1, selected=answers(pre, right=1)
    )
    assert not attempt.passed and attempt.score_percent == 100
    assert selectors.assessment_completed_on(learner=pharmacist, activity=home_study) is None
