"""The guide's way in: SIGN IN -> email -> CREATE ACCOUNT -> duplicate check -> CONTINUE ->
"Online Profile" (allauth's sign-up, extended with the profile) -> email verification."""

from typing import Any
from urllib.parse import urlencode

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from allauth.account.views import LoginView, SignupView
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from phonenumber_field.phonenumber import PhoneNumber

from celedger.accounts.emails import step_up_code_send
from celedger.accounts.forms import CreateAccountForm, DuplicateCheckForm, StepUpCodeForm
from celedger.accounts.models import DuplicateCheck
from celedger.accounts.ratelimits import (
    Allowance,
    StepUpResult,
    duplicate_check_allowance,
    step_up_pending,
    step_up_start,
    step_up_verify,
)
from celedger.accounts.selectors import duplicate_check_pending
from celedger.accounts.services import (
    duplicate_check_choose,
    duplicate_check_link_user,
    duplicate_check_run,
    mask_email,
)
from celedger.accounts.sso import sso_apps, sso_choices
from celedger.accreditation.selectors import credentials_chosen, credit_types_for_credentials
from celedger.profiles.views import safe_next

SIGNUP_EMAIL = "celedger_signup_email"
CHECK = "celedger_duplicate_check"


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _pending_check(request: HttpRequest) -> DuplicateCheck | None:
    state = request.session.get(CHECK) or {}
    if not state.get("id"):
        return None
    return duplicate_check_pending(check_id=state["id"])


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """Step 1: the email of the new account (from the sign-in page's CREATE ACCOUNT)."""
    if request.user.is_authenticated:
        return redirect("profiles:edit")
    next_url = safe_next(request)
    if request.method == "POST":
        form = CreateAccountForm(request.POST)
        if form.is_valid():
            request.session[SIGNUP_EMAIL] = form.cleaned_data["email"]
            request.session.pop(CHECK, None)
            return redirect(_with_next("accounts:check", next_url))
    else:
        form = CreateAccountForm(initial={"email": request.GET.get("email", "")[:254]})
    return render(request, "accounts/create.html", {"form": form, "next_url": next_url})


def _check_result(
    request: HttpRequest, *, last_name: str, phone: PhoneNumber, context: dict[str, Any]
) -> HttpResponse:
    """Run the check and answer "no account found" or the masked match."""
    found = duplicate_check_run(last_name=last_name, phone=phone)
    request.session[CHECK] = {
        "id": found.pk,
        "cleared": found.outcome == DuplicateCheck.Outcome.NO_MATCH,
        "last_name": last_name,
        "phone": str(phone),
    }
    if found.matched_user is None:
        return render(request, "accounts/check_clear.html", context)
    context["masked_email"] = mask_email(found.matched_user.email)
    return render(request, "accounts/check_match.html", context)


@require_http_methods(["GET", "POST"])
def check(request: HttpRequest) -> HttpResponse:
    """Step 2: last name + phone; a match shows only the masked email of the other account."""
    next_url = safe_next(request)
    email = request.session.get(SIGNUP_EMAIL)
    if not email:
        return redirect(_with_next("accounts:create", next_url))
    context: dict[str, Any] = {"next_url": next_url}
    if request.method == "POST":
        form = DuplicateCheckForm(request.POST)
        if form.is_valid():
            last_name, phone = form.cleaned_data["last_name"], form.cleaned_data["phone"]
            allowance = duplicate_check_allowance(
                request=request, last_name=last_name, phone=phone, email=email
            )
            if allowance == Allowance.ALLOWED:
                return _check_result(request, last_name=last_name, phone=phone, context=context)
            if allowance == Allowance.STEP_UP:
                code = step_up_start(
                    request=request, email=email, last_name=last_name, phone=phone
                )
                if code is not None:
                    step_up_code_send(request=request, email=email, code=code)
                    context.update(form=StepUpCodeForm(), signup_email=email)
                    return render(request, "accounts/check_step_up.html", context)
            context.update(form=form, rate_limited=True)
            return render(request, "accounts/check.html", context, status=429)
    else:
        form = DuplicateCheckForm()
    context["form"] = form
    return render(request, "accounts/check.html", context)


@require_POST
def check_step_up(request: HttpRequest) -> HttpResponse:
    """The busy-network step-up: the emailed code proves the address, then the check runs."""
    next_url = safe_next(request)
    email = request.session.get(SIGNUP_EMAIL)
    pending = step_up_pending(request=request)
    if not email or pending is None:
        return redirect(_with_next("accounts:check", next_url))
    context: dict[str, Any] = {"next_url": next_url, "signup_email": email}
    form = StepUpCodeForm(request.POST)
    if form.is_valid():
        result = step_up_verify(request=request, email=email, code=form.cleaned_data["code"])
        if result == StepUpResult.VERIFIED:
            last_name, phone = pending
            return _check_result(
                request,
                last_name=last_name,
                phone=PhoneNumber.from_string(phone),
                context=context,
            )
        form.add_error(
            "code",
            "That code is not right. Check the email and try again."
            if result == StepUpResult.WRONG
            else "This code has expired or was tried too often. Enter your last name and "
            "phone again to get a new one.",
        )
    context["form"] = form
    return render(request, "accounts/check_step_up.html", context, status=400)


@require_POST
def check_send_link(request: HttpRequest) -> HttpResponse:
    """ "Email me a sign-in link": allauth's sign-in by emailed code, to the address on file."""
    next_url = safe_next(request)
    found = _pending_check(request)
    if found is None or found.matched_user is None:
        return redirect(_with_next("accounts:check", next_url))
    duplicate_check_choose(check=found, outcome=DuplicateCheck.Outcome.MATCH_LINK_SENT)
    request.session.pop(CHECK, None)
    user = found.matched_user
    LoginCodeVerificationProcess.initiate(request=request, user=user, email=user.email)
    return redirect(_with_next("account_confirm_login_code", next_url))


@require_POST
def check_not_me(request: HttpRequest) -> HttpResponse:
    """ "This is not me — continue": recorded for staff review, then on to the profile."""
    next_url = safe_next(request)
    found = _pending_check(request)
    if found is None:
        return redirect(_with_next("accounts:check", next_url))
    duplicate_check_choose(check=found, outcome=DuplicateCheck.Outcome.MATCH_NOT_ME)
    state = dict(request.session[CHECK])
    state["cleared"] = True
    request.session[CHECK] = state
    return redirect(_with_next("account_signup", next_url))


class ProfileSignupView(SignupView):
    """allauth's sign-up (the "Online Profile"), reachable only after the duplicate check."""

    template_name = "account/signup.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        state = request.session.get(CHECK) or {}
        if not request.user.is_authenticated and not (
            request.session.get(SIGNUP_EMAIL) and state.get("cleared")
        ):
            return redirect(_with_next("accounts:create", safe_next(request)))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        state = self.request.session.get(CHECK) or {}
        email = self.request.session.get(SIGNUP_EMAIL, "")
        initial.update(
            email=email,
            email2=email,
            last_name=state.get("last_name", ""),
            phone=state.get("phone", ""),
            country="US",
        )
        return initial

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        labels = {
            "email": "Email",
            "email2": "Re-Enter Email",
            "password1": "Password",
            "password2": "Re-enter Password",
        }
        for name, label in labels.items():
            if name in form.fields:
                form.fields[name].label = label
                form.fields[name].widget.attrs.pop("placeholder", None)
        if "password1" in form.fields:
            # Plain text: the validators' HTML list does not fit the field's help line.
            form.fields["password1"].help_text = (
                "At least 8 characters; not a common password, not only digits, "
                "not like your name or email."
            )
        return form

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        selected = credentials_chosen(values=context["form"]["credentials"].value() or [])
        context["selected_credentials"] = selected
        context["credit_types"] = credit_types_for_credentials(credentials=selected)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        # The account and the profile are created together, or neither is.
        with transaction.atomic():
            response = super().form_valid(form)
            user = getattr(self, "user", None)
            state = self.request.session.get(CHECK) or {}
            if user is not None and state.get("id"):
                duplicate_check_link_user(check_id=state["id"], user=user)
        self.request.session.pop(SIGNUP_EMAIL, None)
        self.request.session.pop(CHECK, None)
        return response


signup = ProfileSignupView.as_view()


class SignInView(LoginView):
    """allauth's sign-in, with a "Sign in with <Health System>" button per identity provider."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["sso_choices"] = sso_choices(apps=sso_apps(request=self.request))
        return context


login = SignInView.as_view()
