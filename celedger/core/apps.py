from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "celedger.core"
    label = "core"

    def ready(self) -> None:
        from celedger.core import outbox

        # Every app's outbox.py registers its handlers (web process and worker alike).
        outbox.autodiscover()
