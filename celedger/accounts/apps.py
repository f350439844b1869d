from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "celedger.accounts"
    label = "accounts"
