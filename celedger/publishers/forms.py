from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.core.files.uploadedfile import UploadedFile

from celedger.accreditation.models import CreditType
from celedger.accreditation.statements import PLACEHOLDERS, statement_unknown_placeholders
from celedger.core.images import logo_normalize
from celedger.publishers.models import Publisher, StaffMembership

_COMMON_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "UTC",
]


def _zone_choices() -> list[tuple[str, str]]:
    others = sorted(available_timezones() - set(_COMMON_ZONES))
    return [(z, z) for z in _COMMON_ZONES + others]


class PublisherSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=_zone_choices, initial="America/New_York")

    class Meta:
        model = Publisher
        fields = [
            "name",
            "contact_email",
            "liaison_name",
            "time_zone",
            "logo",
            "accreditation_statement",
            "is_jointly_accredited",
            "accme_provider_id",
            "acpe_provider_number",
            "signer_name",
            "signer_title",
        ]
        widgets = {"accreditation_statement": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "liaison_name": "Shown to learners: “contact your CE site liaison …”.",
            "time_zone": "Session times are entered and shown in this time zone.",
            "logo": "PNG, JPEG or GIF, at most 2 MB; stored at most 800 pixels wide.",
        }

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            return logo_normalize(logo)
        return logo


class StatementsForm(forms.Form):
    """One text box per credit type: the publisher's designation wording."""

    def __init__(
        self, *args: Any, credit_types: list[CreditType], current: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.credit_types = credit_types
        for credit_type in credit_types:
            self.fields[f"statement_{credit_type.pk}"] = forms.CharField(
                label=credit_type.name,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=current.get(credit_type.pk, ""),
                help_text=f"Default: {credit_type.designation_statement}"
                if credit_type.designation_statement
                else "Leave empty for no statement.",
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        for credit_type in self.credit_types:
            name = f"statement_{credit_type.pk}"
            unknown = statement_unknown_placeholders(cleaned.get(name, ""))
            if unknown:
                typed = ", ".join(f"{{{u}}}" for u in unknown)
                self.add_error(name, f"{typed} is not filled in; use only {known}.")
        return cleaned

    def statements(self) -> dict[CreditType, str]:
        return {ct: self.cleaned_data[f"statement_{ct.pk}"] for ct in self.credit_types}


class StaffAddForm(forms.Form):
    email = forms.EmailField(
        help_text="An account with this email joins at once; anyone else gets an emailed "
        "invitation, valid for 14 days."
    )
    role = forms.ChoiceField(choices=StaffMembership.Role.choices, initial="coordinator")


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=StaffMembership.Role.choices)
