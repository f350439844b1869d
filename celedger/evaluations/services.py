"""Writes for evaluation forms, activity settings and learners' responses."""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from celedger.activities.models import Activity, Session
from celedger.core.rows import insert_instances
from celedger.evaluations.models import (
    ActivityEvaluation,
    Answer,
    EvaluationForm,
    Question,
    Response,
)
from celedger.evaluations.signals import form_questions_drop
from celedger.publishers.models import Publisher

if TYPE_CHECKING:
    from celedger.accounts.models import User

Kind = Question.Kind

# What an answer holds, by kind: a number, a text, or a list of selected choices.
NUMBER_KINDS = {Kind.AGREEMENT, Kind.RATING, Kind.YES_NO}
TEXT_KINDS = {Kind.SINGLE, Kind.SHORT_TEXT, Kind.LONG_TEXT}


class FormLocked(Exception):
    """The form has responses (or is the standard one): copy it instead of editing."""


def form_is_editable(*, form: EvaluationForm) -> bool:
    return not form.is_standard and not form.responses.exists()


def _ensure_editable(form: EvaluationForm) -> None:
    if not form_is_editable(form=form):
        raise FormLocked(form.pk)


def form_create(*, publisher: Publisher, name: str) -> EvaluationForm:
    """A new, empty version 1 that starts its own lineage."""
    with transaction.atomic():
        form = EvaluationForm(publisher=publisher, name=name, version=1)
        form.full_clean(exclude=["lineage"])
        form.save()
        form.lineage = form
        form.save(update_fields=["lineage"])
    return form


def form_rename(*, form: EvaluationForm, name: str) -> EvaluationForm:
    _ensure_editable(form)
    form.name = name
    form.full_clean()
    form.save(update_fields=["name"])
    return form


def form_copy(*, form: EvaluationForm, publisher: Publisher) -> EvaluationForm:
    """An editable copy with the same questions.

    A publisher's own form becomes the next version of its lineage (responses stay with
    the version they answered); the standard form or another lineage starts a new one.
    """
    with transaction.atomic():
        if form.publisher_id == publisher.pk and not form.is_standard:
            lineage_id = form.lineage_id or form.pk
            # Lock the lineage's first row so two copies cannot take the same number.
            EvaluationForm.objects.select_for_update().filter(pk=lineage_id).first()
            last = EvaluationForm.objects.filter(lineage_id=lineage_id).aggregate(
                v=Max("version")
            )["v"]
            copy = EvaluationForm.objects.create(
                publisher=publisher,
                name=form.name,
                version=(last or form.version) + 1,
                lineage_id=lineage_id,
            )
        else:
            copy = EvaluationForm.objects.create(publisher=publisher, name=form.name, version=1)
            copy.lineage = copy
            copy.save(update_fields=["lineage"])
        Question.objects.bulk_create(
            Question(
                form=copy,
                order=q.order,
                kind=q.kind,
                text=q.text,
                help_text=q.help_text,
                required=q.required,
                choices=list(q.choices),
            )
            for q in form.questions.all()
        )
        form_questions_drop(copy.pk)  # `bulk_create` sends no signal
    return copy


def _clean_choices(kind: str, choices: list[str]) -> list[str]:
    cleaned = [c.strip() for c in choices if c.strip()]
    if kind in (Kind.SINGLE, Kind.MULTIPLE):
        if len(cleaned) < 2:
            raise ValidationError({"choices": "Give at least two choices, one per line."})
        if len(set(cleaned)) != len(cleaned):
            raise ValidationError({"choices": "Each choice must be different."})
        return cleaned
    return []


def question_add(
    *,
    form: EvaluationForm,
    kind: str,
    text: str,
    help_text: str = "",
    required: bool = True,
    choices: list[str] | None = None,
) -> Question:
    """Appends a question at the end of the form."""
    with transaction.atomic():
        EvaluationForm.objects.select_for_update().filter(pk=form.pk).first()
        _ensure_editable(form)
        last = form.questions.aggregate(o=Max("order"))["o"] or 0
        question = Question(
            form=form,
            order=last + 1,
            kind=kind,
            text=text,
            help_text=help_text,
            required=required,
            choices=_clean_choices(kind, choices or []),
        )
        question.full_clean()
        question.save()
    return question


def question_update(
    *,
    question: Question,
    kind: str,
    text: str,
    help_text: str = "",
    required: bool = True,
    choices: list[str] | None = None,
) -> Question:
    with transaction.atomic():
        _ensure_editable(question.form)
        question.kind = kind
        question.text = text
        question.help_text = help_text
        question.required = required
        question.choices = _clean_choices(kind, choices or [])
        question.full_clean()
        question.save()
    return question


def question_delete(*, question: Question) -> None:
    with transaction.atomic():
        _ensure_editable(question.form)
        question.delete()


def question_move(*, question: Question, up: bool) -> None:
    """Swaps the question with its neighbour above (or below)."""
    with transaction.atomic():
        form = question.form
        _ensure_editable(form)
        siblings = form.questions.select_for_update()
        neighbour = (
            siblings.filter(order__lt=question.order).order_by("-order").first()
            if up
            else siblings.filter(order__gt=question.order).order_by("order").first()
        )
        if neighbour is None:
            return
        mine, theirs = question.order, neighbour.order
        # Park one row outside the range so the unique (form, order) holds at every step.
        parked = (form.questions.aggregate(o=Max("order"))["o"] or 0) + 1
        Question.objects.filter(pk=question.pk).update(order=parked)
        Question.objects.filter(pk=neighbour.pk).update(order=mine)
        Question.objects.filter(pk=question.pk).update(order=theirs)
        question.order = theirs
        # `update()` sends no signal: the cached questions are dropped here.
        form_questions_drop(form.pk)


def activity_evaluation_set(
    *,
    activity: Activity,
    mode: str,
    form: EvaluationForm | None = None,
    outside_url: str = "",
    per_session: bool | None = None,
    confirm_per_session_change: bool = False,
) -> ActivityEvaluation:
    """How the activity is evaluated; only the fields its mode needs are kept.

    `per_session` None keeps the current choice (a new setup: per session for a series).
    Switching between per-session and once-per-activity after learners answered asks them
    to evaluate again, so it needs `confirm_per_session_change`.
    """
    if mode == ActivityEvaluation.Mode.BUILTIN:
        if form is None:
            raise ValidationError({"form": "Choose a form."})
        if not form.is_standard and form.publisher_id != activity.publisher_id:
            raise ValidationError({"form": "Choose one of your forms or the standard one."})
        outside_url = ""
    elif mode == ActivityEvaluation.Mode.OUTSIDE:
        if not outside_url:
            raise ValidationError({"outside_url": "Give the address of the outside form."})
        form = None
    else:
        form, outside_url = None, ""
    with transaction.atomic():
        setup = ActivityEvaluation.objects.select_for_update().filter(activity=activity).first()
        if setup is None:
            setup = ActivityEvaluation(
                activity=activity, per_session=ActivityEvaluation.default_per_session(activity)
            )
        if per_session is None:
            per_session = setup.per_session
        elif (
            not setup._state.adding
            and setup.per_session != per_session
            and not confirm_per_session_change
        ):
            answered = Response.objects.filter(activity=activity).count()
            if answered:
                raise ValidationError(
                    {
                        "per_session": f"{answered} learner(s) already evaluated this activity: "
                        "changing this asks them to evaluate again. Tick “Change it anyway” "
                        "to go ahead."
                    }
                )
        setup.mode = mode
        setup.form = form
        setup.outside_url = outside_url
        setup.per_session = per_session
        setup.full_clean(validate_unique=False)
        setup.save()
    return setup


def _response_upsert(
    *,
    learner: "User",
    activity: Activity,
    session: Session | None,
    form: EvaluationForm | None,
    outside_attested: bool,
) -> tuple[Response, bool]:
    """The learner's response, inserted (the closing rush's case: a first evaluation) or,
    when one is there, locked and updated; True when inserted."""
    try:
        # The INSERT first, in its own savepoint: a response already there (a change, or
        # a double submit that raced us) is refused by the partial unique constraint.
        response = Response(
            learner=learner,
            activity=activity,
            session=session,
            form=form,
            outside_attested=outside_attested,
        )
        with transaction.atomic():
            insert_instances([response])
        return response, True
    except IntegrityError:
        lookup: dict[str, Any] = {"learner": learner, "activity": activity}
        if session is None:
            lookup["session__isnull"] = True
        else:
            lookup["session"] = session
        response = Response.objects.select_for_update().get(**lookup)
    response.outside_attested = outside_attested
    response.save(update_fields=["outside_attested", "updated_at"])
    return response, False


def response_submit(
    *,
    learner: "User",
    activity: Activity,
    session: Session | None,
    form: EvaluationForm,
    answers: Mapping[int, Any],
    questions: Sequence[Question] | None = None,
) -> Response:
    """Saves (or replaces) the learner's answers; one response per learner and session.

    `answers` maps question id to a cleaned value: int for scales/ratings/yes-no
    (1/0), str for single choice and text, list[str] for multiple choice. A response
    keeps the form version it first answered. `questions`: the form's questions when
    the caller has read them (the page has), so they are not read again.
    """
    with transaction.atomic():
        response, created = _response_upsert(
            learner=learner,
            activity=activity,
            session=session,
            form=form,
            outside_attested=False,
        )
        if response.form_id is None:
            response.form = form
            response.save(update_fields=["form", "updated_at"])
        if questions is not None and all(q.form_id == response.form_id for q in questions):
            kinds = {q.pk: q.kind for q in questions}
        else:
            kinds = dict(
                Question.objects.filter(form_id=response.form_id).values_list("id", "kind")
            )
        if not created:
            response.answers.all().delete()
        rows = []
        for question_id, value in answers.items():
            kind = kinds.get(question_id)
            if kind is None or value in (None, "", []):
                continue
            answer = Answer(response=response, question_id=question_id)
            if kind in NUMBER_KINDS:
                answer.number = int(value)
            elif kind == Kind.MULTIPLE:
                answer.selected = list(value)
            else:
                answer.text = str(value)
            rows.append(answer)
        insert_instances(rows)
    return response


def response_attest_outside(
    *, learner: "User", activity: Activity, session: Session | None
) -> Response:
    """The learner says they completed the publisher's outside form: no answers kept."""
    with transaction.atomic():
        response, _ = _response_upsert(
            learner=learner,
            activity=activity,
            session=session,
            form=None,
            outside_attested=True,
        )
    return response
