from typing import Any

import pytest

from celedger.accreditation.models import CreditType
from celedger.activities.tests.factories import (
    ActivityFactory,
    CreditDesignationFactory,
    SessionFactory,
)
from celedger.publishers.tests.personas import *  # noqa: F403


@pytest.fixture
def ama() -> CreditType:
    # Shipped by the reference-data migration.
    return CreditType.objects.get(code="ama-pra-1")


@pytest.fixture
def activity(publisher: Any, ama: CreditType) -> Any:
    activity = ActivityFactory(publisher=publisher, title="Sepsis Update")
    CreditDesignationFactory(activity=activity, credit_type=ama, max_hours="1.50")
    SessionFactory(activity=activity, event_id="K7QM2P")
    return activity


@pytest.fixture
def session(activity: Any) -> Any:
    return activity.sessions.get()


@pytest.fixture
def designation(activity: Any) -> Any:
    return activity.designations.get()


@pytest.fixture
def reference_data(django_db_blocker: Any) -> None:
    """Transactional tests flush tables, data migrations included: load them again."""
    from django.apps import apps

    from celedger.accreditation.reference import load_reference_data

    load_reference_data(apps)


@pytest.fixture(autouse=True)
def _on_commit_runs_now(request: Any, monkeypatch: Any) -> None:
    """Tests run inside one transaction that never commits: run after-commit work (emails,
    tasks, claims_changed) at once, as a commit would. Browser tests really commit."""
    from django.db import transaction

    if request.node.get_closest_marker("browser"):
        return
    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())
