"""Personas and claim builders for the exports tests."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from celedger.activities.models import CreditDesignation
from celedger.credits.models import Claim
from celedger.publishers.models import StaffMembership
from celedger.publishers.tests.factories import PublisherFactory

# The console personas (admin, coordinator, viewer, outsider, learner) and the other
# publisher are the publishers app's; this app only sets its own time zone.
from celedger.publishers.tests.personas import other_publisher, people  # noqa: F401
from celedger.reporting.models import ExportJob

Role = StaffMembership.Role


@pytest.fixture
def reference_data(django_db_blocker: Any) -> None:
    """Transactional tests flush tables, data migrations included: load them again."""
    from django.apps import apps

    from celedger.accreditation.reference import load_reference_data

    load_reference_data(apps)


@pytest.fixture
def publisher() -> Any:
    return PublisherFactory(code="lakeside", name="Lakeside Health", time_zone="America/Chicago")


def claim(
    profile: Any,
    session: Any,
    code: str,
    hours: str = "1.50",
    attested_at: datetime.datetime | None = None,
) -> Claim:
    designation = CreditDesignation.objects.get(activity=session.activity, credit_type__code=code)
    attested = attested_at or session.ends_at
    # Ledger's claim model adds these two (TEAM.md interface 1); set them once they exist.
    fields = {f.name for f in Claim._meta.get_fields()}
    extra: dict[str, Any] = {}
    if "max_hours" in fields:
        extra["max_hours"] = designation.max_hours
    if "participated_on" in fields:
        home_study = session.activity.format in ("enduring", "journal")
        extra["participated_on"] = (
            (attested if home_study else session.starts_at)
            .astimezone(session.activity.publisher.zone)
            .date()
        )
    return Claim.objects.create(
        learner=profile.user,
        session=session,
        designation=designation,
        hours=Decimal(hours),
        attested_at=attested,
        **extra,
    )


def job_for(publisher: Any, kind: str, **params: Any) -> ExportJob:
    today = timezone.localdate()
    base = {
        "date_from": (today - datetime.timedelta(days=365)).isoformat(),
        "date_to": (today + datetime.timedelta(days=1)).isoformat(),
        "format": "csv",
    }
    return ExportJob.objects.create(publisher=publisher, kind=kind, params={**base, **params})
