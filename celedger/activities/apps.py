from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ActivitiesConfig(AppConfig):
    name = "celedger.activities"
    label = "activities"

    def ready(self) -> None:
        from celedger.accreditation.models import Board, Credential, CreditType, Profession
        from celedger.activities import signals
        from celedger.activities.models import Activity, CreditDesignation, Session, SessionUAN
        from celedger.evaluations.models import ActivityEvaluation
        from celedger.publishers.models import Publisher

        for signal in (post_save, post_delete):
            signal.connect(signals.designation_changed, sender=CreditDesignation)
            signal.connect(signals.session_uan_changed, sender=SessionUAN)
            for model in (CreditType, Profession, Board, Credential):
                signal.connect(signals.reference_table_changed, sender=model)
            # The sessions by Event ID (with activity, publisher, evaluation setup).
            signal.connect(signals.event_session_changed, sender=Session)
            signal.connect(signals.event_activity_changed, sender=Activity)
            signal.connect(signals.event_setup_changed, sender=ActivityEvaluation)
            signal.connect(signals.event_publisher_changed, sender=Publisher)
        post_delete.connect(signals.session_deleted, sender=Session)
        m2m_changed.connect(signals.reference_table_changed, sender=CreditType.professions.through)
