from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "celedger.reporting"
    label = "reporting"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_save

        from celedger.credits.signals import claims_changed
        from celedger.profiles.models import BoardCertification, LearnerProfile
        from celedger.reporting import signals
        from celedger.reporting.records import on_claims_changed

        claims_changed.connect(on_claims_changed, dispatch_uid="reporting-records")
        pre_save.connect(signals.on_profile_pre_save, sender=LearnerProfile, dispatch_uid="rep-1")
        post_save.connect(signals.on_profile_saved, sender=LearnerProfile, dispatch_uid="rep-2")
        post_save.connect(
            signals.on_board_changed, sender=BoardCertification, dispatch_uid="rep-3"
        )
        post_delete.connect(
            signals.on_board_changed, sender=BoardCertification, dispatch_uid="rep-4"
        )
