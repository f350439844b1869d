from typing import Any

from django import forms
from django.contrib.auth import password_validation

from celedger.activities.models import Session
from celedger.integrity.models import (
    CommercialSupport,
    ContentRole,
    Disclosure,
    FinancialRelationship,
    PlanningRecord,
    RelationshipReview,
)
from celedger.integrity.services import RelationshipInput

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContentRoleForm(forms.Form):
    name = forms.CharField(max_length=200, label="Full name")
    email = forms.EmailField(
        label="Email", help_text="The disclosure request goes to this address."
    )
    role = forms.ChoiceField(choices=ContentRole.Role.choices)
    session = forms.ModelChoiceField(
        queryset=Session.objects.none(),
        required=False,
        empty_label="The whole activity",
        label="Session",
    )
    profession = forms.CharField(
        max_length=100, required=False, help_text="IPCE: the profession this planner represents."
    )

    def __init__(self, *args: Any, sessions: list[Session], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        field.queryset = Session.objects.filter(pk__in=[s.pk for s in sessions])  # type: ignore[attr-defined]
        field.label_from_instance = lambda s: f"{s.starts_at:%b %d} · {s.topic or s.event_id}"  # type: ignore[attr-defined]
        if len(sessions) <= 1:
            del self.fields["session"]


class RelationshipForm(forms.Form):
    company = forms.CharField(max_length=200, label="Ineligible company", required=False)
    nature = forms.ChoiceField(
        choices=[("", "Choose…"), *FinancialRelationship.Nature.choices], required=False
    )
    nature_other = forms.CharField(max_length=200, required=False, label="Nature, if other")
    has_ended = forms.BooleanField(required=False, label="This relationship has ended")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("company") and not data.get("nature"):
            self.add_error("nature", "Choose the nature of the relationship.")
        if data.get("nature") and not data.get("company"):
            self.add_error("company", "Name the company.")
        if data.get("nature") == "other" and not data.get("nature_other"):
            self.add_error("nature_other", "Describe the relationship.")
        return data


RelationshipFormSet = forms.formset_factory(RelationshipForm, extra=3, max_num=30, absolute_max=30)


class DisclosureForm(forms.Form):
    has_relationships = forms.TypedChoiceField(
        label="In the past 24 months, have you had any financial relationship with an "
        "ineligible company?",
        choices=[("no", "No, none"), ("yes", "Yes: I list each one below")],
        widget=forms.RadioSelect,
    )
    is_owner_or_employee = forms.BooleanField(
        required=False, label="I am an owner or employee of an ineligible company"
    )
    owner_company = forms.CharField(max_length=200, required=False, label="Which company")
    owner_exception = forms.ChoiceField(
        choices=Disclosure.OwnerException.choices,
        required=False,
        label="Which exception applies to your role",
        help_text="Without one of ACCME's three exceptions an owner or employee cannot take "
        "a role in control of content.",
    )
    attest = forms.BooleanField(
        label="I attest that this disclosure is complete and true, and I will tell the "
        "provider if it changes."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_owner_or_employee") and not data.get("owner_company"):
            self.add_error("owner_company", "Name the ineligible company.")
        return data


def relationships_from(formset: Any) -> list[RelationshipInput]:
    return [
        RelationshipInput(
            company=f.cleaned_data["company"],
            nature=f.cleaned_data["nature"],
            nature_other=f.cleaned_data.get("nature_other", ""),
            has_ended=f.cleaned_data.get("has_ended", False),
        )
        for f in formset.forms
        if f.cleaned_data.get("company")
    ]


class ReviewForm(forms.Form):
    is_relevant = forms.TypedChoiceField(
        label="Relevant to this content?",
        choices=[("no", "Not relevant"), ("yes", "Relevant")],
        widget=forms.RadioSelect,
    )
    mitigations = forms.MultipleChoiceField(
        choices=RelationshipReview.Mitigation.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Mitigation steps",
    )
    mitigation_other = forms.CharField(max_length=500, required=False, label="Other step")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_relevant") == "yes" and not data.get("mitigations"):
            self.add_error("mitigations", "Choose at least one mitigation step.")
        if "other" in (data.get("mitigations") or []) and not data.get("mitigation_other"):
            self.add_error("mitigation_other", "Describe the other mitigation step.")
        return data


class OverrideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for publishing anyway",
        help_text="Kept in the audit log and in the activity file.",
    )


class SupportForm(forms.ModelForm):
    agreement = forms.FileField(
        label="Signed written agreement (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    class Meta:
        model = CommercialSupport
        fields = ["supporter", "kind", "amount", "in_kind_description", "agreement_signed_on"]
        widgets = {"agreement_signed_on": DATE, "kind": forms.RadioSelect}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "monetary" and not data.get("amount"):
            self.add_error("amount", "Monetary support needs its amount.")
        if data.get("kind") == "in_kind" and not data.get("in_kind_description"):
            self.add_error("in_kind_description", "Describe what was given in kind.")
        return data


class PlanningForm(forms.ModelForm):
    class Meta:
        model = PlanningRecord
        fields = [
            "practice_gap",
            "gap_sources",
            "needs",
            "changes_competence",
            "changes_performance",
            "changes_patient_outcomes",
            "evaluation_of_change",
        ]
        widgets = {
            "practice_gap": forms.Textarea(attrs={"rows": 3}),
            "gap_sources": forms.Textarea(attrs={"rows": 3}),
            "needs": forms.Textarea(attrs={"rows": 3}),
            "evaluation_of_change": forms.Textarea(attrs={"rows": 3}),
        }


class PolicyForm(forms.Form):
    valid_months = forms.IntegerField(
        min_value=1, max_value=24, label="A disclosure stays valid for (months)"
    )
    reminder_days = forms.IntegerField(
        min_value=1, max_value=180, label="Remind people this many days before it expires"
    )


class AccountForRoleForm(forms.Form):
    password1 = forms.CharField(widget=forms.PasswordInput, label="Password", strip=False)
    password2 = forms.CharField(widget=forms.PasswordInput, label="Re-enter password", strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords differ.")
        elif one:
            try:
                password_validation.validate_password(one)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
