from django import forms
from phonenumber_field.formfields import PhoneNumberField


class CreateAccountForm(forms.Form):
    """The sign-in page's "Create account": just the email, as in the guide."""

    email = forms.EmailField(label="Email", max_length=254)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})


class DuplicateCheckForm(forms.Form):
    """The guide's secondary verification: last name and phone."""

    last_name = forms.CharField(label="Last Name", max_length=100)
    phone = PhoneNumberField(
        label="Phone", help_text="US numbers as (734) 555-0100; others with their + country code."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["last_name"].widget.attrs.update({"autocomplete": "family-name"})
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel"})
        self.fields["phone"].widget.input_type = "tel"


class StepUpCodeForm(forms.Form):
    """The code emailed to the address being signed up, when the network is busy."""

    code = forms.CharField(label="Code from the email", max_length=12)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "numeric"}
        )
