import datetime
from typing import Any

from django import forms

from celedger.core.inputs import BoundedDateField
from celedger.reporting.models import (
    BOARD_CREDIT_TYPES,
    ActivityReporting,
    ExportJob,
    ReportingRecord,
)


class ExportStartForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of export", choices=ExportJob.Kind.choices)
    date_from = BoundedDateField(
        label="Sessions from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Claims whose session started (records: the participation date, activities: "
        "their dates) on or after this day, in your time zone.",
    )
    date_to = BoundedDateField(
        label="Sessions to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Up to and including this day.",
    )
    file_format = forms.ChoiceField(
        label="File format",
        choices=[
            ("csv", "CSV"),
            ("xlsx", "Excel (XLSX)"),
            ("txt", "Tab-delimited text (PARS template)"),
            ("json", "JSON"),
        ],
        initial="csv",
        required=False,
        help_text="Credit claims: CSV or Excel; PARS batch template: tab-delimited or Excel; "
        "activity data: JSON or Excel. CPE Monitor is CSV, PARS learners JSON.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_from: datetime.date | None = data.get("date_from")
        date_to: datetime.date | None = data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The end date cannot be before the start date.")
        return data


class RecordMarkForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Answer from the accreditor",
        choices=[("accepted", "Accepted"), ("rejected", "Rejected")],
    )
    reason = forms.CharField(
        label="Reason for the rejection",
        required=False,
        max_length=2000,
        help_text="Shown to the learner, with a link to fix their profile.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("verdict") == "rejected" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why it was rejected: the learner sees this.")
        return data


class ResponseUploadForm(forms.Form):
    channel = forms.ChoiceField(label="Response from", choices=ReportingRecord.Channel.choices)
    file = forms.FileField(
        label="Response or error file",
        help_text="Text or CSV, up to 5 MB: each line naming a record (PARS CreditID, or "
        "e-Profile ID and UAN) and whether it was accepted or rejected.",
    )


SUPPORT_CHOICES = [("", "Not answered yet"), ("yes", "Yes"), ("no", "No")]


class ActivityReportingForm(forms.ModelForm):
    commercial_support_answer = forms.ChoiceField(
        label="Commercial support received",
        choices=SUPPORT_CHOICES,
        required=False,
        help_text="Supporters recorded with the activity's disclosures are reported too.",
    )

    class Meta:
        model = ActivityReporting
        fields = ["accme_activity_id", "providership", "joint_providers"]
        widgets = {"joint_providers": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, boards: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answer = self.instance.commercial_support
        self.fields["commercial_support_answer"].initial = (
            "" if answer is None else ("yes" if answer else "no")
        )
        self.boards = boards
        for board in boards:
            choices = BOARD_CREDIT_TYPES.get(board, ["Lifelong Learning"])
            self.fields[f"moc_{board}"] = forms.ChoiceField(
                label=f"{board} MOC credit type",
                choices=[(c, c) for c in choices],
                initial=self.instance.moc_credit_type(board),
                help_text="As the activity is registered in PARS.",
            )

    def moc_fields(self) -> list[forms.BoundField]:
        return [self[f"moc_{board}"] for board in self.boards]

    def reporting_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        answer = self.cleaned_data.get("commercial_support_answer")
        data["commercial_support"] = None if not answer else answer == "yes"
        data["moc_credit_types"] = {b: self.cleaned_data[f"moc_{b}"] for b in self.boards}
        return data
