from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "celedger.assessments"
    label = "assessments"
    verbose_name = "Learning assessments"
