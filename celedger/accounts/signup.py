"""allauth's sign-up form, made safe against a double click (ACCOUNT_FORMS["signup"])."""

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.http import HttpRequest


class SignupForm(AllauthSignupForm):
    def try_save(self, request: HttpRequest) -> tuple[Any, Any]:
        """Two clicks can both pass validation before either account exists; the second
        INSERT then hits the unique email. Answer it as allauth answers any sign-up with an
        address already registered: the "verify your email" page (and, by email, "you
        already have an account"), never a 500 and never a hint on the page."""
        try:
            with transaction.atomic():
                return super().try_save(request)
        except IntegrityError:
            email = self.cleaned_data.get("email", "")
            if not get_user_model().objects.filter(email__iexact=email).exists():
                raise
            self.account_already_exists = True
            return super().try_save(request)
