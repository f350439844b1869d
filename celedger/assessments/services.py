"""Writes for tests: building them (versions, questions, gates) and learners' attempts."""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from celedger.accounts.models import User
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.assessments.models import Assessment, Attempt, AttemptAnswer, Item, Option

ItemKind = Item.Kind
TRUE_FALSE = ("True", "False")


class AssessmentLocked(Exception):
    """The test has attempts: copy it (the next version) instead of editing it."""


def assessment_is_editable(*, assessment: Assessment) -> bool:
    return not assessment.attempts.exists()


def _ensure_editable(assessment: Assessment) -> None:
    if not assessment_is_editable(assessment=assessment):
        raise AssessmentLocked(assessment.pk)


def default_gated_designations(
    *, activity: Activity, designations: Iterable[CreditDesignation]
) -> list[CreditDesignation]:
    """Credit that needs a passed post-test unless staff say otherwise.

    MOC points (a board's credit type) need a learner assessment with a passing score;
    ACPE home study (a home-study structure, an enduring or journal format, or a UAN of
    type H) needs an assessment
    of learning. Sources and what is a choice here: docs/evaluations.md.
    """
    home_study = activity.is_home_study or activity.format in (
        Activity.Format.ENDURING,
        Activity.Format.JOURNAL,
    )
    gated = []
    for designation in designations:
        credit_type = designation.credit_type
        acpe_home_study = credit_type.requires_nabp and (home_study or "-H" in designation.uan)
        if credit_type.board_id is not None or acpe_home_study:
            gated.append(designation)
    return gated


def _check_numbers(*, kind: str, pass_percent: int, attempts_allowed: int) -> tuple[int, int]:
    errors: dict[str, str] = {}
    if not 1 <= pass_percent <= 100:
        errors["pass_percent"] = "Enter a pass mark from 1 to 100 percent."
    if not 1 <= attempts_allowed <= 50:
        errors["attempts_allowed"] = "Allow from 1 to 50 attempts."
    if errors:
        raise ValidationError(errors)
    if kind == Assessment.Kind.PRE:
        # A pre-test measures what learners knew before: one ungraded try.
        return 100, 1
    return pass_percent, attempts_allowed


def assessment_create(
    *,
    activity: Activity,
    kind: str,
    title: str,
    pass_percent: int = 70,
    attempts_allowed: int = 3,
    session: Session | None = None,
) -> Assessment:
    """A new draft version 1; a post-test starts gating the default credit types."""
    if session is not None and session.activity_id != activity.pk:
        raise ValidationError({"session": "Choose a session of this activity."})
    pass_percent, attempts_allowed = _check_numbers(
        kind=kind, pass_percent=pass_percent, attempts_allowed=attempts_allowed
    )
    with transaction.atomic():
        assessment = Assessment(
            activity=activity,
            session=session,
            kind=kind,
            title=title.strip(),
            pass_percent=pass_percent,
            attempts_allowed=attempts_allowed,
        )
        assessment.full_clean(exclude=["lineage", "activity", "session"])
        assessment.save()
        assessment.lineage = assessment
        assessment.save(update_fields=["lineage"])
        if kind == Assessment.Kind.POST:
            designations = CreditDesignation.objects.filter(activity=activity).select_related(
                "credit_type"
            )
            assessment.gated_designations.set(
                default_gated_designations(activity=activity, designations=designations)
            )
    return assessment


def assessment_update(
    *, assessment: Assessment, title: str, pass_percent: int, attempts_allowed: int
) -> Assessment:
    """Title, pass mark and attempts: fixed once learners have answered."""
    _ensure_editable(assessment)
    pass_percent, attempts_allowed = _check_numbers(
        kind=assessment.kind, pass_percent=pass_percent, attempts_allowed=attempts_allowed
    )
    assessment.title = title.strip()
    assessment.pass_percent = pass_percent
    assessment.attempts_allowed = attempts_allowed
    assessment.full_clean(exclude=["lineage", "activity", "session"])
    assessment.save(update_fields=["title", "pass_percent", "attempts_allowed"])
    return assessment


def assessment_set_gates(
    *, assessment: Assessment, designations: Sequence[CreditDesignation]
) -> None:
    """Which of the activity's credit needs this post-test passed (any time: rules of the
    credit, not of the answers)."""
    if assessment.kind != Assessment.Kind.POST:
        raise ValidationError("Only a post-test can gate credit.")
    if any(d.activity_id != assessment.activity_id for d in designations):
        raise ValidationError({"gated_designations": "Choose credit of this activity."})
    assessment.gated_designations.set(designations)


def assessment_copy(*, assessment: Assessment) -> Assessment:
    """The next version of the lineage, a draft with the same questions and gates."""
    with transaction.atomic():
        lineage_id = assessment.lineage_id or assessment.pk
        # Lock the lineage's first row so two copies cannot take the same number.
        Assessment.objects.select_for_update().filter(pk=lineage_id).first()
        last = Assessment.objects.filter(lineage_id=lineage_id).aggregate(v=Max("version"))["v"]
        copy = Assessment.objects.create(
            activity_id=assessment.activity_id,
            session_id=assessment.session_id,
            kind=assessment.kind,
            title=assessment.title,
            pass_percent=assessment.pass_percent,
            attempts_allowed=assessment.attempts_allowed,
            version=(last or assessment.version) + 1,
            lineage_id=lineage_id,
        )
        copy.gated_designations.set(assessment.gated_designations.all())
        items = list(assessment.items.prefetch_related("options"))
        new_items = Item.objects.bulk_create(
            Item(assessment=copy, order=i.order, kind=i.kind, text=i.text, feedback=i.feedback)
            for i in items
        )
        Option.objects.bulk_create(
            Option(item=new, order=o.order, text=o.text, is_correct=o.is_correct)
            for old, new in zip(items, new_items, strict=True)
            for o in old.options.all()
        )
    return copy


def assessment_activate(*, assessment: Assessment) -> Assessment:
    """Learners take this version from now on; the previous active one keeps its attempts."""
    if not assessment.items.exists():
        raise ValidationError("Add at least one question before learners can take the test.")
    with transaction.atomic():
        scope = (
            Q(session__isnull=True)
            if assessment.session_id is None
            else Q(session_id=assessment.session_id)
        )
        others = Assessment.objects.select_for_update().filter(
            scope, activity_id=assessment.activity_id, kind=assessment.kind, is_active=True
        )
        others.exclude(pk=assessment.pk).update(is_active=False)
        assessment.is_active = True
        assessment.save(update_fields=["is_active"])
    return assessment


def assessment_deactivate(*, assessment: Assessment) -> Assessment:
    """No version is taken any more (and no credit waits for it)."""
    assessment.is_active = False
    assessment.save(update_fields=["is_active"])
    return assessment


def _clean_options(kind: str, options: Sequence[tuple[str, bool]]) -> list[tuple[str, bool]]:
    cleaned = [(text.strip(), correct) for text, correct in options if text.strip()]
    if kind == ItemKind.TRUE_FALSE:
        answers = [text for text, correct in cleaned if correct]
        if [t for t, _ in cleaned] != list(TRUE_FALSE) or len(answers) != 1:
            raise ValidationError({"correct": "Choose whether the statement is true or false."})
        return cleaned
    if len(cleaned) < 2:
        raise ValidationError({"options": "Give at least two answers, one per line."})
    if len({t for t, _ in cleaned}) != len(cleaned):
        raise ValidationError({"options": "Each answer must be different."})
    right = sum(1 for _, correct in cleaned if correct)
    if kind == ItemKind.SINGLE and right != 1:
        raise ValidationError({"options": "Mark exactly one answer as correct (start it with *)."})
    if kind == ItemKind.MULTIPLE and right < 1:
        raise ValidationError({"options": "Mark the correct answers (start each with *)."})
    return cleaned


def item_add(
    *,
    assessment: Assessment,
    kind: str,
    text: str,
    feedback: str,
    options: Sequence[tuple[str, bool]],
) -> Item:
    """Appends a question with its answers (text, is correct) at the end of the test."""
    cleaned = _clean_options(kind, options)
    if not feedback.strip():
        raise ValidationError({"feedback": "Explain why the answer is correct."})
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=assessment.pk).first()
        _ensure_editable(assessment)
        last = assessment.items.aggregate(o=Max("order"))["o"] or 0
        item = Item(
            assessment=assessment,
            order=last + 1,
            kind=kind,
            text=text.strip(),
            feedback=feedback.strip(),
        )
        item.full_clean()
        item.save()
        Option.objects.bulk_create(
            Option(item=item, order=n, text=t, is_correct=c)
            for n, (t, c) in enumerate(cleaned, start=1)
        )
    return item


def item_update(
    *, item: Item, kind: str, text: str, feedback: str, options: Sequence[tuple[str, bool]]
) -> Item:
    """Rewrites a question of a test nobody has taken yet (its answers are replaced)."""
    cleaned = _clean_options(kind, options)
    if not feedback.strip():
        raise ValidationError({"feedback": "Explain why the answer is correct."})
    with transaction.atomic():
        Assessment.objects.select_for_update().filter(pk=item.assessment_id).first()
        _ensure_editable(item.assessment)
        item.kind = kind
        item.text = text.strip()
        item.feedback = feedback.strip()
        item.full_clean()
        item.save()
        item.options.all().delete()
        Option.objects.bulk_create(
            Option(item=item, order=n, text=t, is_correct=c)
            for n, (t, c) in enumerate(cleaned, start=1)
        )
    return item


def item_delete(*, item: Item) -> None:
    with transaction.atomic():
        _ensure_editable(item.assessment)
        item.delete()


# --- Learners' attempts ------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    passed: bool

    @property
    def percent(self) -> int:
        # Shown rounded down, so "70%" never hides a 69.6 that failed a 70% mark.
        return (100 * self.correct) // self.total if self.total else 0


def score_answers(
    *, pass_percent: int, correct_by_item: Mapping[int, set[int]], selected: Mapping[int, set[int]]
) -> tuple[Score, dict[int, bool]]:
    """An answer is right when exactly the correct options are ticked (all of them for
    multiple choice). Passed when correct / total reaches the pass mark, compared exactly."""
    right = {iid: selected.get(iid, set()) == correct for iid, correct in correct_by_item.items()}
    correct = sum(right.values())
    total = len(correct_by_item)
    passed = total > 0 and 100 * correct >= pass_percent * total
    return Score(correct=correct, total=total, passed=passed), right


def attempt_submit(
    *,
    learner: User,
    assessment: Assessment,
    attempt_no: int,
    selected: Mapping[int, Iterable[int]],
    now: datetime.datetime | None = None,
) -> Attempt:
    """Record the learner's attempt number `attempt_no` and its score.

    `attempt_no` is the number the learner's page showed: a double submit or a second tab
    sends the same number, and the unique (learner, test, attempt_no) keeps one row, so it
    never costs a second attempt. Numbers above the attempts allowed, attempts after a
    pass and unanswered questions are refused (ValidationError).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("activity__publisher")
            .get(pk=assessment.pk)
        )
        if not locked.is_active:
            raise ValidationError("This test is no longer offered.")
        previous = list(
            Attempt.objects.filter(learner=learner, assessment=locked).values_list(
                "attempt_no", "passed"
            )
        )
        if locked.is_graded and any(passed for _, passed in previous):
            raise ValidationError("You have already passed this test.")
        expected = len(previous) + 1
        if attempt_no != expected:
            raise ValidationError("This attempt was already submitted.", code="duplicate")
        if attempt_no > locked.attempts_allowed:
            raise ValidationError("You have used all the attempts this test allows.")
        items = list(Item.objects.filter(assessment=locked).prefetch_related("options"))
        options_of = {i.pk: {o.pk for o in i.options.all()} for i in items}
        chosen = {int(k): {int(v) for v in values} for k, values in selected.items()}
        missing = [i.pk for i in items if not chosen.get(i.pk)]
        stray = [k for k, v in chosen.items() if k not in options_of or not v <= options_of[k]]
        if missing or stray:
            raise ValidationError("Answer every question.")
        score, right = score_answers(
            pass_percent=locked.pass_percent,
            correct_by_item={i.pk: {o.pk for o in i.options.all() if o.is_correct} for i in items},
            selected=chosen,
        )
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    learner=learner,
                    assessment=locked,
                    attempt_no=attempt_no,
                    correct=score.correct,
                    total=score.total,
                    score_percent=score.percent,
                    passed=score.passed if locked.is_graded else False,
                    submitted_at=now,
                    completed_on=timezone.localtime(now, locked.activity.publisher.zone).date(),
                )
        except IntegrityError as error:
            raise ValidationError(
                "This attempt was already submitted.", code="duplicate"
            ) from error
        AttemptAnswer.objects.bulk_create(
            AttemptAnswer(
                attempt=attempt,
                item_id=i.pk,
                selected=sorted(chosen[i.pk]),
                is_correct=right[i.pk],
            )
            for i in items
        )
    return attempt
