from django.apps import AppConfig


class RolloutConfig(AppConfig):
    """Rolling the system out: walk-ins, bulk and historical imports, reminders, merges."""

    name = "celedger.rollout"
    label = "rollout"
