import itertools
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from celedger.accreditation.models import Profession
from celedger.activities.event_ids import normalize_event_id
from celedger.activities.models import Activity, Session
from celedger.activities.selectors import activity_get_for_staff
from celedger.core.spreadsheets import XLSX_CONTENT_TYPE, SafeCsvWriter, xlsx_file
from celedger.core.types import AuthedRequest
from celedger.evaluations import selectors, services
from celedger.evaluations.forms import (
    ActivityEvaluationForm,
    FormNameForm,
    OutsideAttestationForm,
    QuestionForm,
    ResponseForm,
    SummaryFilterForm,
    field_name,
)
from celedger.evaluations.fragments import question_fields_html
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm
from celedger.profiles.decorators import profile_required
from celedger.publishers.models import Publisher, StaffMembership
from celedger.publishers.selectors import publisher_get_for_staff, role_allows

Role = StaffMembership.Role


def _after_evaluation_url(session: Session) -> str:
    """A finished evaluation leads straight to claiming credit (the guide's step 2)."""
    return reverse("credits:claim", args=[session.event_id])


def _posted(request: HttpRequest) -> Any:
    # An empty POST is still a submission (a form with nothing ticked must show errors).
    return request.POST if request.method == "POST" else None


def _can_edit(publisher: Publisher) -> bool:
    membership = publisher.membership  # type: ignore[attr-defined]
    return role_allows(role=membership.role, min_role=Role.COORDINATOR)


# --- Learner ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@profile_required
def evaluate(request: AuthedRequest, event_id: str) -> HttpResponse:
    normalized = normalize_event_id(event_id)
    if normalized != event_id:
        return redirect("evaluations:evaluate", event_id=normalized)
    session = selectors.session_get_for_learner(event_id=normalized)
    activity = session.activity
    if session.starts_at > timezone.now():
        # A session is evaluated (and claimed) only once it has started (issue 8).
        messages.info(request, "The evaluation opens when the session starts.")
        return redirect("activities:program", session.event_id)
    setup = selectors.evaluation_setup(activity=activity)
    next_url = _after_evaluation_url(session)
    if setup is None:
        return redirect(next_url)
    response = selectors.response_for_learner(learner=request.user, session=session, setup=setup)
    locked = response is not None and selectors.credit_claimed(
        learner=request.user, session=session, setup=setup
    )
    if locked and request.method == "POST":
        messages.info(request, "Credit is claimed: this evaluation can no longer be changed.")
        return redirect(next_url)
    target_session = session if setup.per_session else None
    context: dict[str, Any] = {
        "session": session,
        "activity": activity,
        "setup": setup,
        "response": response,
        "locked": locked,
        "next_url": next_url,
    }

    if setup.mode == ActivityEvaluation.Mode.OUTSIDE:
        outside = OutsideAttestationForm(
            _posted(request),
            initial={"completed": bool(response and response.outside_attested)},
        )
        if request.method == "POST" and outside.is_valid():
            services.response_attest_outside(
                learner=request.user, activity=activity, session=target_session
            )
            messages.success(request, "Thank you for completing the evaluation.")
            return redirect(next_url)
        context["form"] = outside
        return render(request, "evaluations/evaluate_outside.html", context)

    form_version = response.form if response and response.form_id else setup.form
    if form_version is None:
        # Only reachable through the admin site; claiming would send the learner back here.
        context["unavailable"] = True
        return render(request, "evaluations/evaluate.html", context, status=503)
    questions = selectors.form_questions(form=form_version)
    initial: dict[str, Any] = {}
    if response is not None and request.method == "GET":
        by_question = selectors.answers_initial(response=response)
        initial = {field_name(q): by_question[q.pk] for q in questions if q.pk in by_question}
    answer_form = ResponseForm(_posted(request), questions=questions, initial=initial)
    if request.method == "POST" and answer_form.is_valid():
        services.response_submit(
            learner=request.user,
            activity=activity,
            session=target_session,
            form=form_version,
            answers=answer_form.answers(),
            questions=questions,
        )
        messages.success(request, "Thank you for completing the evaluation.")
        return redirect(next_url)
    context["form"] = answer_form
    if not answer_form.is_bound and not initial:
        # A first visit: the same fields for every learner of the form version.
        context["question_fields"] = question_fields_html(
            form=form_version, questions=questions, answer_form=answer_form
        )
    return render(
        request,
        "evaluations/evaluate.html",
        context,
        status=400 if answer_form.is_bound else 200,
    )


# --- Console: forms --------------------------------------------------------------------


@require_http_methods(["GET"])
@login_required
def form_list(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code)
    forms = list(selectors.forms_for_publisher(publisher=publisher))
    return render(
        request,
        "evaluations/form_list.html",
        {"publisher": publisher, "forms": forms, "can_edit": _can_edit(publisher)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def form_create(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    name_form = FormNameForm(_posted(request))
    if request.method == "POST" and name_form.is_valid():
        form = services.form_create(publisher=publisher, name=name_form.cleaned_data["name"])
        messages.success(request, "Form created. Add its questions.")
        return redirect("evaluations:form_detail", code=code, pk=form.pk)
    return render(
        request, "evaluations/form_create.html", {"publisher": publisher, "name_form": name_form}
    )


def _detail_context(publisher: Publisher, form: EvaluationForm, **extra: Any) -> dict[str, Any]:
    can_edit = _can_edit(publisher)
    own = form.publisher_id == publisher.pk
    editable = can_edit and own and not form.is_standard and form.response_count == 0  # type: ignore[attr-defined]
    context = {
        "publisher": publisher,
        "form": form,
        "questions": list(form.questions.all()),
        "can_edit": can_edit,
        "editable": editable,
        "name_form": FormNameForm(initial={"name": form.name}, prefix="rename"),
        "question_form": QuestionForm(initial={"required": True}, prefix="new"),
    }
    context.update(extra)
    return context


@require_http_methods(["GET", "POST"])
@login_required
def form_detail(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    min_role = Role.COORDINATOR if request.method == "POST" else Role.VIEWER
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=min_role)
    form = selectors.form_get_for_staff(publisher=publisher, pk=pk)
    if request.method == "POST":
        name_form = FormNameForm(request.POST, prefix="rename")
        if name_form.is_valid():
            try:
                services.form_rename(form=form, name=name_form.cleaned_data["name"])
            except services.FormLocked:
                return _locked(request, code, form)
            messages.success(request, "Form renamed.")
            return redirect("evaluations:form_detail", code=code, pk=pk)
        context = _detail_context(publisher, form, name_form=name_form)
        return render(request, "evaluations/form_detail.html", context, status=400)
    return render(request, "evaluations/form_detail.html", _detail_context(publisher, form))


def _locked(request: HttpRequest, code: str, form: EvaluationForm) -> HttpResponse:
    messages.error(request, "This form has responses: use “Copy and edit” to change it.")
    return redirect("evaluations:form_detail", code=code, pk=form.pk)


@require_http_methods(["POST"])
@login_required
def form_copy(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    form = selectors.form_get_for_staff(publisher=publisher, pk=pk)
    copy = services.form_copy(form=form, publisher=publisher)
    messages.success(
        request,
        f"Version {copy.version} created. Activities keep their current form until you "
        "choose this one in their evaluation settings.",
    )
    return redirect("evaluations:form_detail", code=code, pk=copy.pk)


def _question_values(qform: QuestionForm) -> dict[str, Any]:
    data = qform.cleaned_data
    return {
        "kind": data["kind"],
        "text": data["text"],
        "help_text": data["help_text"],
        "required": data["required"],
        "choices": data["choices"],
    }


@require_http_methods(["POST"])
@login_required
def question_add(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    form = selectors.form_get_for_staff(publisher=publisher, pk=pk)
    qform = QuestionForm(request.POST, prefix="new")
    if qform.is_valid():
        try:
            services.question_add(form=form, **_question_values(qform))
        except services.FormLocked:
            return _locked(request, code, form)
        except ValidationError as error:
            qform.add_error(None, error)
        else:
            messages.success(request, "Question added.")
            return redirect(f"{reverse('evaluations:form_detail', args=[code, pk])}#questions")
    context = _detail_context(publisher, form, question_form=qform)
    return render(request, "evaluations/form_detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def question_edit(request: AuthedRequest, code: str, pk: int, question_pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    question = selectors.question_get_for_staff(publisher=publisher, form_pk=pk, pk=question_pk)
    if not services.form_is_editable(form=question.form):
        return _locked(request, code, question.form)
    initial = {
        "text": question.text,
        "kind": question.kind,
        "help_text": question.help_text,
        "required": question.required,
        "choices": "\n".join(question.choices),
    }
    qform = QuestionForm(_posted(request), initial=initial)
    if request.method == "POST" and qform.is_valid():
        try:
            services.question_update(question=question, **_question_values(qform))
        except ValidationError as error:
            qform.add_error(None, error)
        else:
            messages.success(request, "Question saved.")
            return redirect(f"{reverse('evaluations:form_detail', args=[code, pk])}#questions")
    return render(
        request,
        "evaluations/question_edit.html",
        {"publisher": publisher, "question": question, "form": question.form, "qform": qform},
        status=400 if qform.is_bound else 200,
    )


@require_http_methods(["POST"])
@login_required
def question_move(request: AuthedRequest, code: str, pk: int, question_pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    question = selectors.question_get_for_staff(publisher=publisher, form_pk=pk, pk=question_pk)
    try:
        services.question_move(question=question, up=request.POST.get("direction") == "up")
    except services.FormLocked:
        return _locked(request, code, question.form)
    return redirect(
        f"{reverse('evaluations:form_detail', args=[code, pk])}#question-{question.pk}"
    )


@require_http_methods(["POST"])
@login_required
def question_delete(request: AuthedRequest, code: str, pk: int, question_pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    question = selectors.question_get_for_staff(publisher=publisher, form_pk=pk, pk=question_pk)
    try:
        services.question_delete(question=question)
    except services.FormLocked:
        return _locked(request, code, question.form)
    messages.success(request, "Question removed.")
    return redirect(f"{reverse('evaluations:form_detail', args=[code, pk])}#questions")


# --- Console: activity settings, summary, export ----------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def activity_settings(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    min_role = Role.COORDINATOR if request.method == "POST" else Role.VIEWER
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk, min_role=min_role)
    publisher = activity.publisher
    setup = selectors.evaluation_setup_for_staff(activity=activity)
    initial: dict[str, Any] = {
        "mode": ActivityEvaluation.Mode.BUILTIN,
        "per_session": ActivityEvaluation.default_per_session(activity),
    }
    if setup is not None:
        initial = {
            "mode": setup.mode,
            "form": setup.form_id,
            "outside_url": setup.outside_url,
            "per_session": setup.per_session,
        }
    settings_form = ActivityEvaluationForm(
        _posted(request),
        initial=initial,
        forms_queryset=selectors.forms_choosable(publisher=publisher),
    )
    if request.method == "POST" and settings_form.is_valid():
        data = settings_form.cleaned_data
        try:
            services.activity_evaluation_set(
                activity=activity,
                mode=data["mode"],
                form=data["form"],
                outside_url=data["outside_url"],
                per_session=data["per_session"],
                confirm_per_session_change=data["confirm_per_session_change"],
            )
        except ValidationError as error:
            settings_form.add_error(None, error)
        else:
            messages.success(request, "Evaluation settings saved.")
            return redirect("evaluations:activity_settings", code=code, pk=pk)
    return render(
        request,
        "evaluations/activity_settings.html",
        {
            "publisher": publisher,
            "activity": activity,
            "setup": setup,
            "settings_form": settings_form,
            "can_edit": _can_edit(publisher),
        },
        status=400 if settings_form.is_bound else 200,
    )


@require_http_methods(["GET"])
@login_required
def summary(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk)
    publisher = activity.publisher
    setup = selectors.evaluation_setup_for_staff(activity=activity)
    filters = SummaryFilterForm(
        request.GET,
        sessions=Session.objects.filter(activity=activity),
        professions=Profession.objects.all(),
    )
    session = profession = None
    if filters.is_valid():
        session = filters.cleaned_data["session"]
        profession = filters.cleaned_data["profession"]
    result = selectors.evaluation_summary(
        activity=activity,
        setup=setup,
        session=session,
        profession=profession.code if profession else "",
    )
    return render(
        request,
        "evaluations/summary.html",
        {
            "publisher": publisher,
            "activity": activity,
            "setup": setup,
            "filters": filters,
            "summary": result,
            "session": session,
            "profession": profession,
        },
    )


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _export_source(request: HttpRequest, code: str, pk: int) -> tuple[Activity, list[Any]]:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk)
    setup = selectors.evaluation_setup_for_staff(activity=activity)
    return activity, selectors.export_columns(activity=activity, setup=setup)


@require_http_methods(["GET"])
@login_required
def export_csv(request: AuthedRequest, code: str, pk: int) -> StreamingHttpResponse:
    activity, columns = _export_source(request, code, pk)
    writer = SafeCsvWriter(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # so spreadsheet programs read UTF-8
        yield writer.writerow(selectors.EXPORT_HEAD + [c.title for c in columns])
        for row in selectors.export_rows(activity=activity, columns=columns):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-activity-{activity.pk}.csv"'
    )
    return response


@require_http_methods(["GET"])
@login_required
def export_xlsx(request: AuthedRequest, code: str, pk: int) -> FileResponse:
    activity, columns = _export_source(request, code, pk)
    head = selectors.EXPORT_HEAD + [c.title for c in columns]
    rows = selectors.export_rows(activity=activity, columns=columns)
    return FileResponse(
        xlsx_file("Responses", itertools.chain([head], rows)),
        as_attachment=True,
        filename=f"evaluation-activity-{activity.pk}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )
