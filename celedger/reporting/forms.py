import datetime
from typing import Any

from django import forms

from celedger.core.inputs import BoundedDateField
from celedger.reporting.models import ExportJob


class ExportStartForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of export", choices=ExportJob.Kind.choices)
    date_from = BoundedDateField(
        label="Sessions from",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Claims whose session started on or after this day (your time zone).",
    )
    date_to = BoundedDateField(
        label="Sessions to",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Up to and including this day.",
    )
    file_format = forms.ChoiceField(
        label="File format",
        choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")],
        initial="csv",
        help_text="Credit claims only; CPE Monitor is CSV and PARS is JSON.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date_from: datetime.date | None = data.get("date_from")
        date_to: datetime.date | None = data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "The end date cannot be before the start date.")
        return data
