"""The cached evaluation setups and form questions follow their changes
(`selectors.evaluation_setup`, `selectors.form_questions`; core/cache.py)."""

from typing import Any

from celedger.core.cache import cached_reference_drop
from celedger.evaluations.selectors import evaluation_setup_key, form_questions_key


def setup_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    cached_reference_drop(evaluation_setup_key(instance.activity_id))


def form_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A form saved or deleted (renamed in the console): the setups holding it, and its
    questions."""
    from celedger.evaluations.models import ActivityEvaluation

    for activity_id in ActivityEvaluation.objects.filter(form_id=instance.pk).values_list(
        "activity_id", flat=True
    ):
        cached_reference_drop(evaluation_setup_key(activity_id))
    form_questions_drop(instance.pk)


def question_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    form_questions_drop(instance.form_id)


def form_questions_drop(form_id: int) -> None:
    """For changes no signal reports (`QuerySet.update`, `bulk_create`)."""
    cached_reference_drop(form_questions_key(form_id))
