from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "celedger.certificates"
    label = "certificates"

    def ready(self) -> None:
        from celedger.certificates.signals import on_claims_changed
        from celedger.credits.signals import claims_changed

        claims_changed.connect(on_claims_changed, dispatch_uid="certificates-refresh")

        from celedger.certificates.services import STYLESHEETS, certificate_sample_html
        from celedger.core.pdf import warm_up_page

        warm_up_page(certificate_sample_html, stylesheets=STYLESHEETS)
