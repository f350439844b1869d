from django.apps import AppConfig


class PublishersConfig(AppConfig):
    name = "celedger.publishers"
    label = "publishers"
