import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory, StaffMembershipFactory

Role = StaffMembership.Role


@pytest.fixture
def publisher() -> Any:
    return PublisherFactory(code="stjude")


@pytest.fixture
def admin(publisher: Any) -> Any:
    return StaffMembershipFactory(publisher=publisher, role=Role.ADMIN).user


@pytest.fixture
def coordinator(publisher: Any) -> Any:
    return StaffMembershipFactory(publisher=publisher, role=Role.COORDINATOR).user


@pytest.fixture
def viewer(publisher: Any) -> Any:
    return StaffMembershipFactory(publisher=publisher, role=Role.VIEWER).user


@pytest.fixture
def outsider() -> Any:
    """Admin of another publisher."""
    return StaffMembershipFactory(publisher=PublisherFactory(code="other"), role=Role.ADMIN).user


@pytest.fixture
def learner() -> Any:
    return LearnerProfileFactory().user


@pytest.fixture
def standard() -> EvaluationForm:
    # Transactional (browser) tests flush tables, data migrations included: re-create.
    migration = importlib.import_module("celedger.evaluations.migrations.0002_standard_form")
    migration.create_standard(django_apps, None)
    return EvaluationForm.objects.get(is_standard=True)


@pytest.fixture
def activity(publisher: Any) -> Any:
    return ActivityFactory(publisher=publisher, title="Grand Rounds")


@pytest.fixture
def session(activity: Any) -> Any:
    return SessionFactory(activity=activity, event_id="K7QM2P")


@pytest.fixture
def setup(activity: Any, standard: EvaluationForm) -> ActivityEvaluation:
    return ActivityEvaluation.objects.create(
        activity=activity, mode=ActivityEvaluation.Mode.BUILTIN, form=standard, per_session=True
    )
