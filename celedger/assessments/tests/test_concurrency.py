"""Simultaneous attempts by one learner from separate connections (PostgreSQL)."""

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from celedger.assessments import services
from celedger.assessments.models import Attempt
from celedger.assessments.tests.conftest import answers, build_post_test
from celedger.profiles.tests.factories import LearnerProfileFactory

THREADS = 12


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers on one file lock, so it cannot show inserts racing; "
    "run with DATABASE_URL=postgres://… to exercise the lock and the constraint.",
)
@pytest.mark.django_db(transaction=True)
def test_attempts_never_exceed_the_allowed_count_under_simultaneous_submits(
    home_study: Any,
) -> None:
    test = build_post_test(home_study, attempts=2)
    learner = LearnerProfileFactory().user
    wrong = answers(test, right=0)
    barrier = threading.Barrier(THREADS)
    refused: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def submit(attempt_no: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.attempt_submit(
                learner=learner, assessment=test, attempt_no=attempt_no, selected=wrong
            )
        except ValidationError as error:
            with lock:
                refused.append(error.messages[0])
        except Exception as error:  # nothing else may escape the service
            with lock:
                errors.append(repr(error))
        finally:
            connections.close_all()

    # Two tabs each sending attempts 1, 2 and 3 four times over.
    threads = [threading.Thread(target=submit, args=(1 + i % 3,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    numbers = sorted(Attempt.objects.filter(learner=learner).values_list("attempt_no", flat=True))
    assert numbers in ([1], [1, 2])
    assert len(refused) == THREADS - len(numbers)
