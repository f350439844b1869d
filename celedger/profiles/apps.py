from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "celedger.profiles"
    label = "profiles"
