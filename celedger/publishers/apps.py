from django.apps import AppConfig


class PublishersConfig(AppConfig):
    name = "celedger.publishers"
    label = "publishers"

    def ready(self) -> None:
        from celedger.accounts.landing import landing_register
        from celedger.publishers.selectors import staff_landing_url

        landing_register(staff_landing_url)
