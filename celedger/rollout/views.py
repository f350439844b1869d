from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods

from celedger.accounts.selectors import active_user_get
from celedger.core.types import AuthedRequest, HtmxHttpRequest
from celedger.publishers.models import Publisher, StaffMembership
from celedger.publishers.selectors import publisher_get_for_staff, role_allows
from celedger.rollout import selectors, services
from celedger.rollout.emails import OPT_OUT_SALT
from celedger.rollout.forms import (
    AcceptAwardForm,
    ClaimAccountForm,
    ImportUploadForm,
    MappingForm,
    MergeChooseForm,
    ReminderSettingsForm,
    WalkInForm,
)
from celedger.rollout.models import ImportJob

Role = StaffMembership.Role


def _data(request: HtmxHttpRequest) -> Any:
    # An empty POST is still a submission (bound, with its errors), unlike `POST or None`.
    return request.POST if request.method == "POST" else None


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _can_edit(publisher: Publisher) -> bool:
    return role_allows(role=publisher.membership.role, min_role=Role.COORDINATOR)  # type: ignore[attr-defined]


def _console(publisher: Publisher, **context: Any) -> dict[str, Any]:
    role = publisher.membership.role  # type: ignore[attr-defined]
    return {
        "publisher": publisher,
        "can_edit": role_allows(role=role, min_role=Role.COORDINATOR),
        "is_admin": role_allows(role=role, min_role=Role.ADMIN),
        **context,
    }


# Walk-ins ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def walk_in(request: AuthedRequest, code: str) -> HttpResponse:
    """Staff enter a walk-in: the person gets an email to claim the account and credit."""
    min_role = Role.COORDINATOR if request.method == "POST" else Role.VIEWER
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=min_role)
    form = WalkInForm(_data(request), publisher=publisher)
    if request.method == "POST" and form.is_valid():
        try:
            services.walk_in_record(
                actor=request.user, publisher=publisher, data=form.walk_in_input()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # The same words whether or not the address had an account.
            messages.success(
                request,
                f"Saved. We emailed {form.cleaned_data['email']} a link to take the credit.",
            )
            return redirect("rollout:walk_in", publisher.code)
    pending = selectors.pending_awards_for_publisher(publisher=publisher)
    return render(
        request,
        "rollout/walk_in.html",
        _console(publisher, form=form, pending=pending),
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def welcome(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A walk-in claims their account: password, profile (pre-filled), the waiting credit."""
    walk_in_obj = selectors.walk_in_get_by_token(token=token, now=timezone.now())
    if walk_in_obj is None:
        return render(request, "rollout/welcome_invalid.html", status=404)
    user = walk_in_obj.user
    if request.user.is_authenticated and request.user.pk != user.pk:
        return render(request, "rollout/welcome_other.html", {"email": user.email}, status=403)
    awards = selectors.pending_awards_for_learner(learner=user)
    initial = {
        "first_name": walk_in_obj.first_name,
        "last_name": walk_in_obj.last_name,
        "profession": walk_in_obj.profession_id,
        "license_number": walk_in_obj.license_number,
        "license_state": walk_in_obj.license_state,
        "nabp_eprofile_id": walk_in_obj.nabp_eprofile_id,
        "country": "US",
    }
    signed_in = request.user.is_authenticated  # as this user: checked above
    form = ClaimAccountForm(
        _data(request),
        initial=initial,
        user=user,
        needs_attestation=bool(awards),
        needs_password=not signed_in,
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.walk_in_claim(
                walk_in=walk_in_obj,
                password=form.cleaned_data.get("password1") or "",
                profile=form.profile_input(),
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            messages.success(
                request, "Your account is ready and your credit is on your transcript."
            )
            return redirect("credits:transcript")
    return render(
        request,
        "rollout/welcome.html",
        {"walk_in": walk_in_obj, "awards": awards, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def award_accept(request: AuthedRequest, token: str) -> HttpResponse:
    """Credit entered for an email address: its signed-in owner accepts it."""
    award = selectors.pending_award_get_by_token(token=token)
    mine = award.learner_id == request.user.pk
    form = AcceptAwardForm(_data(request))
    pending = award.status == award.Status.PENDING
    if request.method == "POST" and mine and pending and form.is_valid():
        try:
            services.pending_award_accept(award=award, learner=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Credit accepted: it is on your transcript.")
            return redirect("credits:transcript")
    return render(
        request,
        "rollout/award_accept.html",
        {"award": award, "mine": mine, "form": form},
        status=403 if not mine else (400 if form.is_bound else 200),
    )


# Imports -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def imports(request: AuthedRequest, code: str) -> HttpResponse:
    """Past imports and the upload form (coordinators)."""
    min_role = Role.COORDINATOR if request.method == "POST" else Role.VIEWER
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=min_role)
    form = ImportUploadForm(
        _data(request),
        request.FILES if request.method == "POST" else None,
        publisher=publisher,
        initial={"kind": ImportJob.Kind.ATTENDANCE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_upload(
                actor=request.user,
                publisher=publisher,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                session=form.cleaned_data["session"],
                designation=form.cleaned_data["designation"],
                default_hours=form.cleaned_data["default_hours"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return redirect("rollout:import_detail", publisher.code, job.pk)
    jobs = selectors.imports_for_publisher(publisher=publisher)
    return render(
        request,
        "rollout/imports.html",
        _console(publisher, form=form, jobs=jobs),
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def import_detail(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    """Check the columns and the rows (preview), start the import, watch its progress."""
    min_role = Role.COORDINATOR if request.method == "POST" else Role.VIEWER
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=min_role)
    job = selectors.import_get_for_staff(publisher=publisher, pk=pk)
    status = 200
    form = None
    if job.status != ImportJob.Status.MAPPING:
        if request.method == "POST":
            messages.info(request, "This import has started already.")
            return redirect("rollout:import_detail", publisher.code, job.pk)
        state = selectors.import_page(job=job)
    else:
        sheet = selectors.import_sheet(job=job)
        form = MappingForm(_data(request), job=job, headers=sheet.headers)
        if request.method == "POST" and form.is_valid():
            try:
                services.import_set_mapping(job=job, mapping=form.mapping())
                if request.POST.get("action") == "start":
                    services.import_start(job=job, actor=request.user)
                    messages.success(request, "Import started. This page shows its progress.")
            except ValidationError as error:
                _add_errors(form, error)
                status = 400
            else:
                return redirect("rollout:import_detail", publisher.code, job.pk)
        state = selectors.import_page(job=job, sheet=sheet)
    template = "rollout/import_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#import-progress"
    response = render(
        request, template, _console(publisher, state=state, form=form), status=status
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


# Reminders ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def reminder_settings(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    current = selectors.reminder_settings_for(publisher=publisher)
    form = ReminderSettingsForm(
        _data(request),
        initial={
            "enabled": current.enabled,
            "claim_days_before": ", ".join(map(str, current.days)),
        },
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_settings_save(
            actor=request.user,
            publisher=publisher,
            enabled=form.cleaned_data["enabled"],
            days=form.cleaned_data["claim_days_before"],
        )
        messages.success(request, "Reminder settings saved.")
        return redirect("rollout:reminder_settings", publisher.code)
    return render(
        request,
        "rollout/reminder_settings.html",
        _console(publisher, form=form),
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@login_required
def reminder_preferences(request: AuthedRequest) -> HttpResponse:
    """A learner turns reminders off or on (certificates are always emailed)."""
    if request.method == "POST":
        services.reminders_opt(user=request.user, opted_out=request.POST.get("reminders") != "on")
        messages.success(request, "Your reminder choice is saved.")
        return redirect("rollout:reminder_preferences")
    return render(
        request,
        "rollout/reminder_preferences.html",
        {"opted_out": selectors.reminders_opted_out(user=request.user)},
    )


@require_http_methods(["GET", "POST"])
def opt_out(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The link in every reminder: a button (a GET never changes anything, since mail
    scanners open links), no sign-in needed."""

    try:
        user_id = signing.loads(token, salt=OPT_OUT_SALT, max_age=60 * 60 * 24 * 365)
    except signing.BadSignature:
        return render(request, "rollout/opt_out.html", {"invalid": True}, status=404)
    user = active_user_get(pk=user_id)
    if user is None:
        return render(request, "rollout/opt_out.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        services.reminders_opt(user=user, opted_out=True)
        done = True
    return render(request, "rollout/opt_out.html", {"done": done, "token": token})


# Account merge (site staff) ----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def merge(request: AuthedRequest) -> HttpResponse:
    """Possible duplicates, then two accounts, a preview, and the merge."""
    selectors.merge_require(user=request.user)
    form = MergeChooseForm(request.POST or request.GET or None)
    preview = None
    status = 200
    if form.is_bound and form.is_valid():
        source = selectors.learner_get_by_email(email=form.cleaned_data["source"])
        target = selectors.learner_get_by_email(email=form.cleaned_data["target"])
        if source is None:
            form.add_error("source", "No account has this email address.")
        if target is None:
            form.add_error("target", "No account has this email address.")
        if source is not None and target is not None:
            preview = selectors.merge_preview(source=source, target=target)
            if request.method == "POST":
                try:
                    services.accounts_merge(actor=request.user, source=source, target=target)
                except ValidationError as error:
                    form.add_error(None, error.messages)
                    status = 400
                else:
                    messages.success(
                        request, f"Merged {source.email} into {target.email}; it is deactivated."
                    )
                    return redirect("rollout:merge")
    elif form.is_bound:
        status = 400
    return render(
        request,
        "rollout/merge.html",
        {"form": form, "preview": preview, "pairs": selectors.duplicate_pairs()},
        status=status,
    )
