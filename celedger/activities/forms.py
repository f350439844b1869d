import datetime
import re
from typing import Any

from django import forms
from django.forms import inlineformset_factory

from celedger.accreditation.models import CreditType, Profession
from celedger.activities.event_ids import normalize_event_id
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.activities.services import local_datetime
from celedger.core.inputs import BoundedDateField, bounded_formfield

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ActivityForm(forms.ModelForm):
    """The activity itself; times are entered in the publisher's time zone (activated)."""

    session_starts = forms.TimeField(
        label="Start time",
        widget=TIME,
        required=False,
        initial=datetime.time(9, 0),
        help_text="For a single program: its session is created with these times.",
    )
    session_ends = forms.TimeField(
        label="End time", widget=TIME, required=False, initial=datetime.time(10, 0)
    )

    class Meta:
        model = Activity
        formfield_callback = bounded_formfield
        fields = [
            "title",
            "description",
            "objectives",
            "format",
            "starts_on",
            "ends_on",
            "location",
            "url",
            "target_professions",
            "is_ipce",
            "claim_opens_at",
            "claim_closes_at",
            "status",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "claim_opens_at": DATETIME,
            "claim_closes_at": DATETIME,
            "target_professions": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "objectives": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "claim_opens_at": "Leave empty: claiming opens when each session starts.",
            "claim_closes_at": "Leave empty: claiming closes 30 days after each session ends.",
            "format": "A regularly scheduled series (grand rounds) has many sessions, "
            "each with its own Event ID.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_professions"].queryset = Profession.objects.all()  # type: ignore[attr-defined]
        self.fields["target_professions"].required = False
        if self.instance.pk:
            # The first session exists already; its times are edited on the session.
            del self.fields["session_starts"]
            del self.fields["session_ends"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("session_starts"), data.get("session_ends")
        same_day = data.get("starts_on") and data.get("starts_on") == data.get("ends_on")
        if starts and ends and same_day and ends < starts:
            self.add_error("session_ends", "The end time cannot be before the start time.")
        return data


class DesignationForm(forms.ModelForm):
    class Meta:
        model = CreditDesignation
        formfield_callback = bounded_formfield
        fields = ["credit_type", "max_hours", "uan"]
        widgets = {
            "max_hours": forms.NumberInput(attrs={"step": "0.25", "min": "0.25"}),
            "uan": forms.TextInput(attrs={"placeholder": "0123-0000-26-001-L01-P"}),
        }
        labels = {"max_hours": "Maximum hours"}
        help_texts = {"uan": "ACPE only: ends in -P (pharmacists) or -T (technicians)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["credit_type"].queryset = CreditType.objects.select_related(  # type: ignore[attr-defined]
            "board"
        )


DesignationFormSet = inlineformset_factory(
    Activity,
    CreditDesignation,
    form=DesignationForm,
    extra=2,
    can_delete=True,
    max_num=30,
)


class SessionForm(forms.ModelForm):
    """One session: a date and wall-clock times at the publisher."""

    date = BoundedDateField(widget=DATE)
    starts = forms.TimeField(label="Start time", widget=TIME)
    ends = forms.TimeField(label="End time", widget=TIME)

    class Meta:
        model = Session
        fields = ["topic", "speaker"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts") and data.get("ends") and data["ends"] < data["starts"]:
            self.add_error("ends", "The end time cannot be before the start time.")
        return data

    def session_fields(self, *, publisher_tz: str) -> dict[str, Any]:
        """Cleaned input as Session fields, the wall-clock times made aware in `publisher_tz`."""
        data = self.cleaned_data
        return {
            "topic": data["topic"],
            "speaker": data["speaker"],
            "starts_at": local_datetime(
                publisher_tz=publisher_tz, day=data["date"], at=data["starts"]
            ),
            "ends_at": local_datetime(
                publisher_tz=publisher_tz, day=data["date"], at=data["ends"]
            ),
        }


WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class WeeklySessionsForm(forms.Form):
    """A month (or more) of weekly sessions in one step."""

    weekday = forms.TypedChoiceField(choices=WEEKDAYS, coerce=int, label="Day of the week")
    first_on = BoundedDateField(label="Starting from", widget=DATE)
    starts = forms.TimeField(label="Start time", widget=TIME)
    ends = forms.TimeField(label="End time", widget=TIME)
    count = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=60,
        required=False,
        help_text="Or give an end date below.",
    )
    until = BoundedDateField(label="Until (inclusive)", widget=DATE, required=False)
    topic = forms.CharField(
        max_length=300, required=False, help_text="Editable per session later."
    )
    speaker = forms.CharField(max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("count") and not data.get("until"):
            self.add_error("count", "Give a number of sessions or an end date.")
        if data.get("starts") and data.get("ends") and data["ends"] < data["starts"]:
            self.add_error("ends", "The end time cannot be before the start time.")
        if data.get("until") and data.get("first_on") and data["until"] < data["first_on"]:
            self.add_error("until", "The end date cannot be before the start date.")
        return data


class EventLookupForm(forms.Form):
    event_id = forms.CharField(max_length=20)

    def clean_event_id(self) -> str:
        # Only the Event ID alphabet goes on to the URL ("12/31" cannot be reversed).
        return re.sub(r"[^A-Z0-9]", "", normalize_event_id(self.cleaned_data["event_id"]))
