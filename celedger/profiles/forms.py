from typing import Any

from django import forms


class SignupProfileForm(forms.Form):
    """allauth's sign-up form, extended with the learner profile (filled in by profiles)."""

    def signup(self, request: Any, user: Any) -> None:
        pass
