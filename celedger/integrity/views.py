from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from celedger.accounts.services import mask_email
from celedger.activities.models import Activity
from celedger.activities.selectors import activity_get_for_staff
from celedger.core.files import private_file_response
from celedger.core.pdf import html_to_pdf
from celedger.core.types import AuthedRequest
from celedger.integrity.forms import (
    AccountForRoleForm,
    ContentRoleForm,
    DisclosureForm,
    OverrideForm,
    PlanningForm,
    PolicyForm,
    RelationshipFormSet,
    ReviewForm,
    SupportForm,
    relationships_from,
)
from celedger.integrity.selectors import (
    InviteeCheck,
    audit_for_activity_file,
    content_role_by_token,
    content_role_get,
    integrity_page,
    invitee_check,
    my_disclosures,
    override_get_active,
    policy_for,
    publisher_for_discloser,
    role_review_rows,
    support_get,
)
from celedger.integrity.services import (
    PLANNING_FIELDS,
    account_create_for_role,
    activity_file_zip,
    content_role_add,
    content_role_link,
    content_role_remove,
    content_role_resend,
    disclosure_submit,
    override_create,
    override_withdraw,
    planning_save,
    policy_update,
    review_save,
    support_add,
)
from celedger.publishers.models import StaffMembership
from celedger.publishers.selectors import publisher_get_for_staff
from celedger.publishers.views import console_context

Role = StaffMembership.Role


def _activity(request: HttpRequest, code: str, pk: int, min_role: str) -> Activity:
    return activity_get_for_staff(user=request.user, code=code, pk=pk, min_role=min_role)


def _page(
    request: HttpRequest, activity: Activity, *, role_form: Any = None, override_form: Any = None
) -> HttpResponse:
    page = integrity_page(activity=activity)
    context = {
        "page": page,
        "activity": activity,
        "role_form": role_form or ContentRoleForm(sessions=page.sessions),
        "override_form": override_form or OverrideForm(),
        **console_context(activity.publisher),
    }
    status = 400 if (role_form or override_form) else 200
    with timezone.override(activity.publisher.time_zone):
        return render(request, "integrity/activity.html", context, status=status)


# --- Console: one activity --------------------------------------------------------------


@login_required
@require_GET
def activity_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    return _page(request, _activity(request, code, pk, Role.VIEWER))


@login_required
@require_POST
def role_add_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.COORDINATOR)
    form = ContentRoleForm(request.POST, sessions=list(activity.sessions.all()))
    if form.is_valid():
        data = form.cleaned_data
        try:
            role = content_role_add(
                activity=activity,
                session=data.get("session"),
                role=data["role"],
                name=data["name"],
                email=data["email"],
                profession=data.get("profession", ""),
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"{role.name} was added; the disclosure request was emailed to them."
            )
            return redirect("integrity:activity", code, activity.pk)
    return _page(request, activity, role_form=form)


@login_required
@require_POST
def role_resend_view(request: AuthedRequest, code: str, pk: int, role_pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.COORDINATOR)
    role = content_role_get(activity=activity, pk=role_pk)
    content_role_resend(content_role=role, actor=request.user)
    messages.success(request, f"The disclosure request was emailed again to {role.email}.")
    return redirect("integrity:activity", code, activity.pk)


@login_required
@require_POST
def role_remove_view(request: AuthedRequest, code: str, pk: int, role_pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.COORDINATOR)
    role = content_role_get(activity=activity, pk=role_pk)
    content_role_remove(content_role=role, actor=request.user)
    messages.success(request, f"{role.name} no longer has this role.")
    return redirect("integrity:activity", code, activity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def role_review_view(request: AuthedRequest, code: str, pk: int, role_pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.VIEWER)
    role = content_role_get(activity=activity, pk=role_pk)
    status = role_review_rows(activity=activity, role=role)
    forms = []
    for row in status.rows:
        review = row.review
        initial = (
            {
                "is_relevant": "yes" if review.is_relevant else "no",
                "mitigations": review.mitigations,
                "mitigation_other": review.mitigation_other,
            }
            if review
            else {}
        )
        post = request.POST if request.method == "POST" else None
        forms.append((row, ReviewForm(post, initial=initial, prefix=f"r{row.relationship.pk}")))
    if request.method == "POST":
        publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
        if all(form.is_valid() for _, form in forms):
            for row, form in forms:
                review_save(
                    content_role=role,
                    relationship=row.relationship,
                    is_relevant=form.cleaned_data["is_relevant"] == "yes",
                    mitigations=form.cleaned_data["mitigations"],
                    mitigation_other=form.cleaned_data["mitigation_other"],
                    actor=request.user,
                )
            messages.success(request, f"The review of {role.name}'s disclosure was saved.")
            return redirect("integrity:activity", code, activity.pk)
    context = {
        "activity": activity,
        "status": status,
        "forms": forms,
        **console_context(activity.publisher),
    }
    with timezone.override(activity.publisher.time_zone):
        return render(
            request,
            "integrity/review.html",
            context,
            status=400 if request.method == "POST" else 200,
        )


@login_required
@require_POST
def override_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.COORDINATOR)
    form = OverrideForm(request.POST)
    if form.is_valid():
        override_create(activity=activity, reason=form.cleaned_data["reason"], actor=request.user)
        messages.success(request, "The override was recorded: the activity may be published.")
        return redirect("integrity:activity", code, activity.pk)
    return _page(request, activity, override_form=form)


@login_required
@require_POST
def override_withdraw_view(
    request: AuthedRequest, code: str, pk: int, override_pk: int
) -> HttpResponse:
    activity = _activity(request, code, pk, Role.COORDINATOR)
    override = override_get_active(activity=activity, pk=override_pk)
    if override is not None:
        override_withdraw(override=override, actor=request.user)
        messages.success(request, "The override was withdrawn.")
    return redirect("integrity:activity", code, activity.pk)


@login_required
@require_http_methods(["GET", "POST"])
def support_add_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.COORDINATOR)
    form = SupportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            support_add(
                activity=activity,
                supporter=data["supporter"],
                kind=data["kind"],
                amount=data.get("amount"),
                in_kind_description=data.get("in_kind_description", ""),
                agreement=data["agreement"],
                agreement_signed_on=data["agreement_signed_on"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The commercial support and its agreement were saved.")
            return redirect("integrity:activity", code, activity.pk)
    context = {"activity": activity, "form": form, **console_context(activity.publisher)}
    status = 400 if request.method == "POST" else 200
    return render(request, "integrity/support_form.html", context, status=status)


@login_required
@require_GET
def support_agreement_view(
    request: HttpRequest, code: str, pk: int, support_pk: int
) -> HttpResponseBase:
    # The only way to the file: staff of this publisher (checked above), never /media/.
    activity = _activity(request, code, pk, Role.VIEWER)
    support = support_get(activity=activity, pk=support_pk)
    return private_file_response(
        support.agreement, filename=f"agreement-{support.pk}.pdf", content_type="application/pdf"
    )


@login_required
@require_http_methods(["GET", "POST"])
def planning_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    min_role = Role.COORDINATOR if request.method == "POST" else Role.VIEWER
    activity = _activity(request, code, pk, min_role)
    page = integrity_page(activity=activity)
    record = page.planning
    before = {f: getattr(record, f) for f in PLANNING_FIELDS}
    form = PlanningForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        planning_save(record=form.save(commit=False), actor=request.user, before=before)
        messages.success(request, "The planning record was saved.")
        return redirect("integrity:activity", code, activity.pk)
    context = {
        "activity": activity,
        "form": form,
        "page": page,
        **console_context(activity.publisher),
    }
    return render(
        request,
        "integrity/planning.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


def _activity_file_pdf(activity: Activity) -> bytes:
    page = integrity_page(activity=activity)
    audit = audit_for_activity_file(page=page)
    with timezone.override(activity.publisher.time_zone):
        html = render_to_string(
            "integrity/activity_file.html",
            {
                "page": page,
                "activity": activity,
                "publisher": activity.publisher,
                "objectives": [line for line in activity.objectives.splitlines() if line.strip()],
                "audit": audit,
                "generated_at": timezone.now(),
            },
        )
    return html_to_pdf(html)


@login_required
@require_GET
def file_pdf_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.VIEWER)
    response = HttpResponse(_activity_file_pdf(activity), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="activity-file-{activity.pk}.pdf"'
    return response


@login_required
@require_GET
def file_zip_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = _activity(request, code, pk, Role.VIEWER)
    data = activity_file_zip(activity=activity, pdf=_activity_file_pdf(activity))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="activity-file-{activity.pk}.zip"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def policy_view(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    policy = policy_for(publisher=publisher)
    form = PolicyForm(
        request.POST or None,
        initial={
            "valid_months": policy.disclosure_valid_months,
            "reminder_days": policy.reminder_days_before,
        },
    )
    if request.method == "POST" and form.is_valid():
        policy_update(
            publisher=publisher,
            valid_months=form.cleaned_data["valid_months"],
            reminder_days=form.cleaned_data["reminder_days"],
            actor=request.user,
        )
        messages.success(request, "The disclosure settings were saved.")
        return redirect("integrity:policy", publisher.code)
    return render(
        request,
        "integrity/policy.html",
        {"form": form, **console_context(publisher)},
        status=400 if request.method == "POST" else 200,
    )


# --- The person in control of content ----------------------------------------------------


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@require_http_methods(["GET", "POST"])
def invitation_view(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: public on purpose (the person may have no account); only the
    invited address can continue. No learner profile is asked for."""
    role = content_role_by_token(token=token)
    if role is None or role.removed_at is not None:
        return render(request, "integrity/invitation.html", {"role": None}, status=404)
    check = invitee_check(role=role, user=request.user)  # type: ignore[arg-type]
    account_form = AccountForRoleForm(request.POST if check == InviteeCheck.NEW else None)
    if request.method == "POST":
        try:
            if check == InviteeCheck.NEW and account_form.is_valid():
                user = account_create_for_role(
                    content_role=role, password=account_form.cleaned_data["password1"]
                )
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
                return redirect("integrity:disclose", role.activity.publisher.code)
            if check != InviteeCheck.NEW:
                content_role_link(content_role=role, user=request.user)  # type: ignore[arg-type]
                return redirect("integrity:disclose", role.activity.publisher.code)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    context = {
        "role": role,
        "check": check,
        "account_form": account_form,
        "masked_email": mask_email(role.email),
        "login_url": _with_next("account_login", request.path),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "integrity/invitation.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def disclose_view(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_for_discloser(user=request.user, code=code)
    form = DisclosureForm(request.POST or None)
    formset = RelationshipFormSet(request.POST or None, prefix="rel")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        relationships = relationships_from(formset)
        has = form.cleaned_data["has_relationships"] == "yes"
        if has and not relationships:
            form.add_error(
                "has_relationships", "List each relationship below, or choose “No, none”."
            )
        elif not has and relationships:
            form.add_error("has_relationships", "You listed relationships: choose “Yes”.")
        else:
            try:
                disclosure = disclosure_submit(
                    person=request.user,
                    publisher=publisher,
                    relationships=relationships,
                    attested=form.cleaned_data["attest"],
                    is_owner_or_employee=form.cleaned_data["is_owner_or_employee"],
                    owner_company=form.cleaned_data["owner_company"],
                    owner_exception=form.cleaned_data["owner_exception"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Thank you: your disclosure to {publisher.name} was received and is "
                    f"valid until {disclosure.valid_until:%B} {disclosure.valid_until.day}, "
                    f"{disclosure.valid_until.year}.",
                )
                return redirect("integrity:mine")
    context = {"publisher": publisher, "form": form, "formset": formset}
    status = 400 if request.method == "POST" else 200
    return render(request, "integrity/disclose.html", context, status=status)


@login_required
@require_GET
def mine_view(request: AuthedRequest) -> HttpResponse:
    return render(request, "integrity/mine.html", {"mine": my_disclosures(user=request.user)})
