from django.apps import AppConfig


class BaselinesConfig(AppConfig):
    name = "celedger.baselines"
    label = "baselines"
