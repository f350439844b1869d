from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class EvaluationsConfig(AppConfig):
    name = "celedger.evaluations"
    label = "evaluations"

    def ready(self) -> None:
        from celedger.evaluations import signals
        from celedger.evaluations.models import ActivityEvaluation, EvaluationForm, Question

        for signal in (post_save, post_delete):
            signal.connect(signals.setup_changed, sender=ActivityEvaluation)
            signal.connect(signals.form_changed, sender=EvaluationForm)
            signal.connect(signals.question_changed, sender=Question)
