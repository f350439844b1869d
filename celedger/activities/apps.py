from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "celedger.activities"
    label = "activities"
