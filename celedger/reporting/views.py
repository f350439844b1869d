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
from celedger.reporting import selectors, services
from celedger.reporting.forms import ExportStartForm

Role = StaffMembership.Role
DEFAULT_DAYS = 30


def _context(publisher: Publisher, form: ExportStartForm) -> dict[str, Any]:
    role = publisher.membership.role  # type: ignore[attr-defined]
    jobs = selectors.exports_for_publisher(publisher=publisher)
    return {
        "publisher": publisher,
        "can_edit": role_allows(role=role, min_role=Role.COORDINATOR),
        "is_admin": role_allows(role=role, min_role=Role.ADMIN),
        "form": form,
        "jobs": jobs,
        "polling": any(not job.is_finished for job in jobs),
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
