import datetime
import re
from typing import Any

from django import forms
from django.forms import inlineformset_factory

from celedger.accreditation.models import CreditType, Profession
from celedger.activities.event_ids import normalize_event_id
from celedger.activities.models import (
    Activity,
    CreditDesignation,
    Session,
    uan_errors,
    uan_normalized,
)
from celedger.activities.services import local_datetime
from celedger.core.inputs import BoundedDateField, bounded_formfield

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def structure_for_format(fmt: str | None) -> str:
    """The usual structure of a format, when the coordinator does not choose one."""
    if fmt == Activity.Format.RSS:
        return Activity.Structure.SERIES
    if fmt in (Activity.Format.ENDURING, Activity.Format.JOURNAL):
        return Activity.Structure.HOME_STUDY
    return Activity.Structure.SINGLE


def home_study_latest_expiry(release: datetime.date) -> datetime.date:
    """The last day a home-study activity released on `release` may run: 3 years
    (ACPE, docs/credits.md)."""
    try:
        return release.replace(year=release.year + 3) - datetime.timedelta(days=1)
    except ValueError:  # February 29
        return release.replace(year=release.year + 3, day=28)


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
            "structure",
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
            "structure": "Conference: one claim for all sessions, the maximum is for the "
            "whole activity. Series: each session its own credit. Home study: credit on "
            "the learner's completion date, between the start (release) and end "
            "(expiry) dates.",
        }
        labels = {"structure": "How credit is counted"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_professions"].queryset = Profession.objects.all()  # type: ignore[attr-defined]
        self.fields["target_professions"].required = False
        # Left empty, the format decides (a series format is a series, enduring home study).
        self.fields["structure"].required = False
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
        structure, fmt = data.get("structure"), data.get("format")
        if not structure:
            structure = data["structure"] = structure_for_format(fmt)
        live_formats = {Activity.Format.LIVE, Activity.Format.RSS, Activity.Format.INTERNET_LIVE}
        if structure == Activity.Structure.HOME_STUDY and fmt in live_formats:
            self.add_error(
                "structure", "Live and internet live credit is for the session's own date."
            )
        release, expiry = data.get("starts_on"), data.get("ends_on")
        if structure == Activity.Structure.HOME_STUDY and release and expiry:
            latest = home_study_latest_expiry(release)
            if expiry > latest:
                self.add_error(
                    "ends_on",
                    "Home study may be offered for at most 3 years from its release "
                    f"(ACPE): end it by {latest:%B} {latest.day}, {latest.year}.",
                )
        return data


class DesignationForm(forms.ModelForm):
    class Meta:
        model = CreditDesignation
        formfield_callback = bounded_formfield
        fields = ["credit_type", "max_hours", "uan", "acpe_activity_type"]
        widgets = {
            "max_hours": forms.NumberInput(attrs={"step": "0.25", "min": "0.25"}),
            "uan": forms.TextInput(attrs={"placeholder": "0123-0000-26-001-L01-P"}),
        }
        labels = {"max_hours": "Maximum hours"}
        help_texts = {
            "uan": (
                "ACPE only, e.g. 0123-0000-26-001-L01-P or JA4008106-0000-26-001-H01-P: your "
                "ACPE or JA number, L live / H home study as the activity's format, a topic "
                "designator, -P pharmacists or -T technicians. Case and spaces do not matter."
            ),
            "acpe_activity_type": "ACPE only: printed on the certificate beside the UAN.",
        }

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
    """One session: a date and wall-clock times at the publisher, its own credit amount
    and (ACPE, a conference) its own UANs."""

    date = BoundedDateField(widget=DATE)
    starts = forms.TimeField(label="Start time", widget=TIME)
    ends = forms.TimeField(label="End time", widget=TIME)

    class Meta:
        model = Session
        fields = ["topic", "speaker", "credit_hours"]
        widgets = {"credit_hours": forms.NumberInput(attrs={"step": "0.25", "min": "0.25"})}
        labels = {"credit_hours": "Credit for this session (hours)"}

    def __init__(
        self, *args: Any, activity: Activity, acpe: list[CreditDesignation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.activity = activity
        self.acpe = acpe if activity.is_conference else []
        field = self.fields["credit_hours"]
        if activity.is_conference:
            field.required = True
            field.help_text = (
                "Each session's own amount; learners claim the sessions they attended, "
                "up to the activity's maximum."
            )
        else:
            field.help_text = "Leave empty: the designated maximum."
        own = (
            {u.designation_id: u.uan for u in self.instance.uans.all()} if self.instance.pk else {}
        )
        for designation in self.acpe:
            name = f"uan_{designation.pk}"
            self.fields[name] = forms.CharField(
                label=f"{designation.credit_type.short_name} UAN for this session",
                required=False,
                max_length=32,
                help_text=f"Leave empty to use the activity's UAN ({designation.uan}).",
            )
            self.initial.setdefault(name, own.get(designation.pk, ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts") and data.get("ends") and data["ends"] < data["starts"]:
            self.add_error("ends", "The end time cannot be before the start time.")
        for designation in self.acpe:
            name = f"uan_{designation.pk}"
            uan = uan_normalized(data.get(name) or "")
            problem = (
                uan_errors(
                    uan=uan,
                    credit_type_code=designation.credit_type.code,
                    activity=designation.activity,
                )
                if uan
                else None
            )
            if problem:
                self.add_error(name, problem)
            data[name] = uan
        return data

    def session_uans(self) -> dict[int, str]:
        """Designation id -> the session's own UAN ("" to use the activity's)."""
        return {d.pk: self.cleaned_data[f"uan_{d.pk}"] for d in self.acpe}

    def session_fields(self, *, publisher_tz: str) -> dict[str, Any]:
        """Cleaned input as Session fields, the wall-clock times made aware in `publisher_tz`."""
        data = self.cleaned_data
        return {
            "topic": data["topic"],
            "speaker": data["speaker"],
            "credit_hours": data["credit_hours"],
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
