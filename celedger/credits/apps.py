from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "celedger.credits"
    label = "credits"
