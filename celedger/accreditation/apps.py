from django.apps import AppConfig


class AccreditationConfig(AppConfig):
    name = "celedger.accreditation"
    label = "accreditation"
