from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "celedger.core"
    label = "core"
