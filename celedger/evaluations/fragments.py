"""The evaluation page's question fields, rendered once per form version and kept as HTML
between requests (issue 10), the pattern of `activities/fragments.py`.

Only a learner's first visit uses it: an unbound form with no initial values (no saved
response, no errors), whose fields render the same for every learner of the form version.
The block is rendered with no request (no user, no CSRF token, no messages). Its key holds
the form's id and version, the reference generation, the active language and a digest of
the questions as `selectors.form_questions` hands them out (their ids, order, kind, text,
help, required and choices): a question edited, added, moved or deleted changes the key,
and `form_questions` already follows those changes (`evaluations/signals.py`,
`question_move`), so the next first visit renders anew and the old entry simply expires.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from celedger.core.cache import cached_content, content_key, reference_generation
from celedger.evaluations.forms import ResponseForm
from celedger.evaluations.models import EvaluationForm, Question

QUESTIONS_TEMPLATE = "evaluations/_questions.html"


def question_fields_key(*, form: EvaluationForm, questions: list[Question]) -> str:
    # Everything of a question that its field shows: any edit, addition, move or deletion
    # is a new key.
    shown = [
        (q.pk, q.order, q.kind, q.text, q.help_text, q.required, q.choices) for q in questions
    ]
    return content_key(
        "evaluation-fields", shown, reference_generation(), str(form.pk), str(form.version)
    )


def question_fields_html(
    *, form: EvaluationForm, questions: list[Question], answer_form: ResponseForm
) -> SafeString:
    """The question fields of a first visit's form: from the cache, or rendered (and kept).
    `answer_form` must be unbound and without initial values: nothing of the learner."""
    assert not answer_form.is_bound and not answer_form.initial
    key = question_fields_key(form=form, questions=questions)
    return mark_safe(
        cached_content(key, lambda: render_to_string(QUESTIONS_TEMPLATE, {"form": answer_form}))
    )
