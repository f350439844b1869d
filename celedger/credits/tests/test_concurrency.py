"""50 simultaneous submissions of the same claim from separate connections."""

import threading

import pytest
from django.db import connection, connections

from celedger.credits.models import Claim
from celedger.credits.services import claim_submit
from celedger.credits.tests.helpers import activity_with, hours_for, learner

THREADS = 50


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers on one file lock, so it cannot show concurrent "
    "inserts racing; run with DATABASE_URL=postgres://… to exercise the constraint.",
)
@pytest.mark.django_db(transaction=True)
def test_it_keeps_exactly_one_claim_under_50_simultaneous_submissions(reference_data):
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    hours = hours_for(session, "ama-pra-1")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        try:
            barrier.wait(timeout=30)
            result = claim_submit(
                learner=profile.user, session=session, hours_by_designation=hours, attested=True
            )
            outcome = "created" if result.created else "existing"
        except Exception as error:  # the point: nothing may escape the service
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("created") == 1
    assert outcomes.count("existing") == THREADS - 1
    assert Claim.objects.filter(learner=profile.user, status=Claim.Status.ACTIVE).count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Needs concurrent writers (PostgreSQL); SQLite serializes them on a file lock.",
)
@pytest.mark.django_db(transaction=True)
def test_it_never_lets_50_simultaneous_conference_claims_total_more_than_the_maximum(
    reference_data,
):
    import random

    from django.core.exceptions import ValidationError
    from django.db.models import Sum

    from celedger.credits.models import CreditBalance
    from celedger.credits.tests.helpers import conference

    activity = conference()  # six sessions adding up to 7.50, maximum 6.50
    sessions = list(activity.sessions.order_by("starts_at"))
    designation = activity.designations.get()
    profile = learner("MD")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()
    picks = [random.Random(n).sample(sessions, k=1 + n % 6) for n in range(THREADS)]

    def submit(picked: list) -> None:
        try:
            barrier.wait(timeout=30)
            total = min(sum(s.credit_hours for s in picked), designation.max_hours)
            result = claim_submit(
                learner=profile.user,
                session=sessions[0],
                hours_by_designation={designation.pk: total},
                attested=True,
                session_ids=[s.pk for s in picked],
            )
            outcome = "created" if result.created else "existing"
        except ValidationError:
            outcome = "refused"
        except Exception as error:  # anything else escaping the service is a bug
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=submit, args=(p,)) for p in picks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [o for o in outcomes if o.startswith("error")] == []
    assert len(outcomes) == THREADS and "created" in outcomes
    active = Claim.objects.filter(learner=profile.user, status=Claim.Status.ACTIVE)
    total = active.aggregate(total=Sum("hours"))["total"]
    assert total <= designation.max_hours
    assert CreditBalance.objects.get(learner=profile.user).claimed == total
