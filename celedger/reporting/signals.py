"""Reactions to changes elsewhere: claims (credits' signal) and learner profiles.

Profiles are a lower app and send nothing of their own, so reporting listens to the
model signals of LearnerProfile and BoardCertification: a held record becomes pending as
soon as the learner fixes what held it.
"""

from typing import Any

from celedger.core.outbox import outbox_enqueue
from celedger.profiles.models import BoardCertification, LearnerProfile

OLD_EPID = "_reporting_old_epid"


def _recheck_after_commit(learner_id: int, others: list[int]) -> None:
    # Recorded in the profile's own transaction: the outbox worker rechecks after commit.
    for pk in [learner_id, *others]:
        outbox_enqueue(kind="reporting.learner_recheck", payload={"learner_id": pk})


def on_profile_pre_save(sender: Any, instance: LearnerProfile, **kwargs: Any) -> None:
    old = ""
    if instance.pk:
        old = (
            LearnerProfile.objects.filter(pk=instance.pk)
            .values_list("nabp_eprofile_id", flat=True)
            .first()
            or ""
        )
    setattr(instance, OLD_EPID, old)


def on_profile_saved(sender: Any, instance: LearnerProfile, **kwargs: Any) -> None:
    from celedger.reporting.records import learners_holding_epid

    others: list[int] = []
    old = getattr(instance, OLD_EPID, "")
    for epid in {old, instance.nabp_eprofile_id}:
        others.extend(learners_holding_epid(eprofile_id=epid, exclude_learner_id=instance.user_id))
    _recheck_after_commit(instance.user_id, sorted(set(others)))


def on_board_changed(sender: Any, instance: BoardCertification, **kwargs: Any) -> None:
    learner_id = (
        LearnerProfile.objects.filter(pk=instance.profile_id).values_list("user_id", flat=True)
    ).first()
    if learner_id is not None:
        _recheck_after_commit(learner_id, [])
