"""Seed data for the fault suite, run inside a subprocess against the throwaway cluster:
`manage.py shell -c "from celedger.core.tests.faults.seed import run; run(24)"` prints JSON."""

import json

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from celedger.activities.models import CreditDesignation
from celedger.credits.tests.helpers import activity_with, learner


def _session_key(user: object) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)  # type: ignore[attr-defined]
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()  # type: ignore[attr-defined]
    store.create()
    return str(store.session_key)


def run(learners: int) -> None:
    session = activity_with("ama-pra-1", title="Sepsis\nThe First Hour")  # a line break, too
    designation = CreditDesignation.objects.get(activity=session.activity)
    people = []
    for _ in range(learners):
        profile = learner("MD")
        people.append({"email": profile.user.email, "session": _session_key(profile.user)})
    print(
        json.dumps(
            {"event_id": session.event_id, "designation": designation.pk, "learners": people}
        )
    )
