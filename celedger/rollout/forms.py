from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.utils.timezone import localtime
from localflavor.us.us_states import STATE_CHOICES

from celedger.accreditation.models import Profession
from celedger.activities.models import CreditDesignation, Session
from celedger.core.decimals import QUARTER
from celedger.core.inputs import FiniteDecimalField
from celedger.profiles.forms import ProfileForm
from celedger.publishers.models import Publisher
from celedger.rollout.models import ImportJob
from celedger.rollout.selectors import designations_for_publisher, sessions_for_publisher
from celedger.rollout.services import WalkInInput
from celedger.rollout.spreadsheets import FIELD_LABELS, KIND_FIELDS

if TYPE_CHECKING:
    from celedger.accounts.models import User


def _hours(label: str, required: bool = True) -> forms.DecimalField:
    return FiniteDecimalField(
        label=label,
        required=required,
        min_value=QUARTER,
        step_size=QUARTER,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        error_messages={
            "step_size": "Enter hours in quarter-hour steps (0.25, 0.5, 0.75 …).",
            "min_value": "Enter at least 0.25 hours.",
        },
    )


class _SessionChoices(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        start = localtime(obj.starts_at, obj.activity.publisher.zone)
        return f"{obj.activity.title} · {start:%Y-%m-%d %H:%M} · {obj.event_id}"


class _DesignationChoices(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.activity.title} · {obj.credit_type.name} (max {obj.max_hours})"


class _PublisherChoicesMixin(forms.Form):
    def _limit(self, publisher: Publisher) -> None:
        session_field = self.fields["session"]
        designation_field = self.fields["designation"]
        assert isinstance(session_field, forms.ModelChoiceField)
        assert isinstance(designation_field, forms.ModelChoiceField)
        sessions = sessions_for_publisher(publisher=publisher).select_related(
            "activity__publisher"
        )
        session_field.queryset = sessions
        designation_field.queryset = designations_for_publisher(publisher=publisher)


class WalkInForm(_PublisherChoicesMixin):
    email = forms.EmailField(label="Email")
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    profession = forms.ModelChoiceField(queryset=Profession.objects.all(), label="Profession")
    license_number = forms.CharField(
        label="License number", max_length=40, required=False, help_text="0000 if unknown."
    )
    license_state = forms.ChoiceField(
        label="License state", choices=[("", "—"), *STATE_CHOICES], required=False
    )
    session = _SessionChoices(queryset=Session.objects.none(), label="Session attended")
    designation = _DesignationChoices(queryset=CreditDesignation.objects.none(), label="Credit")
    hours = _hours("Hours")
    reason = forms.CharField(
        label="Note for the audit log",
        initial="Walk-in: signed the paper sheet at the session",
        max_length=500,
    )

    def __init__(self, *args: Any, publisher: Publisher, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit(publisher)
        for name, token in (("email", "off"), ("first_name", "off"), ("last_name", "off")):
            self.fields[name].widget.attrs["autocomplete"] = token

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        session, designation = cleaned.get("session"), cleaned.get("designation")
        if session and designation and designation.activity_id != session.activity_id:
            self.add_error("designation", "That credit is not on the chosen session's activity.")
        return cleaned

    def walk_in_input(self) -> WalkInInput:
        data = self.cleaned_data
        return WalkInInput(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            profession=data["profession"],
            license_number=data["license_number"],
            license_state=data["license_state"],
            session=data["session"],
            designation=data["designation"],
            hours=data["hours"],
            reason=data["reason"],
        )


class ImportUploadForm(_PublisherChoicesMixin):
    kind = forms.ChoiceField(
        label="What the file holds", choices=ImportJob.Kind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label="File (.csv or .xlsx)",
        help_text="A sign-in sheet, a Zoom attendance report or another system's export; "
        "the first rows must name the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    session = _SessionChoices(
        queryset=Session.objects.none(),
        label="Session",
        required=False,
        help_text="Attendance and credit: the session the file is for.",
    )
    designation = _DesignationChoices(
        queryset=CreditDesignation.objects.none(),
        label="Credit awarded",
        required=False,
        help_text="Awarded credit: the credit type the file's hours are for.",
    )
    default_hours = _hours("Hours for rows without any", required=False)

    def __init__(self, *args: Any, publisher: Publisher, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit(publisher)


class MappingForm(forms.Form):
    """One select per target field: which column holds it (pre-chosen from the headers)."""

    def __init__(self, *args: Any, job: ImportJob, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "— not in the file —"), *[(h, h) for h in headers if h]]
        for name in KIND_FIELDS[job.kind]:
            self.fields[name] = forms.ChoiceField(
                label=FIELD_LABELS[name],
                choices=choices,
                required=False,
                initial=job.mapping.get(name, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class ClaimAccountForm(SetPasswordMixin, ProfileForm):  # type: ignore[misc]
    """Claiming a walk-in account: a password (twice) and the profile, pre-filled."""

    password1, password2 = SetPasswordMixin.create_password_fields(
        label1="Choose a password", label2="Password again"
    )
    attested = forms.BooleanField(
        label="I attest that I participated for the credit listed above.",
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        user: "User",
        needs_attestation: bool,
        needs_password: bool = True,
        **kwargs: Any,
    ) -> None:
        self.user = user
        self.needs_password = needs_password
        super().__init__(*args, **kwargs)
        self.fields["attested"].required = needs_attestation
        self.fields["attested"].error_messages["required"] = (
            "Tick the attestation to accept the credit."
        )
        if not needs_password:
            # Signed in with an emailed code already: a password is optional.
            for name in ("password1", "password2"):
                self.fields[name].required = False
            self.fields["password1"].help_text = "Optional: you can keep signing in by code."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.needs_password or cleaned.get("password1") or cleaned.get("password2"):
            self.validate_passwords()
            self.validate_password_for_user(self.user)
        return cleaned


class AcceptAwardForm(forms.Form):
    attested = forms.BooleanField(
        label="I attest that I participated for the hours listed.",
        error_messages={"required": "Tick the attestation to accept the credit."},
    )


class ReminderSettingsForm(forms.Form):
    enabled = forms.BooleanField(label="Send claim reminders", required=False)
    claim_days_before = forms.CharField(
        label="Days before the claim window closes",
        max_length=40,
        help_text="Whole days, separated by commas, e.g. 7, 1.",
    )

    def clean_claim_days_before(self) -> list[int]:
        raw = self.cleaned_data["claim_days_before"]
        parts = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
        if not parts or not all(p.isascii() and p.isdigit() for p in parts):
            raise forms.ValidationError("Enter whole days separated by commas, e.g. 7, 1.")
        days = sorted({int(p) for p in parts}, reverse=True)
        if any(d < 1 or d > 90 for d in days) or len(days) > 5:
            raise forms.ValidationError("Use up to five days between 1 and 90.")
        return days


class MergeChooseForm(forms.Form):
    source = forms.EmailField(
        label="Account to merge away (deactivated)", help_text="Its email address."
    )
    target = forms.EmailField(label="Account to keep", help_text="Its email address.")
