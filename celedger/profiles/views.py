from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from celedger.accreditation.models import Credential
from celedger.accreditation.selectors import credentials_chosen, credit_types_for_credentials
from celedger.core.types import AuthedRequest
from celedger.profiles.forms import ProfileForm, initial_from_profile
from celedger.profiles.selectors import profile_for_user
from celedger.profiles.services import profile_create, profile_update


def safe_next(request: HttpRequest) -> str:
    """The `next` URL from the query or form, if it stays on this site; else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: AuthedRequest) -> HttpResponse:
    profile = profile_for_user(user=request.user)
    if profile is not None:
        prefetch_related_objects([profile], "credentials", "board_certifications")
    # A first profile starts from what the account knows (an SSO provider's given/family name).
    initial = (
        initial_from_profile(profile)
        if profile
        else {
            "country": "US",
            "first_name": request.user.first_name,
            "last_name": request.user.last_name,
        }
    )
    next_url = safe_next(request)
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=initial)
        if form.is_valid():
            if profile is None:
                profile_create(user=request.user, actor=request.user, data=form.profile_input())
                messages.success(request, "Your profile is saved.")
            else:
                profile_update(profile=profile, actor=request.user, data=form.profile_input())
                messages.success(request, "Your profile is updated.")
            return redirect(next_url or "profiles:edit")
    else:
        form = ProfileForm(initial=initial)
    selected = _selected_credentials(form)
    return render(
        request,
        "profiles/edit.html",
        {
            "form": form,
            "profile": profile,
            "next_url": next_url,
            "selected_credentials": selected,
            "credit_types": credit_types_for_credentials(credentials=selected),
        },
    )


def _selected_credentials(form: ProfileForm) -> list[Credential]:
    """The credentials ticked in the form (typed or saved), for the credit preview."""
    return credentials_chosen(values=form["credentials"].value() or [])


@require_GET
def credit_preview(request: HttpRequest) -> HttpResponse:
    """The credit types the chosen credentials receive (htmx partial; also used at sign-up)."""
    selected = credentials_chosen(values=request.GET.getlist("credentials"))
    return render(
        request,
        "profiles/_credit_preview.html",
        {
            "selected_credentials": selected,
            "credit_types": credit_types_for_credentials(credentials=selected),
        },
    )
