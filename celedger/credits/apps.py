from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "celedger.credits"
    label = "credits"

    def ready(self) -> None:
        import datetime

        from django.conf import settings

        from celedger.core.outbox import outbox_housekeeping
        from celedger.credits.services import transcript_pdfs_prune

        def transcript_pdfs_expire() -> None:
            days = settings.TRANSCRIPT_PDF_KEEP_DAYS
            transcript_pdfs_prune(older_than=datetime.timedelta(days=days))

        outbox_housekeeping(transcript_pdfs_expire)
