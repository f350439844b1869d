import datetime
import mimetypes
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from celedger.core.files import private_file_response
from celedger.core.types import AuthedRequest
from celedger.publishers.models import Publisher, StaffMembership
from celedger.publishers.selectors import publisher_get_for_staff, role_allows
from celedger.reporting import selectors, senders, services
from celedger.reporting.forms import (
    ActivityReportingForm,
    ExportStartForm,
    RecordMarkForm,
    ResponseUploadForm,
)

Role = StaffMembership.Role
DEFAULT_DAYS = 30


def _context(publisher: Publisher, form: ExportStartForm) -> dict[str, Any]:
    role = publisher.membership.role  # type: ignore[attr-defined]
    rows = selectors.export_rows(publisher=publisher)
    return {
        "publisher": publisher,
        "can_edit": role_allows(role=role, min_role=Role.COORDINATOR),
        "is_admin": role_allows(role=role, min_role=Role.ADMIN),
        "form": form,
        "rows": rows,
        "polling": any(not row.job.is_finished for row in rows),
        "cpe_monitor_days": services.CPE_MONITOR_DAYS,
        "moc_days": services.MOC_DAYS,
    }


def _initial(publisher: Publisher) -> dict[str, Any]:
    today = timezone.now().astimezone(publisher.zone).date()
    return {
        "date_from": today - datetime.timedelta(days=DEFAULT_DAYS),
        "date_to": today,
        "file_format": "csv",
    }


@require_http_methods(["GET", "POST"])
@login_required
def exports(request: AuthedRequest, code: str) -> HttpResponse:
    """The exports list and start form; htmx polls the list partial while jobs run."""
    publisher = publisher_get_for_staff(user=request.user, code=code)
    if request.method == "GET":
        services.exports_expire_stale(publisher=publisher)
        form = ExportStartForm(initial=_initial(publisher))
        template = "reporting/exports.html"
        if request.htmx:
            template += "#export-list"
        return render(request, template, _context(publisher, form))

    membership = publisher.membership  # type: ignore[attr-defined]
    if not role_allows(role=membership.role, min_role=Role.COORDINATOR):
        raise PermissionDenied
    form = ExportStartForm(request.POST)
    if form.is_valid():
        try:
            services.export_start(
                publisher=publisher,
                requested_by=request.user,
                kind=form.cleaned_data["kind"],
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                file_format=form.cleaned_data["file_format"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Export started. This page shows its progress.")
            return redirect("reporting:exports", code=publisher.code)
    return render(request, "reporting/exports.html", _context(publisher, form), status=400)


@require_http_methods(["GET"])
@login_required
def download(request: AuthedRequest, code: str, pk: int) -> HttpResponseBase:
    publisher = publisher_get_for_staff(user=request.user, code=code)
    job = selectors.export_get_for_download(publisher=publisher, pk=pk)
    suffix = PurePosixPath(job.file.name or "export.csv").suffix
    return private_file_response(
        job.file,
        filename=f"{job.kind.replace('_', '-')}-{job.pk}{suffix}",
        content_type=mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream",
    )


# Reporting records ----------------------------------------------------------------------


def _dashboard_context(state: selectors.DashboardState, **forms: Any) -> dict[str, Any]:
    role = state.publisher.membership.role  # type: ignore[attr-defined]
    return {
        "state": state,
        "publisher": state.publisher,
        "can_edit": state.can_edit,
        "is_admin": role_allows(role=role, min_role=Role.ADMIN),
        "upload_form": forms.get("upload_form") or ResponseUploadForm(),
        "mark_errors": forms.get("mark_errors", {}),
        "cpe_monitor_days": services.CPE_MONITOR_DAYS,
        "moc_days": services.MOC_DAYS,
    }


@require_http_methods(["GET"])
@login_required
def dashboard(request: AuthedRequest, code: str) -> HttpResponse:
    """Every record to report: counts, due soon, held with their fix, activity data."""
    publisher = publisher_get_for_staff(user=request.user, code=code)
    state = selectors.dashboard_state(publisher=publisher)
    return render(request, "reporting/dashboard.html", _dashboard_context(state))


@require_http_methods(["POST"])
@login_required
def record_mark(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    record = selectors.record_get_for_staff(publisher=publisher, pk=pk)
    form = RecordMarkForm(request.POST)
    if form.is_valid():
        try:
            services.record_mark(
                record=record,
                accepted=form.cleaned_data["verdict"] == "accepted",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Record updated.")
            return redirect("reporting:dashboard", code=publisher.code)
    state = selectors.dashboard_state(publisher=publisher)
    context = _dashboard_context(state, mark_errors={record.pk: form})
    return render(request, "reporting/dashboard.html", context, status=400)


@require_http_methods(["POST"])
@login_required
def response_upload(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    form = ResponseUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            upload = services.response_file_apply(
                publisher=publisher,
                channel=form.cleaned_data["channel"],
                uploaded=form.cleaned_data["file"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            result = upload.result
            messages.success(
                request,
                f"Response read: {result['accepted']} accepted, {result['rejected']} rejected, "
                f"{len(result['unmatched'])} line(s) not matched to a record.",
            )
            return redirect("reporting:dashboard", code=publisher.code)
    state = selectors.dashboard_state(publisher=publisher)
    context = _dashboard_context(state, upload_form=form)
    return render(request, "reporting/dashboard.html", context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def activity_reporting(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    """An activity's PARS data: ACCME activity ID, providership, support, MOC types."""
    publisher = publisher_get_for_staff(user=request.user, code=code)
    reporting = selectors.activity_reporting_get_for_staff(publisher=publisher, pk=pk)
    boards = selectors.activity_boards(activity=reporting.activity)
    role = publisher.membership.role  # type: ignore[attr-defined]
    can_edit = role_allows(role=role, min_role=Role.COORDINATOR)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ActivityReportingForm(request.POST, instance=reporting, boards=boards)
        if form.is_valid():
            try:
                services.activity_reporting_save(
                    reporting=reporting, data=form.reporting_data(), actor=request.user
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "PARS data saved.")
                return redirect("reporting:dashboard", code=publisher.code)
        status = 400
    else:
        form = ActivityReportingForm(instance=reporting, boards=boards)
        status = 200
    context = {
        "publisher": publisher,
        "activity": reporting.activity,
        "form": form,
        "can_edit": can_edit,
        "is_admin": role_allows(role=role, min_role=Role.ADMIN),
    }
    return render(request, "reporting/activity_reporting.html", context, status=status)


@require_http_methods(["GET"])
@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """The learner's own credit as reported to CPE Monitor and the boards."""
    rows = selectors.learner_records(user=request.user)
    return render(request, "reporting/mine.html", {"rows": rows})


@require_http_methods(["POST"])
@login_required
def send(request: AuthedRequest, code: str) -> HttpResponse:
    """Send the channel's pending records through its Sender (a file batch today)."""
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    channel = request.POST.get("channel", "")
    if channel not in senders.SENDERS:
        messages.error(request, "Choose CPE Monitor or PARS.")
        return redirect("reporting:dashboard", code=publisher.code)
    today = timezone.now().astimezone(publisher.zone).date()
    senders.records_send(
        publisher=publisher, channel=channel, requested_by=request.user, today=today
    )
    messages.success(request, f"{senders.SENDERS[channel].label} started: follow it below.")
    return redirect("reporting:exports", code=publisher.code)
