from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from celedger.accounts.services import mask_email
from celedger.accreditation.selectors import credit_types_all
from celedger.core.types import AuthedRequest
from celedger.publishers.forms import (
    PublisherSettingsForm,
    StaffAddForm,
    StaffRoleForm,
    StatementsForm,
)
from celedger.publishers.models import (
    Publisher,
    StaffInvitation,
    StaffMembership,
)
from celedger.publishers.selectors import (
    InviteeCheck,
    invitation_get_by_token,
    invitation_get_for_admin,
    invitee_check,
    membership_get,
    membership_get_for_admin,
    memberships_of,
    publisher_get_for_staff,
    role_allows,
    staff_page,
    statements_of,
)
from celedger.publishers.services import (
    SETTINGS_AUDITED,
    invitation_accept,
    invitation_resend,
    invitation_revoke,
    publisher_update,
    staff_change_role,
    staff_invite,
    staff_remove,
    statements_set,
)

Role = StaffMembership.Role


def console_context(publisher: Publisher) -> dict[str, Any]:
    """What every console page needs: the publisher and what the user's role may do.

    The flags only decide which links to show; each view checks the role itself.
    """
    role = publisher.membership.role  # type: ignore[attr-defined]
    return {
        "publisher": publisher,
        "can_edit": role_allows(role=role, min_role=Role.COORDINATOR),
        "is_admin": role_allows(role=role, min_role=Role.ADMIN),
    }


@login_required
@require_GET
def console(request: AuthedRequest) -> HttpResponse:
    memberships = memberships_of(user=request.user)
    if len(memberships) == 1:
        return redirect("publishers:dashboard", memberships[0].publisher.code)
    return render(request, "publishers/console.html", {"memberships": memberships})


@login_required
@require_GET
def dashboard(request: AuthedRequest, code: str) -> HttpResponse:
    # Imported here: activities depend on publishers, not the other way round at import time.
    from celedger.activities.selectors import activities_for_dashboard

    publisher = publisher_get_for_staff(user=request.user, code=code)
    activities = list(activities_for_dashboard(publisher=publisher))
    with timezone.override(publisher.time_zone):
        return render(
            request,
            "publishers/dashboard.html",
            {"activities": activities, **console_context(publisher)},
        )


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    before = {f: getattr(publisher, f) for f in SETTINGS_AUDITED}
    credit_types = credit_types_all()
    current = statements_of(publisher=publisher)
    post = request.POST if request.method == "POST" else None
    form = PublisherSettingsForm(post, request.FILES or None, instance=publisher)
    statements = StatementsForm(post, credit_types=credit_types, current=current, prefix="st")
    if request.method == "POST" and form.is_valid() and statements.is_valid():
        publisher = form.save(commit=False)
        publisher_update(publisher=publisher, actor=request.user, before=before)
        statements_set(publisher=publisher, statements=statements.statements())
        messages.success(request, "Settings saved.")
        return redirect("publishers:settings", publisher.code)
    return render(
        request,
        "publishers/settings.html",
        {"form": form, "statements": statements, **console_context(publisher)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    form = StaffAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            added = staff_invite(
                publisher=publisher,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if isinstance(added, StaffInvitation):
                messages.success(
                    request,
                    f"{added.email} has no account yet: an invitation was emailed to them.",
                )
            else:
                messages.success(request, f"{added.user.email} was added to the staff.")
            return redirect("publishers:staff", publisher.code)
    page = staff_page(publisher=publisher)
    for membership in page.memberships:
        membership.role_form = StaffRoleForm(  # type: ignore[attr-defined]
            initial={"role": membership.role}, prefix=f"m{membership.pk}"
        )
    with timezone.override(publisher.time_zone):
        return render(
            request,
            "publishers/staff.html",
            {
                "form": form,
                "memberships": page.memberships,
                "invitations": page.invitations,
                **console_context(publisher),
            },
        )


@login_required
@require_POST
def invitation_resend_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    invitation = invitation_get_for_admin(publisher=publisher, pk=pk)
    try:
        invitation_resend(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} was sent again.")
    return redirect("publishers:staff", publisher.code)


@login_required
@require_POST
def invitation_revoke_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    invitation = invitation_get_for_admin(publisher=publisher, pk=pk)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("publishers:staff", publisher.code)


@require_http_methods(["GET", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: explains the invitation; a POST by the invitee joins the staff.

    Public on purpose (the invitee may have no account yet); only the invited address,
    verified, can accept.
    """
    invitation = invitation_get_by_token(token=token)
    if invitation is None:
        return render(request, "publishers/invitation.html", {"invitation": None}, status=404)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(_with_next("account_login", request.path))
        try:
            membership = invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            invitation = invitation_get_by_token(token=token) or invitation
        else:
            messages.success(
                request,
                f"Welcome to {invitation.publisher.name}: you are "
                f"{membership.get_role_display().lower()} on its staff.",
            )
            return redirect("publishers:dashboard", invitation.publisher.code)
    check = invitee_check(invitation=invitation, user=request.user)
    with timezone.override(invitation.publisher.time_zone):
        return render(
            request,
            "publishers/invitation.html",
            {
                "invitation": invitation,
                "state": invitation.state,
                "check": check,
                "masked_email": mask_email(invitation.email),
                "login_url": _with_next("account_login", request.path),
                "signup_url": _with_next("accounts:create", request.path),
                "is_member": check == InviteeCheck.MATCH
                and membership_get(user=request.user, publisher=invitation.publisher) is not None,
            },
        )


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@login_required
@require_POST
def staff_role(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    membership = membership_get_for_admin(publisher=publisher, pk=pk)
    form = StaffRoleForm(request.POST, prefix=f"m{membership.pk}")
    if form.is_valid():
        try:
            staff_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{membership.user.email} is now {membership.get_role_display().lower()}."
            )
    else:
        messages.error(request, "Choose a role.")
    return redirect("publishers:staff", publisher.code)


@login_required
@require_POST
def staff_remove_view(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.ADMIN)
    membership = membership_get_for_admin(publisher=publisher, pk=pk)
    try:
        staff_remove(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.email} was removed from the staff.")
    return redirect("publishers:staff", publisher.code)


@require_GET
def logo(request: HttpRequest, code: str) -> FileResponse:
    """The publisher's logo (public branding): served here, as nothing is under /media/."""
    publisher = Publisher.objects.only("logo").filter(code=code).first()
    if publisher is None or not publisher.logo:
        raise Http404
    try:
        handle = publisher.logo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=_LOGO_TYPES.get(
            PurePosixPath(publisher.logo.name or "").suffix.lower(), "application/octet-stream"
        ),
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


_LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
