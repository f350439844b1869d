from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "celedger.certificates"
    label = "certificates"
