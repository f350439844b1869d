from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "celedger.reporting"
    label = "reporting"
