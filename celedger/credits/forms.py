from decimal import Decimal
from typing import Any

from django import forms
from django.utils import dateformat
from django.utils.timezone import localtime

from celedger.activities.models import CreditDesignation, Session
from celedger.core.decimals import QUARTER
from celedger.credits.selectors import RosterFilters, RosterStatus
from celedger.credits.services import HOURS_FIELD


def _hours_field(
    *, label: str, max_hours: Decimal | None = None, help_text: str = ""
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=QUARTER,
        max_value=max_hours,
        step_size=QUARTER,
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
        error_messages={
            "step_size": "Enter hours in quarter-hour steps (0.25, 0.5, 0.75 …).",
            "max_value": "The most you can claim is %(limit_value)s.",
            "min_value": "Enter at least 0.25 hours.",
        },
    )


class ClaimForm(forms.Form):
    """Hours per eligible, not yet claimed designation, and the attestation."""

    attested = forms.BooleanField(
        label="I attest that I participated for the hours claimed.",
        error_messages={"required": "Tick the attestation to claim credit."},
    )

    def __init__(self, *args: Any, designations: list[CreditDesignation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.designations = designations
        hours_fields = {}
        for designation in designations:
            ct = designation.credit_type
            name = HOURS_FIELD.format(designation.pk)
            max_text = designation.max_hours.normalize()
            hours_fields[name] = _hours_field(
                label=f"{ct.name}: hours",
                max_hours=designation.max_hours,
                help_text=f"Up to {max_text:f} {ct.unit}, in 0.25 steps.",
            )
            self.initial.setdefault(name, designation.max_hours)
        # Hours first, attestation last, as the learner reads the page.
        self.fields = {**hours_fields, "attested": self.fields["attested"]}

    def hours_fields(self) -> list[forms.BoundField]:
        return [self[HOURS_FIELD.format(d.pk)] for d in self.designations]

    def hours_by_designation(self) -> dict[int, Decimal]:
        return {d.pk: self.cleaned_data[HOURS_FIELD.format(d.pk)] for d in self.designations}


class TranscriptFilterForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    credit_type = forms.ChoiceField(label="Credit type", required=False)
    publisher = forms.ChoiceField(label="Provider", required=False)

    def __init__(
        self,
        *args: Any,
        credit_types: list[tuple[str, str]],
        publishers: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credit_type"].choices = [("", "All credit types"), *credit_types]  # type: ignore[attr-defined]
        self.fields["publisher"].choices = [("", "All providers"), *publishers]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return data


class SearchInput(forms.TextInput):
    input_type = "search"


class RosterFilterForm(forms.Form):
    """The roster's search box and filters; a bad value is dropped, never a 500."""

    q = forms.CharField(
        label="Find a learner",
        required=False,
        max_length=100,
        help_text="Name, email or license number.",
        widget=SearchInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    session = forms.TypedChoiceField(label="Session", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="Status", required=False, choices=RosterStatus.CHOICES)

    def __init__(
        self,
        *args: Any,
        sessions: list[Session],
        htmx_attrs: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        # Its own ids: the award form on the same page has a "session" field too.
        kwargs.setdefault("auto_id", "roster-%s")
        super().__init__(*args, **kwargs)
        self.sessions = sessions
        self.fields["session"].choices = [  # type: ignore[attr-defined]
            ("", "All sessions"),
            *(
                (
                    s.pk,
                    f"{s.event_id} · {dateformat.format(localtime(s.starts_at), 'M j, Y g:i A T')}"
                    + (f" · {s.topic}" if s.topic else ""),
                )
                for s in sessions
            ),
        ]
        if htmx_attrs:
            self.fields["q"].widget.attrs.update(htmx_attrs)

    def filters(self) -> RosterFilters:
        """The valid part of what was asked (call after `is_valid()`)."""
        data = getattr(self, "cleaned_data", {})
        return RosterFilters(
            session_id=data.get("session"),
            q=(data.get("q") or "").strip(),
            status=data.get("status") or RosterStatus.ALL,
        )


class AwardForm(forms.Form):
    email = forms.EmailField(label="Learner's email")
    session = forms.ModelChoiceField(queryset=Session.objects.none(), label="Session")
    designation = forms.ModelChoiceField(
        queryset=CreditDesignation.objects.none(), label="Credit type"
    )
    hours = _hours_field(label="Hours")
    reason = forms.CharField(
        label="Reason (kept in the audit log)", widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, activity: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session_field = self.fields["session"]
        designation_field = self.fields["designation"]
        assert isinstance(session_field, forms.ModelChoiceField)
        assert isinstance(designation_field, forms.ModelChoiceField)
        session_field.queryset = Session.objects.filter(activity=activity)
        session_field.label_from_instance = lambda s: (  # type: ignore[method-assign,assignment]
            f"{s.event_id} · {dateformat.format(localtime(s.starts_at), 'M j, g:i A T')}"
            f" · {s.topic or activity.title}"
        )
        designation_field.queryset = CreditDesignation.objects.filter(
            activity=activity
        ).select_related("credit_type")
        designation_field.label_from_instance = lambda d: (  # type: ignore[method-assign,assignment]
            f"{d.credit_type.name} (max {d.max_hours})"
        )


class CorrectForm(forms.Form):
    hours = _hours_field(label="Hours")
    reason = forms.CharField(
        label="Reason for the correction", widget=forms.Textarea(attrs={"rows": 2})
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label="Reason for revoking", widget=forms.Textarea(attrs={"rows": 2}))
