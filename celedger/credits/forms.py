from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import dateformat
from django.utils.timezone import localtime

from celedger.accreditation.phrases import credit_amount_phrase
from celedger.activities.models import CreditDesignation, Session
from celedger.core.decimals import QUARTER
from celedger.core.inputs import BoundedDateField, FiniteDecimalField
from celedger.credits.eligibility import partial_credit_allowed
from celedger.credits.selectors import (
    ClaimPageState,
    RosterFilters,
    RosterStatus,
    TranscriptFilters,
)
from celedger.credits.services import HOURS_FIELD, SESSIONS_FIELD


def _hours_field(
    *, label: str, max_hours: Decimal | None = None, help_text: str = ""
) -> forms.DecimalField:
    return FiniteDecimalField(
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


def session_label(session: Session, designations: Sequence[CreditDesignation] = ()) -> str:
    """A conference session's checkbox: its local start, topic and amount in unit words."""
    local = localtime(session.starts_at, session.activity.publisher.zone)
    phrase = session.credit_phrase(designations) if session.credit_hours else ""
    amount = f" · {phrase}" if phrase else ""
    return (
        f"{dateformat.format(local, 'D M j, g:i A')} · {session.topic or session.event_id}{amount}"
    )


@dataclass(frozen=True)
class ClaimFormSpec:
    """What the claim form shows for a learner's state; an unbound form's whole markup
    follows from it (`credits/fragments.py` keeps that markup by it). `sessions`: a
    conference's choices (pk, label), else None; `hours`: each field's name, label, help
    text and suggested amount."""

    sessions: tuple[tuple[int, str], ...] | None
    sessions_ticked: tuple[int, ...]
    hours: tuple[tuple[str, str, str, Decimal | None], ...]


def claim_form_spec(state: ClaimPageState) -> ClaimFormSpec:
    designations = state.to_claim
    selectable = state.selectable_sessions
    sessions = None
    ticked: tuple[int, ...] = ()
    if state.is_conference:
        # The choices are the state's sessions: no query to render or to validate them.
        sessions = tuple((s.pk, session_label(s, designations)) for s in selectable)
        attended = [s.session for s in state.sessions if s.attended and s.selectable]
        ticked = tuple(s.pk for s in attended)
        defaults = attended or selectable
    else:
        defaults = selectable
    hours = []
    for designation in designations:
        ct = designation.credit_type
        most = min(
            sum((s.cap_for(designation) for s in selectable), Decimal("0")),
            state.remaining(designation),
        )
        suggested = min(
            sum((s.cap_for(designation) for s in defaults), Decimal("0")),
            state.remaining(designation),
        )
        full = not partial_credit_allowed(designation)
        scope = "for the sessions you tick" if state.is_conference else "for this session"
        help_text = (
            f"Claimed in full {scope}: each session's own amount."
            if full
            else f"Up to {credit_amount_phrase(ct, most)} {scope}, in 0.25 steps; "
            "claim only what matches your participation."
        )
        hours.append(
            (
                HOURS_FIELD.format(designation.pk),
                f"{ct.name}: {ct.unit}",
                help_text,
                suggested if suggested > 0 else None,
            )
        )
    return ClaimFormSpec(sessions=sessions, sessions_ticked=ticked, hours=tuple(hours))


class ClaimForm(forms.Form):
    """The sessions attended (a conference), hours per credit type, and the attestation."""

    attested = forms.BooleanField(
        label="I attest that I participated for the hours claimed.",
        error_messages={"required": "Tick the attestation to claim credit."},
    )

    def __init__(
        self,
        *args: Any,
        state: ClaimPageState,
        spec: ClaimFormSpec | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.state = state
        self.designations = state.to_claim
        spec = spec or claim_form_spec(state)
        fields: dict[str, forms.Field] = {}
        if spec.sessions is not None:
            fields[SESSIONS_FIELD] = forms.TypedMultipleChoiceField(
                choices=list(spec.sessions),
                coerce=int,
                label="Sessions you attended",
                widget=forms.CheckboxSelectMultiple,
                help_text="Ticked from your check-ins; change them to match what you attended.",
                error_messages={"required": "Tick the sessions you attended."},
            )
            self.initial.setdefault(SESSIONS_FIELD, list(spec.sessions_ticked))
        for name, label, help_text, suggested in spec.hours:
            fields[name] = _hours_field(label=label, max_hours=None, help_text=help_text)
            if suggested is not None:
                self.initial.setdefault(name, suggested)
        self.fields = {**fields, "attested": self.fields["attested"]}

    def hours_fields(self) -> list[forms.BoundField]:
        return [self[HOURS_FIELD.format(d.pk)] for d in self.designations]

    def hours_by_designation(self) -> dict[int, Decimal]:
        return {d.pk: self.cleaned_data[HOURS_FIELD.format(d.pk)] for d in self.designations}

    def session_ids(self) -> list[int] | None:
        if SESSIONS_FIELD not in self.fields:
            return None
        return list(self.cleaned_data[SESSIONS_FIELD])


class TranscriptFilterForm(forms.Form):
    date_from = BoundedDateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(
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

    def filters(self) -> TranscriptFilters:
        """The valid filters (none for an unbound or invalid form: errors show beside it)."""
        if not (self.is_bound and self.is_valid()):
            return TranscriptFilters()
        return TranscriptFilters(
            date_from=self.cleaned_data["date_from"],
            date_to=self.cleaned_data["date_to"],
            credit_type=self.cleaned_data["credit_type"],
            publisher=self.cleaned_data["publisher"],
        )


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
    override = forms.BooleanField(
        label="Override the learner's eligibility (profession, evaluation)",
        required=False,
        help_text="Never the session's amount or the activity's maximum.",
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
