"""Input validation for building tests and for a learner's answers."""

from collections.abc import Sequence
from typing import Any

from django import forms

from celedger.activities.models import CreditDesignation, Session
from celedger.assessments.models import Assessment, Item

ItemKind = Item.Kind
ANSWER_REQUIRED = "Please answer this question."


def field_name(item: Item) -> str:
    return f"q{item.pk}"


class SettingsForm(forms.Form):
    title = forms.CharField(max_length=200, label="Title")
    pass_percent = forms.IntegerField(
        min_value=1,
        max_value=100,
        initial=70,
        label="Pass mark (%)",
        help_text="Post-tests only: the share of questions a learner must get right.",
    )
    attempts_allowed = forms.IntegerField(
        min_value=1,
        max_value=50,
        initial=3,
        label="Attempts allowed",
        help_text="Post-tests only; a pre-test is taken once.",
    )


class _SessionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.event_id} · {obj.starts_at:%b %d, %Y}"
        return f"{label} · {obj.topic}" if obj.topic else label


class CreateForm(SettingsForm):
    kind = forms.ChoiceField(
        choices=Assessment.Kind.choices, initial=Assessment.Kind.POST, label="Kind of test"
    )
    session = _SessionChoice(
        queryset=Session.objects.none(),
        required=False,
        empty_label="The whole activity",
        label="For",
        help_text="A series can give each session its own test.",
    )

    field_order = ["kind", "title", "session", "pass_percent", "attempts_allowed"]

    def __init__(self, *args: Any, sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]


class _DesignationChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.credit_type.name)


class GatesForm(forms.Form):
    gated_designations = _DesignationChoice(
        queryset=CreditDesignation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Credit that needs this post-test passed",
    )

    def __init__(self, *args: Any, designations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["gated_designations"].queryset = designations  # type: ignore[attr-defined]


class ItemForm(forms.Form):
    text = forms.CharField(
        max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), label="Question"
    )
    kind = forms.ChoiceField(choices=ItemKind.choices, label="Kind of question")
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Answers",
        help_text="Choice questions: one answer per line; start each correct one with *.",
    )
    correct = forms.ChoiceField(
        required=False,
        choices=[("", "—"), ("True", "True"), ("False", "False")],
        label="The statement is",
        help_text="True / false questions only.",
    )
    feedback = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why (feedback)",
        help_text="Shown with the correct answer after the learner submits; cite the source.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind == ItemKind.TRUE_FALSE:
            if not cleaned.get("correct"):
                self.add_error("correct", "Choose whether the statement is true or false.")
        elif kind:
            lines = [line.strip() for line in cleaned.get("options", "").splitlines()]
            if len([line for line in lines if line.lstrip("*").strip()]) < 2:
                self.add_error("options", "Give at least two answers, one per line.")
        return cleaned

    @staticmethod
    def initial_for(item: Item) -> dict[str, Any]:
        options = list(item.options.all())
        correct = next((o.text for o in options if o.is_correct), "")
        return {
            "text": item.text,
            "kind": item.kind,
            "feedback": item.feedback,
            "options": ""
            if item.kind == ItemKind.TRUE_FALSE
            else "\n".join(f"*{o.text}" if o.is_correct else o.text for o in options),
            "correct": correct if item.kind == ItemKind.TRUE_FALSE else "",
        }

    def option_pairs(self) -> list[tuple[str, bool]]:
        data = self.cleaned_data
        if data["kind"] == ItemKind.TRUE_FALSE:
            return [("True", data["correct"] == "True"), ("False", data["correct"] == "False")]
        pairs = []
        for line in data["options"].splitlines():
            line = line.strip()
            correct = line.startswith("*")
            text = line.lstrip("*").strip()
            if text:
                pairs.append((text, correct))
        return pairs


class AttemptForm(forms.Form):
    """One field per question (radio buttons or checkboxes of option ids)."""

    attempt_no = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, items: Sequence[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            choices = [(str(o.pk), o.text) for o in item.options.all()]
            errors = {"required": ANSWER_REQUIRED}
            field: forms.Field
            if item.kind == ItemKind.MULTIPLE:
                field = forms.MultipleChoiceField(
                    choices=choices,
                    widget=forms.CheckboxSelectMultiple,
                    help_text="Tick every correct answer.",
                    error_messages=errors,
                )
            else:
                field = forms.ChoiceField(
                    choices=choices, widget=forms.RadioSelect, error_messages=errors
                )
            field.label = item.text
            self.fields[field_name(item)] = field

    def grouped(self) -> list[tuple[Item, Any]]:
        return [(item, self[field_name(item)]) for item in self.items]

    def selected(self) -> dict[int, list[int]]:
        result: dict[int, list[int]] = {}
        for item in self.items:
            value = self.cleaned_data.get(field_name(item))
            values = value if isinstance(value, list) else [value]
            result[item.pk] = [int(v) for v in values if v]
        return result
