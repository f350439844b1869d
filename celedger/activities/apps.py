from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ActivitiesConfig(AppConfig):
    name = "celedger.activities"
    label = "activities"

    def ready(self) -> None:
        from celedger.accreditation.models import Board, CreditType, Profession
        from celedger.activities import signals
        from celedger.activities.models import CreditDesignation, Session, SessionUAN

        for signal in (post_save, post_delete):
            signal.connect(signals.designation_changed, sender=CreditDesignation)
            signal.connect(signals.session_uan_changed, sender=SessionUAN)
            for model in (CreditType, Profession, Board):
                signal.connect(signals.reference_table_changed, sender=model)
        post_delete.connect(signals.session_deleted, sender=Session)
        m2m_changed.connect(signals.reference_table_changed, sender=CreditType.professions.through)
