"""Provider pages: build a test, gate credit, copy a used test, read results and export.
Every page × every persona gets exactly its rights (the console permission matrix)."""

import csv
import io
from typing import Any

import pytest
from django.http import FileResponse
from django.urls import reverse
from openpyxl import load_workbook

from celedger.accounts.tests.factories import UserFactory
from celedger.assessments import services
from celedger.assessments.models import Assessment, Attempt, Item
from celedger.assessments.tests.conftest import answers, build_post_test
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.personas import PERSONAS, assert_persona_answer

pytestmark = pytest.mark.django_db
Role = StaffMembership.Role


class Ctx:
    def __init__(self, publisher: Any, activity: Any) -> None:
        self.code = publisher.code
        self.activity = activity
        self.test = build_post_test(activity)
        self.draft = services.assessment_copy(assessment=self.test)
        self.item = self.draft.items.order_by("order").first()


def _base(c: Ctx) -> list[Any]:
    return [c.code, c.activity.pk]


# (name, method, min role, url(ctx), data(ctx))
ACTIONS: list[tuple[str, str, str, Any, Any]] = [
    (
        "overview",
        "get",
        Role.VIEWER,
        lambda c: reverse("assessments:overview", args=[c.code]),
        None,
    ),
    (
        "activity_tests",
        "get",
        Role.VIEWER,
        lambda c: reverse("assessments:activity_tests", args=_base(c)),
        None,
    ),
    (
        "activity_tests-create",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("assessments:activity_tests", args=_base(c)),
        lambda c: {"kind": "pre", "title": "Pre", "pass_percent": "70", "attempts_allowed": "1"},
    ),
    (
        "detail",
        "get",
        Role.VIEWER,
        lambda c: reverse("assessments:detail", args=[*_base(c), c.test.pk]),
        None,
    ),
    (
        "detail-copy",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("assessments:detail", args=[*_base(c), c.test.pk]),
        lambda c: {"action": "copy"},
    ),
    (
        "item_add",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("assessments:item_add", args=[*_base(c), c.draft.pk]),
        lambda c: {
            "item-text": "Is it true?",
            "item-kind": "true_false",
            "item-correct": "True",
            "item-feedback": "Because.",
        },
    ),
    (
        "item_edit",
        "get",
        Role.COORDINATOR,
        lambda c: reverse("assessments:item_edit", args=[*_base(c), c.draft.pk, c.item.pk]),
        None,
    ),
    (
        "item_edit-save",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("assessments:item_edit", args=[*_base(c), c.draft.pk, c.item.pk]),
        lambda c: {
            "text": "Renamed?",
            "kind": "true_false",
            "correct": "False",
            "feedback": "Because.",
        },
    ),
    (
        "item_delete",
        "post",
        Role.COORDINATOR,
        lambda c: reverse("assessments:item_delete", args=[*_base(c), c.draft.pk, c.item.pk]),
        lambda c: {},
    ),
    (
        "results",
        "get",
        Role.VIEWER,
        lambda c: reverse("assessments:results", args=_base(c)),
        None,
    ),
    (
        "export",
        "get",
        Role.VIEWER,
        lambda c: reverse("assessments:export", args=[*_base(c), "csv"]),
        None,
    ),
]


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "title", "is_active")),
        sorted(Item.objects.values_list("pk", "text")),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "min_role", "url", "data"), ACTIONS, ids=[a[0] for a in ACTIONS]
)
def test_it_gives_each_persona_exactly_its_rights(
    login: Any,
    publisher: Any,
    activity: Any,
    persona: str,
    name: str,
    method: str,
    min_role: str,
    url: Any,
    data: Any,
) -> None:
    ctx = Ctx(publisher, activity)
    client = login(persona)
    before = _snapshot()
    call = getattr(client, method)
    response = call(url(ctx), data(ctx)) if data else call(url(ctx))
    if assert_persona_answer(response, persona=persona, min_role=min_role, method=method):
        if method == "post":
            assert _snapshot() != before
        return
    assert _snapshot() == before, "a refused request changed data"


def test_the_matrix_lists_every_console_url() -> None:
    from celedger.assessments import urls

    names = {p.name for p in urls.urlpatterns if str(p.pattern).startswith("console/")}
    assert names == {a[0].split("-")[0] for a in ACTIONS}


def test_an_outsider_cannot_reach_a_test_through_their_own_code(
    login: Any, other_publisher: Any, activity: Any
) -> None:
    test = build_post_test(activity)
    client = login("outsider")
    for url in (
        reverse("assessments:detail", args=[other_publisher.code, activity.pk, test.pk]),
        reverse("assessments:results", args=[other_publisher.code, activity.pk]),
        reverse("assessments:export", args=[other_publisher.code, activity.pk, "xlsx"]),
    ):
        assert client.get(url).status_code == 404, url


def test_a_coordinator_builds_gates_and_activates_a_post_test(
    login: Any, activity: Any, publisher: Any
) -> None:
    client = login("coordinator")
    base = reverse("assessments:activity_tests", args=[publisher.code, activity.pk])
    response = client.post(
        base, {"kind": "post", "title": "", "pass_percent": "150", "attempts_allowed": "2"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "Ensure this value is less than or equal to 100." in body
    assert 'value="2"' in body  # what was typed is kept

    response = client.post(
        base, {"kind": "post", "title": "Post", "pass_percent": "80", "attempts_allowed": "2"}
    )
    test = Assessment.objects.get(title="Post")
    detail = reverse("assessments:detail", args=[publisher.code, activity.pk, test.pk])
    assert response["Location"] == detail

    add = reverse("assessments:item_add", args=[publisher.code, activity.pk, test.pk])
    response = client.post(
        add,
        {
            "item-text": "Pick one",
            "item-kind": "single",
            "item-options": "*Right\n*Also right",
            "item-feedback": "x",
        },
    )
    assert response.status_code == 400
    assert "Mark exactly one answer as correct" in response.content.decode()
    assert "Also right" in response.content.decode()
    client.post(
        add,
        {
            "item-text": "Pick one",
            "item-kind": "single",
            "item-options": "*Right\nWrong",
            "item-feedback": "Because the guideline says so.",
        },
    )
    item = test.items.get()
    assert [(o.text, o.is_correct) for o in item.options.all()] == [
        ("Right", True),
        ("Wrong", False),
    ]

    ama = activity.designations.get()
    client.post(detail, {"action": "gates", "gates-gated_designations": [str(ama.pk)]})
    assert list(test.gated_designations.all()) == [ama]
    client.post(detail, {"action": "activate"})
    test.refresh_from_db()
    assert test.is_active


def test_a_used_test_is_copied_not_edited(login: Any, activity: Any, publisher: Any) -> None:
    test = build_post_test(activity)
    services.attempt_submit(
        learner=UserFactory(), assessment=test, attempt_no=1, selected=answers(test, right=3)
    )
    client = login("coordinator")
    detail = reverse("assessments:detail", args=[publisher.code, activity.pk, test.pk])
    page = client.get(detail).content.decode()
    assert "kept as answered" in page and "Add a question" not in page
    response = client.post(
        detail,
        {
            "action": "settings",
            "settings-title": "x",
            "settings-pass_percent": "10",
            "settings-attempts_allowed": "9",
        },
    )
    test.refresh_from_db()
    assert test.pass_percent == 70
    response = client.post(detail, {"action": "copy"})
    copy = Assessment.objects.get(version=2)
    assert response["Location"].endswith(f"/{copy.pk}/")
    assert "Add a question" in client.get(response["Location"]).content.decode()


def _take(test: Any, learner: Any, rights: list[int]) -> None:
    for n, right in enumerate(rights, start=1):
        services.attempt_submit(
            learner=learner, assessment=test, attempt_no=n, selected=answers(test, right=right)
        )


def test_results_show_percent_correct_pre_vs_post_and_each_learners_attempts(
    login: Any, activity: Any, publisher: Any, django_assert_max_num_queries: Any
) -> None:
    test = build_post_test(activity)
    pre = services.assessment_create(activity=activity, kind="pre", title="Pre")
    first = test.items.order_by("order").first()
    services.item_add(
        assessment=pre,
        kind="single",
        text=first.text,
        feedback="-",
        options=[(o.text, o.is_correct) for o in first.options.all()],
    )
    services.assessment_activate(assessment=pre)
    learners = [LearnerProfileFactory(last_name=f"L{n}").user for n in range(4)]
    for learner in learners:
        _take(pre, learner, [0])
    _take(test, learners[0], [1, 3])  # fails, then passes
    _take(test, learners[1], [3])
    _take(test, learners[2], [0, 0, 0])
    client = login("viewer")
    url = reverse("assessments:results", args=[publisher.code, activity.pk])
    # session/user/membership (3), versions, questions, tally, attempts (4)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    body = response.content.decode()
    assert "<strong>4</strong> learners took a test; <strong>2</strong> passed" in body
    # First question right on first attempts by learners 0 and 1 of 3: 67%; pre-test 0%.
    assert 'aria-label="Post-test: 67% correct"' in body
    assert 'aria-label="Pre-test: 0% correct"' in body
    assert "+67 points" in body
    assert "3 of 3" in body  # learner 2 used every attempt

    for learner in (LearnerProfileFactory().user for _ in range(5)):
        _take(test, learner, [2])
    with django_assert_max_num_queries(10):
        client.get(url)


def test_the_export_has_every_attempt_and_keeps_formulas_as_text(
    login: Any, activity: Any, publisher: Any
) -> None:
    test = build_post_test(activity)
    learner = LearnerProfileFactory(first_name="=HYPERLINK(1)").user
    _take(test, learner, [1, 3])
    client = login("viewer")
    response = client.get(reverse("assessments:export", args=[publisher.code, activity.pk, "csv"]))
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][:3] == ["Learner", "Email", "Test"]
    assert len(rows) == 3
    assert rows[1][0].startswith("'=HYPERLINK(1)")
    assert (rows[1][5], rows[1][10], rows[1][11]) == ("1", "33", "no")
    assert (rows[2][5], rows[2][10], rows[2][11]) == ("2", "100", "yes")

    response = client.get(
        reverse("assessments:export", args=[publisher.code, activity.pk, "xlsx"])
    )
    assert isinstance(response, FileResponse)  # streamed from a file, not built in memory
    assert response["Content-Disposition"] == (
        f'attachment; filename="test-attempts-{publisher.code}-{activity.pk}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3 and values[1][0].startswith("'=")
    assert values[0][:3] == ("Learner", "Email", "Test")
    assert (values[1][5], values[1][10], values[1][11]) == (1, 33, "no")
    assert Attempt.objects.count() == 2


def test_a_draft_question_is_edited_in_place(login: Any, activity: Any, publisher: Any) -> None:
    test = build_post_test(activity)
    item = test.items.get(kind="multiple")
    url = reverse("assessments:item_edit", args=[publisher.code, activity.pk, test.pk, item.pk])
    client = login("coordinator")
    page = client.get(url).content.decode()
    assert "*Pinpoint pupils\n*Slow breathing\nAgitation" in page
    response = client.post(
        url, {"text": "Signs?", "kind": "multiple", "options": "A\nB", "feedback": "Why"}
    )
    assert response.status_code == 400
    assert "Mark the correct answers" in response.content.decode()
    client.post(
        url, {"text": "Signs?", "kind": "multiple", "options": "*A\n*B\nC", "feedback": "Why"}
    )
    item.refresh_from_db()
    assert item.text == "Signs?"
    assert [(o.text, o.is_correct) for o in item.options.all()] == [
        ("A", True),
        ("B", True),
        ("C", False),
    ]
