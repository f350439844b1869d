"""Reads about evaluations that other apps (credits) rely on."""

from typing import Any

from celedger.activities.models import Activity, Session
from celedger.evaluations.models import ActivityEvaluation, Response


def evaluation_setup(*, activity: Activity) -> ActivityEvaluation | None:
    """How the activity is evaluated; None when it has no evaluation."""
    setup = ActivityEvaluation.objects.filter(activity=activity).select_related("form").first()
    if setup is None or setup.mode == ActivityEvaluation.Mode.NONE:
        return None
    return setup


def evaluation_is_complete(*, learner: Any, session: Session) -> bool:
    """True when the learner has nothing left to evaluate before claiming for `session`."""
    setup = evaluation_setup(activity=session.activity)
    if setup is None:
        return True
    responses = Response.objects.filter(learner=learner, activity_id=session.activity_id)
    if setup.per_session:
        responses = responses.filter(session=session)
    else:
        responses = responses.filter(session__isnull=True)
    return responses.exists()
