"""The standard CME/CE evaluation every publisher may use or copy (issue 4)."""

from typing import Any

from django.db import migrations

STANDARD_NAME = "Standard CME/CE evaluation"

AGREE = "agreement"
# (kind, text, help text, required, choices)
QUESTIONS: list[tuple[str, str, str, bool, list[str]]] = [
    (AGREE, "The activity met its stated learning objectives.", "", True, []),
    (AGREE, "The content was fair, balanced and free of commercial bias.", "", True, []),
    (AGREE, "The content was relevant to my practice.", "", True, []),
    (
        "yes_no",
        "Do you intend to change your practice as a result of this activity?",
        "",
        True,
        [],
    ),
    (
        "long_text",
        "If yes, what will you change?",
        "For example: a test you will order, a conversation you will have, a protocol you will update.",
        False,
        [],
    ),
    (
        "multiple",
        "What barriers might keep you from making changes?",
        "Choose all that apply.",
        False,
        [
            "Time",
            "Cost or reimbursement",
            "Lack of resources or staff",
            "Patient adherence",
            "Institutional policies",
            "No barriers",
        ],
    ),
    ("rating", "Overall quality of the activity", "1 = poor, 5 = excellent.", True, []),
    ("long_text", "Comments, and topics you would like in future activities", "", False, []),
]


def create_standard(apps: Any, schema_editor: Any) -> None:
    EvaluationForm = apps.get_model("evaluations", "EvaluationForm")
    Question = apps.get_model("evaluations", "Question")
    if EvaluationForm.objects.filter(is_standard=True).exists():
        return
    form = EvaluationForm.objects.create(name=STANDARD_NAME, version=1, is_standard=True)
    form.lineage = form
    form.save(update_fields=["lineage"])
    Question.objects.bulk_create(
        Question(
            form=form,
            order=i,
            kind=kind,
            text=text,
            help_text=help_text,
            required=required,
            choices=choices,
        )
        for i, (kind, text, help_text, required, choices) in enumerate(QUESTIONS, start=1)
    )


def remove_standard(apps: Any, schema_editor: Any) -> None:
    EvaluationForm = apps.get_model("evaluations", "EvaluationForm")
    for form in EvaluationForm.objects.filter(is_standard=True, responses__isnull=True):
        form.questions.all().delete()
        EvaluationForm.objects.filter(pk=form.pk).update(lineage=None)
        form.delete()


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial")]

    operations = [migrations.RunPython(create_standard, remove_standard)]
