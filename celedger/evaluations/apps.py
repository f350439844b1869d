from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "celedger.evaluations"
    label = "evaluations"
