"""Reads about evaluations that other apps (credits) rely on."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connections, router
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from celedger.activities.models import Activity, Attendance, Session
from celedger.activities.selectors import event_session_key
from celedger.core.cache import cached_found, cached_reference
from celedger.core.rows import model_columns
from celedger.core.spreadsheets import safe_cell
from celedger.evaluations.models import (
    ActivityEvaluation,
    Answer,
    EvaluationForm,
    Question,
    Response,
)
from celedger.publishers.models import Publisher

if TYPE_CHECKING:
    from celedger.accounts.models import User


def evaluation_setup_key(activity_id: int) -> str:
    return f"evaluation-setup:{activity_id}"


def form_questions_key(form_id: int) -> str:
    return f"evaluation-questions:{form_id}"


def evaluation_setup(*, activity: Activity) -> ActivityEvaluation | None:
    """How the activity is evaluated, with its form; None when it has no evaluation.
    Read on every evaluation page and POST, so cached per activity (none kept too) until
    the setup or its form is saved or deleted (`evaluations/apps.py`)."""
    setup = cached_reference(
        evaluation_setup_key(activity.pk),
        lambda: (
            ActivityEvaluation.objects.filter(activity_id=activity.pk)
            .select_related("form")
            .first()
        ),
    )
    if setup is None or setup.mode == ActivityEvaluation.Mode.NONE:
        return None
    return setup


def form_questions(*, form: EvaluationForm) -> list[Question]:
    """The form version's questions in order: reference data, cached per form until one of
    them is added, changed, moved or deleted (`evaluations/apps.py`, `question_move`).
    Each hit a copy; their `choices` lists are shared: read them, never change them."""
    return cached_reference(
        form_questions_key(form.pk), lambda: list(Question.objects.filter(form_id=form.pk))
    )


def evaluation_is_complete(*, learner: "User", session: Session) -> bool:
    """True when the learner has nothing left to evaluate before claiming for `session`."""
    setup = evaluation_setup(activity=session.activity)
    if setup is None:
        return True
    responses = Response.objects.filter(learner=learner, activity_id=session.activity_id)
    if setup.per_session:
        responses = responses.filter(session=session)
    else:
        responses = responses.filter(session__isnull=True)
    return responses.exists()


# --- Console and learner reads (issue 4) -------------------------------------------

QUESTION_KINDS_WITH_CHART = {
    Question.Kind.AGREEMENT,
    Question.Kind.RATING,
    Question.Kind.YES_NO,
    Question.Kind.SINGLE,
    Question.Kind.MULTIPLE,
}
TEXT_ANSWER_KINDS = {Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT}
AGREEMENT_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neutral",
    4: "Agree",
    5: "Strongly agree",
}
RATING_LABELS = {1: "1 (poor)", 2: "2", 3: "3", 4: "4", 5: "5 (excellent)"}
YES_NO_LABELS = {1: "Yes", 0: "No"}
# Free-text answers shown per question on the summary page; the export has them all.
TEXT_ANSWERS_SHOWN = 200


def forms_for_publisher(*, publisher: Publisher) -> QuerySet[EvaluationForm]:
    """The publisher's own forms (every version) and the standard ones."""
    return (
        EvaluationForm.objects.filter(Q(publisher=publisher) | Q(is_standard=True))
        .annotate(
            question_count=Count("questions", distinct=True),
            response_count=Count("responses", distinct=True),
        )
        .order_by("-is_standard", "name", "lineage_id", "-version")
    )


def form_get_for_staff(*, publisher: Publisher, pk: int) -> EvaluationForm:
    """A form the publisher may see (its own or a standard one); 404 otherwise."""
    form = (
        EvaluationForm.objects.filter(Q(publisher=publisher) | Q(is_standard=True), pk=pk)
        .annotate(response_count=Count("responses"))
        .first()
    )
    if form is None:
        raise Http404
    return form


def question_get_for_staff(*, publisher: Publisher, form_pk: int, pk: int) -> Question:
    question = (
        Question.objects.select_related("form")
        .filter(pk=pk, form_id=form_pk, form__publisher=publisher)
        .first()
    )
    if question is None:
        raise Http404
    return question


def session_get_for_learner(*, event_id: str) -> Session:
    """A session of a published (or closed) activity by its stored Event ID; else 404.
    Cached by Event ID (`activities.selectors.event_session_key`)."""
    session = cached_found(
        event_session_key(event_id, "learner"),
        lambda: (
            Session.objects.select_related("activity", "activity__publisher")
            .filter(event_id=event_id)
            .exclude(activity__status=Activity.Status.DRAFT)
            .first()
        ),
    )
    if session is None:
        raise Http404
    return session


def response_for_learner(
    *, learner: "User", session: Session, setup: ActivityEvaluation
) -> Response | None:
    """The learner's own response for this session (or activity, evaluated once), its form
    the setup's when it is that version (else read when used).

    Written out (`core/rows.py`): the evaluation page and POST read it on every request,
    and the ORM compiled the same statement afresh each time."""
    using = router.db_for_read(Response)
    conn = connections[using]
    columns = model_columns(Response, alias="r", using=using)
    scope = "r.session_id = %s" if setup.per_session else "r.session_id IS NULL"
    sql = (
        f"SELECT {columns.sql} FROM {conn.ops.quote_name(Response._meta.db_table)} r "
        f"WHERE r.learner_id = %s AND r.activity_id = %s AND {scope} ORDER BY r.id LIMIT 1"
    )
    params = [learner.pk, session.activity_id]
    if setup.per_session:
        params.append(session.pk)
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    response = columns.instance(row, using=using)
    if setup.form is not None and response.form_id == setup.form_id:
        response._state.fields_cache["form"] = setup.form
    return response


def credit_claimed(*, learner: "User", session: Session, setup: ActivityEvaluation) -> bool:
    """Whether credit already rests on this evaluation (then it can no longer change)."""
    # By name: credits imports evaluations, never the other way round.
    claim_model = apps.get_model("credits", "Claim")
    claims = claim_model.objects.filter(learner=learner, status="active")
    if setup.per_session:
        claims = claims.filter(session=session)
    else:
        claims = claims.filter(session__activity_id=session.activity_id)
    return bool(claims.exists())


def answers_initial(*, response: Response) -> dict[int, Any]:
    """The response's answers as form initial data keyed by question id."""
    initial: dict[int, Any] = {}
    for answer in response.answers.select_related("question"):
        kind = answer.question.kind
        if kind == Question.Kind.YES_NO:
            initial[answer.question_id] = "yes" if answer.number else "no"
        elif kind in (Question.Kind.AGREEMENT, Question.Kind.RATING):
            initial[answer.question_id] = str(answer.number)
        elif kind == Question.Kind.MULTIPLE:
            initial[answer.question_id] = list(answer.selected)
        else:
            initial[answer.question_id] = answer.text
    return initial


@dataclass
class Bar:
    label: str
    count: int
    percent: int


@dataclass
class QuestionSummary:
    question: Question
    answered: int = 0
    bars: list[Bar] = field(default_factory=list)
    average: float | None = None
    texts: list[str] = field(default_factory=list)
    more_texts: int = 0

    @property
    def has_chart(self) -> bool:
        return self.question.kind in QUESTION_KINDS_WITH_CHART


@dataclass
class FormSummary:
    form: EvaluationForm
    questions: list[QuestionSummary]


@dataclass
class EvaluationSummary:
    responses: int
    attendees: int
    outside_attested: int
    forms: list[FormSummary]


def responses_for_summary(
    *, activity: Activity, session: Session | None = None, profession: str = ""
) -> QuerySet[Response]:
    responses = Response.objects.filter(activity=activity)
    if session is not None:
        responses = responses.filter(session=session)
    if profession:
        responses = responses.filter(learner__profile__profession__code=profession)
    return responses


def _bars(counts: dict[Any, int], labels: dict[Any, str], answered: int) -> list[Bar]:
    return [
        Bar(
            label=label,
            count=counts.get(key, 0),
            percent=round(100 * counts.get(key, 0) / answered) if answered else 0,
        )
        for key, label in labels.items()
    ]


def evaluation_summary(
    *,
    activity: Activity,
    setup: ActivityEvaluation | None,
    session: Session | None = None,
    profession: str = "",
) -> EvaluationSummary:
    """Counts, distributions, averages and free text in a fixed number of queries.

    Queries: responses count, attestations, attendees, forms answered, questions,
    number answers grouped, single-choice answers grouped, multiple-choice selections,
    free text (bounded) — nine, whatever the number of responses.
    """
    responses = responses_for_summary(activity=activity, session=session, profession=profession)
    totals = responses.aggregate(
        total=Count("id"), attested=Count("id", filter=Q(outside_attested=True))
    )
    attendance = Attendance.objects.filter(session__activity=activity)
    if session is not None:
        attendance = attendance.filter(session=session)
    if profession:
        attendance = attendance.filter(learner__profile__profession__code=profession)
    attendees = attendance.count()

    form_ids = set(
        responses.exclude(form__isnull=True).values_list("form_id", flat=True).distinct()
    )
    if setup is not None and setup.form_id:
        form_ids.add(setup.form_id)
    questions = list(
        Question.objects.filter(form_id__in=form_ids)
        .select_related("form")
        .order_by("form__version", "order")
    )
    answers = Answer.objects.filter(response__in=responses.values("id"))
    by_kind: dict[str, list[int]] = {}
    for q in questions:
        by_kind.setdefault(q.kind, []).append(q.pk)
    number_ids = (
        by_kind.get(Question.Kind.AGREEMENT, [])
        + by_kind.get(Question.Kind.RATING, [])
        + by_kind.get(Question.Kind.YES_NO, [])
    )
    numbers: dict[int, dict[int, int]] = {}
    if number_ids:
        for qid, number, n in (
            answers.filter(question_id__in=number_ids)
            .values_list("question_id", "number")
            .annotate(n=Count("id"))
            .order_by()
        ):
            numbers.setdefault(qid, {})[number] = n
    singles: dict[int, dict[str, int]] = {}
    if by_kind.get(Question.Kind.SINGLE):
        for qid, text, n in (
            answers.filter(question_id__in=by_kind[Question.Kind.SINGLE])
            .values_list("question_id", "text")
            .annotate(n=Count("id"))
            .order_by()
        ):
            singles.setdefault(qid, {})[text] = n
    multiples: dict[int, dict[str, int]] = {}
    multiple_answered: dict[int, int] = {}
    if by_kind.get(Question.Kind.MULTIPLE):
        # JSON lists do not group portably in SQL; one narrow query, counted here.
        for qid, selected in answers.filter(
            question_id__in=by_kind[Question.Kind.MULTIPLE]
        ).values_list("question_id", "selected"):
            multiple_answered[qid] = multiple_answered.get(qid, 0) + 1
            tally = multiples.setdefault(qid, {})
            for choice in selected or []:
                tally[choice] = tally.get(choice, 0) + 1
    texts: dict[int, list[str]] = {}
    text_counts: dict[int, int] = {}
    text_ids = by_kind.get(Question.Kind.SHORT_TEXT, []) + by_kind.get(Question.Kind.LONG_TEXT, [])
    if text_ids:
        for qid, text in (
            answers.filter(question_id__in=text_ids)
            .exclude(text="")
            .order_by("-response__updated_at")
            .values_list("question_id", "text")
        ):
            text_counts[qid] = text_counts.get(qid, 0) + 1
            if text_counts[qid] <= TEXT_ANSWERS_SHOWN:
                texts.setdefault(qid, []).append(text)

    summaries: dict[int, FormSummary] = {}
    for q in questions:
        s = QuestionSummary(question=q)
        kind = q.kind
        if kind in (Question.Kind.AGREEMENT, Question.Kind.RATING, Question.Kind.YES_NO):
            counts = numbers.get(q.pk, {})
            s.answered = sum(counts.values())
            labels = {
                Question.Kind.AGREEMENT: AGREEMENT_LABELS,
                Question.Kind.RATING: RATING_LABELS,
                Question.Kind.YES_NO: YES_NO_LABELS,
            }[Question.Kind(kind)]
            s.bars = _bars(counts, labels, s.answered)
            if s.answered and kind != Question.Kind.YES_NO:
                s.average = round(sum(k * n for k, n in counts.items()) / s.answered, 2)
        elif kind == Question.Kind.SINGLE:
            str_counts = singles.get(q.pk, {})
            s.answered = sum(str_counts.values())
            s.bars = _bars(str_counts, {c: c for c in q.choices}, s.answered)
        elif kind == Question.Kind.MULTIPLE:
            s.answered = multiple_answered.get(q.pk, 0)
            s.bars = _bars(multiples.get(q.pk, {}), {c: c for c in q.choices}, s.answered)
        else:
            s.texts = texts.get(q.pk, [])
            s.answered = text_counts.get(q.pk, 0)
            s.more_texts = s.answered - len(s.texts)
        summaries.setdefault(q.form_id, FormSummary(form=q.form, questions=[])).questions.append(s)
    return EvaluationSummary(
        responses=totals["total"],
        attendees=attendees,
        outside_attested=totals["attested"],
        forms=sorted(summaries.values(), key=lambda f: f.form.version),
    )


# --- Export --------------------------------------------------------------------------


@dataclass
class ExportColumn:
    title: str
    kind: str
    question_ids: list[int]


def export_columns(*, activity: Activity, setup: ActivityEvaluation | None) -> list[ExportColumn]:
    """One column per question; versions of a form share a column for the same question."""
    form_ids = set(
        Response.objects.filter(activity=activity, form__isnull=False)
        .values_list("form_id", flat=True)
        .distinct()
    )
    if setup is not None and setup.form_id:
        form_ids.add(setup.form_id)
    columns: dict[tuple[str, str], ExportColumn] = {}
    for q in Question.objects.filter(form_id__in=form_ids).order_by(
        "form__version", "order", "id"
    ):
        key = (q.kind, q.text)
        if key not in columns:
            columns[key] = ExportColumn(title=q.text, kind=q.kind, question_ids=[])
        columns[key].question_ids.append(q.pk)
    return list(columns.values())


EXPORT_HEAD = ["Learner", "Email", "Profession", "Event ID", "Submitted at", "Outside form"]


def _safe_text(value: str) -> str:
    # A learner's "=HYPERLINK(...)" must stay text when a coordinator opens the export.
    text: str = safe_cell(value)
    return text


def _answer_cell(kind: str, number: int | None, text: str, selected: list[str]) -> str | int:
    if kind == Question.Kind.YES_NO:
        return "" if number is None else YES_NO_LABELS.get(number, str(number))
    if kind in (Question.Kind.AGREEMENT, Question.Kind.RATING):
        return "" if number is None else number
    if kind == Question.Kind.MULTIPLE:
        return _safe_text("; ".join(selected or []))
    return _safe_text(text)


def export_rows(*, activity: Activity, columns: list[ExportColumn]) -> Iterator[list[str | int]]:
    """Every response as a row, streamed: two queries merged on response id."""
    column_of = {qid: i for i, c in enumerate(columns) for qid in c.question_ids}
    # Plain tuples, not model instances: a 5,000-row export stays quick.
    responses = (
        Response.objects.filter(activity=activity)
        .order_by("id")
        .values_list(
            "id",
            "learner__profile__first_name",
            "learner__profile__last_name",
            "learner__email",
            "learner__profile__profession__name",
            "session__event_id",
            "submitted_at",
            "outside_attested",
        )
    )
    answers = (
        Answer.objects.filter(response__activity=activity)
        .order_by("response_id")
        .values_list("response_id", "question_id", "number", "text", "selected")
        .iterator(chunk_size=2000)
    )
    pending = next(answers, None)
    for rid, first, last, email, profession, event_id, submitted, attested in responses.iterator(
        chunk_size=2000
    ):
        cells: list[str | int] = [""] * len(columns)
        while pending is not None and pending[0] <= rid:
            answer_rid, qid, number, text, selected = pending
            if answer_rid == rid and qid in column_of:
                i = column_of[qid]
                cells[i] = _answer_cell(columns[i].kind, number, text, selected)
            pending = next(answers, None)
        yield [
            _safe_text(f"{first or ''} {last or ''}".strip()),
            email,
            profession or "",
            event_id or "",
            submitted.isoformat(timespec="seconds"),
            "yes" if attested else "",
            *cells,
        ]


def evaluation_setup_for_staff(*, activity: Activity) -> ActivityEvaluation | None:
    """The activity's evaluation settings as saved (mode "none" included), for the console."""
    return ActivityEvaluation.objects.filter(activity=activity).select_related("form").first()


def forms_choosable(*, publisher: Publisher) -> QuerySet[EvaluationForm]:
    """The forms an activity of this publisher may use: its own and the standard ones."""
    return EvaluationForm.objects.filter(Q(publisher=publisher) | Q(is_standard=True))
