"""Demo claims (`manage.py seed_demo`): the demo physician's past grand rounds, so the
transcript is not empty. The live program stays unclaimed for a newcomer to walk through.
Safe to run again; does nothing if the other demos are absent."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from celedger.activities.models import Activity
from celedger.activities.selectors import designations_for
from celedger.activities.services import attendance_record
from celedger.credits.eligibility import credit_eligibility
from celedger.credits.models import Claim
from celedger.credits.selectors import profile_for_eligibility
from celedger.credits.services import claim_award
from celedger.evaluations.demo import evaluate

LEARNER_EMAIL = "learner@example.org"
SERIES_TITLE = "Internal Medicine Grand Rounds"
PAST_SESSIONS = 2


def seed() -> list[str]:
    learner = get_user_model().objects.filter(email=LEARNER_EMAIL).first()
    series = Activity.objects.filter(title=SERIES_TITLE).first()
    if learner is None or series is None:
        return []
    profile = profile_for_eligibility(user=learner)
    if profile is None:
        return []
    eligible = credit_eligibility(
        profile=profile, activity=series, designations=designations_for(activity=series)
    ).eligible
    past = series.sessions.filter(ends_at__lt=timezone.now()).order_by("starts_at")
    created = 0
    for session in past[:PAST_SESSIONS]:
        attendance_record(learner=learner, session=session)
        evaluate(learner=learner, session=session)
        for designation in eligible:
            if Claim.objects.filter(
                learner=learner,
                session=session,
                designation=designation,
                status=Claim.Status.ACTIVE,
            ).exists():
                continue
            claim_award(
                actor=None,
                learner=learner,
                session=session,
                designation=designation,
                hours=designation.max_hours,
                reason="Demo data",
                override=True,
            )
            created += 1
    total = Claim.objects.filter(learner=learner, status=Claim.Status.ACTIVE).count()
    return [f"Transcript of {LEARNER_EMAIL}: {total} claims ({created} new)."]
