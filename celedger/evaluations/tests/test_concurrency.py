"""Simultaneous submissions of one learner's evaluation from separate connections."""

import threading
from typing import Any

import pytest
from django.db import connection, connections

from celedger.evaluations import services
from celedger.evaluations.models import Answer, Response

THREADS = 12


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serializes writers on one file lock, so it cannot show inserts racing; "
    "run with DATABASE_URL=postgres://… to exercise the constraint.",
)
@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_response_under_simultaneous_submissions(
    learner: Any, session: Any, setup: Any, standard: Any
) -> None:
    questions = list(standard.questions.filter(kind__in=["agreement", "rating"]))
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []
    lock = threading.Lock()

    def submit(score: int) -> None:
        try:
            barrier.wait(timeout=30)
            services.response_submit(
                learner=learner,
                activity=session.activity,
                session=session,
                form=standard,
                answers={q.pk: score for q in questions},
            )
        except Exception as error:  # the point: nothing may escape the service
            with lock:
                errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(1 + i % 5,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    response = Response.objects.get(learner=learner, session=session)
    answers = Answer.objects.filter(response=response)
    assert answers.count() == len(questions)
    # One submission won whole: every answer carries the same score.
    assert len(set(answers.values_list("number", flat=True))) == 1
