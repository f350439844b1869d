from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "celedger.integrity"
    label = "integrity"
    verbose_name = "Integrity and independence"

    def ready(self) -> None:
        # Activities sit below integrity: they expose a list of publish checks and
        # integrity adds its gate to it, so activities never import this app.
        from celedger.activities.publishing import PUBLISH_CHECKS
        from celedger.integrity.gate import publish_check

        if publish_check not in PUBLISH_CHECKS:
            PUBLISH_CHECKS.append(publish_check)
