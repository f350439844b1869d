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
