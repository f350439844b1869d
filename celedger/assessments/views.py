import io
import itertools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from celedger.activities.event_ids import normalize_event_id
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.activities.selectors import activity_get_for_staff
from celedger.assessments import selectors, services
from celedger.assessments.forms import AttemptForm, CreateForm, GatesForm, ItemForm, SettingsForm
from celedger.assessments.models import Assessment
from celedger.core.spreadsheets import XLSX_CONTENT_TYPE, SafeCsvWriter, xlsx_file
from celedger.core.types import AuthedRequest
from celedger.profiles.decorators import profile_required
from celedger.publishers.models import StaffMembership
from celedger.publishers.selectors import publisher_get_for_staff, role_allows

Role = StaffMembership.Role
Kind = Assessment.Kind


def _say_locked(request: AuthedRequest) -> None:
    # A test with attempts is kept as answered (like evaluation forms): copy it to change it.
    messages.error(request, "Learners have taken this test: use “Copy and edit” to change it.")


def _add_errors(form: object, error: ValidationError) -> None:
    target = form  # a django Form
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            target.add_error(key if key in target.fields else None, errors)  # type: ignore[attr-defined]
    else:
        target.add_error(None, error.messages)  # type: ignore[attr-defined]


# --- Learner ---------------------------------------------------------------------------


def _take(request: AuthedRequest, event_id: str, kind: str) -> HttpResponse:
    normalized = normalize_event_id(event_id)
    name = "assessments:take" if kind == Kind.POST else "assessments:take_pre"
    if normalized != event_id:
        return redirect(name, event_id=normalized)
    session = selectors.session_get_for_learner(event_id=normalized)
    page = selectors.test_page(learner=request.user, session=session, kind=kind)
    form = AttemptForm(
        request.POST if request.method == "POST" else None,
        items=page.items,
        initial={"attempt_no": page.next_attempt_no},
    )
    if request.method == "POST" and page.can_attempt and form.is_valid():
        try:
            attempt = services.attempt_submit(
                learner=request.user,
                assessment=page.assessment,  # type: ignore[arg-type]  # can_attempt
                attempt_no=form.cleaned_data["attempt_no"],
                selected=form.selected(),
            )
        except ValidationError as error:
            if error.code != "duplicate":
                _add_errors(form, error)
            else:
                messages.info(request, "That attempt was already submitted: here is its result.")
                return redirect(
                    f"{name.replace('take', 'result')}", normalized, len(page.attempts)
                )
        else:
            return redirect(name.replace("take", "result"), normalized, attempt.attempt_no)
    status = 400 if form.is_bound else 200
    if request.method == "POST" and not page.can_attempt:
        messages.info(request, "This test cannot be taken again.")
        status = 409
    return render(request, "assessments/take.html", {"page": page, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@profile_required
def take(request: AuthedRequest, event_id: str) -> HttpResponse:
    return _take(request, event_id, Kind.POST)


@require_http_methods(["GET", "POST"])
@profile_required
def take_pre(request: AuthedRequest, event_id: str) -> HttpResponse:
    return _take(request, event_id, Kind.PRE)


def _result(request: AuthedRequest, event_id: str, attempt_no: int, kind: str) -> HttpResponse:
    session = selectors.session_get_for_learner(event_id=normalize_event_id(event_id))
    result = selectors.result_page(
        learner=request.user, session=session, kind=kind, attempt_no=attempt_no
    )
    return render(request, "assessments/result.html", {"result": result, "page": result.page})


@require_http_methods(["GET"])
@profile_required
def result(request: AuthedRequest, event_id: str, attempt_no: int) -> HttpResponse:
    return _result(request, event_id, attempt_no, Kind.POST)


@require_http_methods(["GET"])
@profile_required
def result_pre(request: AuthedRequest, event_id: str, attempt_no: int) -> HttpResponse:
    return _result(request, event_id, attempt_no, Kind.PRE)


# --- Console ---------------------------------------------------------------------------


def _can_edit(activity: Activity) -> bool:
    membership = activity.publisher.membership  # type: ignore[attr-defined]
    return role_allows(role=membership.role, min_role=Role.COORDINATOR)


def _min_role(request: AuthedRequest) -> str:
    return Role.COORDINATOR if request.method == "POST" else Role.VIEWER


@require_http_methods(["GET"])
@login_required
def overview(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code)
    rows = selectors.overview_for_publisher(publisher=publisher)
    return render(request, "assessments/overview.html", {"publisher": publisher, "rows": rows})


@require_http_methods(["GET", "POST"])
@login_required
def activity_tests(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=_min_role(request)
    )
    form = CreateForm(
        request.POST if request.method == "POST" else None,
        sessions=Session.objects.filter(activity=activity),
        initial={"title": f"{activity.title}: post-test"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.assessment_create(
                activity=activity,
                kind=data["kind"],
                title=data["title"],
                pass_percent=data["pass_percent"],
                attempts_allowed=data["attempts_allowed"],
                session=data["session"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Test created. Add its questions, then make it active.")
            return redirect("assessments:detail", code, pk, created.pk)
    return render(
        request,
        "assessments/activity_tests.html",
        {
            "publisher": activity.publisher,
            "activity": activity,
            "tests": selectors.assessments_for_activity(activity=activity),
            "form": form,
            "can_edit": _can_edit(activity),
        },
        status=400 if form.is_bound else 200,
    )


def _detail(
    request: AuthedRequest,
    activity: Activity,
    assessment: Assessment,
    *,
    status: int = 200,
    **forms: object,
) -> HttpResponse:
    designations = CreditDesignation.objects.filter(activity=activity).select_related(
        "credit_type"
    )
    target = assessment.session or Session.objects.filter(activity=activity).first()
    context = {
        "publisher": activity.publisher,
        "activity": activity,
        "test": assessment,
        "learner_url": selectors.test_url(session=target, kind=assessment.kind) if target else "",
        "items": list(assessment.items.all()),
        "can_edit": _can_edit(activity),
        "editable": _can_edit(activity) and assessment.attempt_count == 0,  # type: ignore[attr-defined]
        "settings_form": SettingsForm(
            prefix="settings",
            initial={
                "title": assessment.title,
                "pass_percent": assessment.pass_percent,
                "attempts_allowed": assessment.attempts_allowed,
            },
        ),
        "gates_form": GatesForm(
            prefix="gates",
            designations=designations,
            initial={"gated_designations": list(assessment.gated_designations.all())},
        ),
        "item_form": ItemForm(prefix="item"),
    }
    context.update(forms)
    return render(request, "assessments/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def detail(request: AuthedRequest, code: str, pk: int, test_pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=_min_role(request)
    )
    assessment = selectors.assessment_get_for_staff(activity=activity, pk=test_pk)
    if request.method == "GET":
        return _detail(request, activity, assessment)
    here = reverse("assessments:detail", args=[code, pk, test_pk])
    action = request.POST.get("action")
    try:
        if action == "gates":
            gates = GatesForm(
                request.POST,
                prefix="gates",
                designations=CreditDesignation.objects.filter(activity=activity),
            )
            if not gates.is_valid():
                return _detail(request, activity, assessment, status=400, gates_form=gates)
            services.assessment_set_gates(
                assessment=assessment, designations=list(gates.cleaned_data["gated_designations"])
            )
            messages.success(request, "Credit gates saved.")
        elif action == "activate":
            services.assessment_activate(assessment=assessment)
            messages.success(request, "Learners now take this version.")
        elif action == "deactivate":
            services.assessment_deactivate(assessment=assessment)
            messages.success(request, "The test is no longer offered; no credit waits for it.")
        elif action == "copy":
            copy = services.assessment_copy(assessment=assessment)
            messages.success(
                request,
                f"Version {copy.version} created as a draft: edit it, then make it active.",
            )
            return redirect("assessments:detail", code, pk, copy.pk)
        else:
            settings_form = SettingsForm(request.POST, prefix="settings")
            if not settings_form.is_valid():
                return _detail(
                    request, activity, assessment, status=400, settings_form=settings_form
                )
            try:
                services.assessment_update(assessment=assessment, **settings_form.cleaned_data)
            except ValidationError as error:
                _add_errors(settings_form, error)
                return _detail(
                    request, activity, assessment, status=400, settings_form=settings_form
                )
            messages.success(request, "Settings saved.")
    except services.AssessmentLocked:
        _say_locked(request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(here)


@require_http_methods(["POST"])
@login_required
def item_add(request: AuthedRequest, code: str, pk: int, test_pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    assessment = selectors.assessment_get_for_staff(activity=activity, pk=test_pk)
    form = ItemForm(request.POST, prefix="item")
    if form.is_valid():
        try:
            services.item_add(
                assessment=assessment,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                feedback=form.cleaned_data["feedback"],
                options=form.option_pairs(),
            )
        except services.AssessmentLocked:
            _say_locked(request)
            return redirect("assessments:detail", code, pk, test_pk)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Question added.")
            return redirect(f"{reverse('assessments:detail', args=[code, pk, test_pk])}#questions")
    return _detail(request, activity, assessment, status=400, item_form=form)


@require_http_methods(["GET", "POST"])
@login_required
def item_edit(
    request: AuthedRequest, code: str, pk: int, test_pk: int, item_pk: int
) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    assessment = selectors.assessment_get_for_staff(activity=activity, pk=test_pk)
    item = selectors.item_get_for_staff(assessment=assessment, pk=item_pk)
    detail_url = reverse("assessments:detail", args=[code, pk, test_pk])
    if assessment.attempt_count:  # type: ignore[attr-defined]
        _say_locked(request)
        return redirect(detail_url)
    form = ItemForm(
        request.POST if request.method == "POST" else None, initial=ItemForm.initial_for(item)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(
                item=item,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                feedback=form.cleaned_data["feedback"],
                options=form.option_pairs(),
            )
        except services.AssessmentLocked:
            _say_locked(request)
            return redirect(detail_url)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Question saved.")
            return redirect(f"{detail_url}#item-{item.pk}")
    return render(
        request,
        "assessments/item_edit.html",
        {
            "publisher": activity.publisher,
            "activity": activity,
            "test": assessment,
            "item": item,
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["POST"])
@login_required
def item_delete(
    request: AuthedRequest, code: str, pk: int, test_pk: int, item_pk: int
) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    assessment = selectors.assessment_get_for_staff(activity=activity, pk=test_pk)
    item = selectors.item_get_for_staff(assessment=assessment, pk=item_pk)
    try:
        services.item_delete(item=item)
    except services.AssessmentLocked:
        _say_locked(request)
    else:
        messages.success(request, "Question removed.")
    return redirect(f"{reverse('assessments:detail', args=[code, pk, test_pk])}#questions")


@require_http_methods(["GET"])
@login_required
def results(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk)
    return render(
        request,
        "assessments/results.html",
        {
            "publisher": activity.publisher,
            "activity": activity,
            "results": selectors.results_page(activity=activity),
        },
    )


@require_http_methods(["GET"])
@login_required
def export(request: AuthedRequest, code: str, pk: int, fmt: str) -> HttpResponseBase:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk)
    name = f"test-attempts-{activity.publisher.code}-{activity.pk}"
    rows = selectors.export_rows(activity=activity)
    if fmt == "xlsx":
        # Streamed values into a temporary file, not an openpyxl cell per value.
        return FileResponse(
            xlsx_file("Attempts", itertools.chain([selectors.EXPORT_HEAD], rows)),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type=XLSX_CONTENT_TYPE,
        )
    buffer_text = io.StringIO()
    writer = SafeCsvWriter(buffer_text)
    writer.writerow(selectors.EXPORT_HEAD)
    writer.writerows(rows)
    response = HttpResponse(
        "\ufeff" + buffer_text.getvalue(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
