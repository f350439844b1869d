"""Input validation for form building, activity settings and the learner's evaluation."""

from typing import Any

from django import forms

from celedger.accreditation.models import Profession
from celedger.activities.models import Session
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm, Question
from celedger.evaluations.selectors import AGREEMENT_LABELS, RATING_LABELS

Kind = Question.Kind


class FormNameForm(forms.Form):
    name = forms.CharField(max_length=200, label="Form name")


class QuestionForm(forms.Form):
    text = forms.CharField(max_length=500, label="Question")
    kind = forms.ChoiceField(choices=Kind.choices, label="Kind of answer")
    help_text = forms.CharField(max_length=500, required=False, label="Help text")
    required = forms.BooleanField(required=False, initial=True, label="An answer is required")
    choices = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Choices",
        help_text="For single and multiple choice: one choice per line.",
    )

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["choices"].splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") in (Kind.SINGLE, Kind.MULTIPLE):
            choices = cleaned.get("choices") or []
            if len(choices) < 2:
                self.add_error("choices", "Give at least two choices, one per line.")
            elif len(set(choices)) != len(choices):
                self.add_error("choices", "Each choice must be different.")
        return cleaned


class FormVersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.is_standard:
            return f"{obj.name} (standard)"
        return f"{obj.name} — version {obj.version}"


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.event_id} · {obj.starts_at:%b %d, %Y}"
        return f"{label} · {obj.topic}" if obj.topic else label


class ActivityEvaluationForm(forms.Form):
    mode = forms.ChoiceField(
        choices=ActivityEvaluation.Mode.choices,
        widget=forms.RadioSelect,
        label="Evaluation",
    )
    form = FormVersionChoiceField(
        queryset=EvaluationForm.objects.none(),
        required=False,
        label="Built-in form",
        empty_label="Choose a form",
    )
    outside_url = forms.URLField(
        required=False,
        label="Outside form address",
        help_text="Learners follow this link, then confirm they completed the form.",
        assume_scheme="https",
    )
    per_session = forms.BooleanField(
        required=False,
        label="Evaluate each session separately",
        help_text="For a series; leave unticked to evaluate the activity once.",
    )
    confirm_per_session_change = forms.BooleanField(
        required=False,
        label="Change it anyway: learners who already evaluated will be asked to evaluate again",
    )

    def __init__(self, *args: Any, forms_queryset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["form"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = forms_queryset

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        mode = cleaned.get("mode")
        if mode == ActivityEvaluation.Mode.BUILTIN and not cleaned.get("form"):
            self.add_error("form", "Choose a form.")
        if mode == ActivityEvaluation.Mode.OUTSIDE and not cleaned.get("outside_url"):
            self.add_error("outside_url", "Give the address of the outside form.")
        return cleaned


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class ResponseForm(forms.Form):
    """One field per question of the form version being answered."""

    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[field_name(q)] = self._field_for(q)

    @staticmethod
    def _field_for(q: Question) -> forms.Field:
        common: dict[str, Any] = {
            "label": q.text,
            "required": q.required,
            "help_text": q.help_text,
        }
        errors = {"required": "Please answer this question."}
        if q.kind == Kind.AGREEMENT:
            return forms.TypedChoiceField(
                choices=[(str(k), v) for k, v in AGREEMENT_LABELS.items()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages=errors,
                **common,
            )
        if q.kind == Kind.RATING:
            return forms.TypedChoiceField(
                choices=[(str(k), v) for k, v in RATING_LABELS.items()],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages=errors,
                **common,
            )
        if q.kind == Kind.YES_NO:
            return forms.TypedChoiceField(
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=lambda v: 1 if v == "yes" else 0,
                widget=forms.RadioSelect,
                error_messages=errors,
                **common,
            )
        if q.kind == Kind.SINGLE:
            return forms.ChoiceField(
                choices=[(c, c) for c in q.choices],
                widget=forms.RadioSelect,
                error_messages=errors,
                **common,
            )
        if q.kind == Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                choices=[(c, c) for c in q.choices],
                widget=forms.CheckboxSelectMultiple,
                error_messages=errors,
                **common,
            )
        if q.kind == Kind.SHORT_TEXT:
            return forms.CharField(max_length=500, error_messages=errors, **common)
        return forms.CharField(
            max_length=5000,
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages=errors,
            **common,
        )

    def answers(self) -> dict[int, Any]:
        """Cleaned answers keyed by question id, for `response_submit`."""
        return {q.pk: self.cleaned_data.get(field_name(q)) for q in self.questions}

    def grouped(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[field_name(q)]) for q in self.questions]


class OutsideAttestationForm(forms.Form):
    completed = forms.BooleanField(
        label="I completed the evaluation form",
        error_messages={"required": "Tick the box once you have completed the form."},
    )


class SummaryFilterForm(forms.Form):
    session = SessionChoiceField(
        queryset=Session.objects.none(),
        required=False,
        empty_label="All sessions",
        label="Session",
    )
    profession = forms.ModelChoiceField(
        queryset=Profession.objects.none(),
        required=False,
        empty_label="All professions",
        label="Profession",
        to_field_name="code",
    )

    def __init__(self, *args: Any, sessions: Any, professions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        session_field = self.fields["session"]
        profession_field = self.fields["profession"]
        assert isinstance(session_field, forms.ModelChoiceField)
        assert isinstance(profession_field, forms.ModelChoiceField)
        session_field.queryset = sessions
        profession_field.queryset = professions
