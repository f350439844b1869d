"""Designations and credit types are cached between requests and dropped by
whatever changes them (issue 10)."""

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from celedger.accreditation.models import CreditType, Profession
from celedger.activities.models import SessionUAN
from celedger.activities.selectors import designations_for
from celedger.credits.tests.helpers import activity_with, conference, designate

pytestmark = pytest.mark.django_db


def _read(activity: Any) -> tuple[list[Any], int]:
    with CaptureQueriesContext(connection) as queries:
        designations = designations_for(activity=activity)
    return designations, len(queries.captured_queries)


def test_designations_are_read_once_then_from_the_cache() -> None:
    session = activity_with("ama-pra-1", "acpe-p")
    first, cold = _read(session.activity)
    again, warm = _read(session.activity)
    assert (cold, warm) == (3, 0)
    assert [d.pk for d in again] == [d.pk for d in first]
    # What eligibility and the UAN read is there without a query.
    with CaptureQueriesContext(connection) as queries:
        for designation in again:
            assert designation.activity == session.activity
            list(designation.credit_type.professions.all())
            if designation.credit_type.code == "acpe-p":
                list(designation.session_uans.all())
    assert not queries.captured_queries


def test_a_new_changed_or_deleted_designation_is_seen_at_once() -> None:
    session = activity_with("ama-pra-1")
    activity = session.activity
    _read(activity)
    ancc = designate(activity, "ancc", "2.00")
    assert {d.credit_type.code for d in _read(activity)[0]} == {"ama-pra-1", "ancc"}
    ancc.max_hours = Decimal("1.00")
    ancc.save()
    assert next(d for d in _read(activity)[0] if d.pk == ancc.pk).max_hours == Decimal("1.00")
    ancc.delete()
    assert [d.credit_type.code for d in _read(activity)[0]] == ["ama-pra-1"]


def test_a_sessions_own_uan_is_seen_at_once() -> None:
    activity = conference("acpe-p")
    session = activity.sessions.first()
    acpe = _read(activity)[0][0]
    assert not list(acpe.session_uans.all())
    SessionUAN.objects.create(session=session, designation=acpe, uan="0123-0000-26-002-L01-P")
    assert [u.uan for u in _read(activity)[0][0].session_uans.all()] == ["0123-0000-26-002-L01-P"]


def test_a_changed_credit_type_or_profession_list_retires_every_activitys_entry() -> None:
    one = activity_with("ama-pra-1").activity
    two = activity_with("ama-pra-1").activity
    _read(one), _read(two)
    ama = CreditType.objects.get(code="ama-pra-1")
    ama.short_name = "AMA 1"
    ama.save()
    assert _read(one)[0][0].credit_type.short_name == "AMA 1"
    assert _read(two)[0][0].credit_type.short_name == "AMA 1"
    nurse = Profession.objects.get(code="nurse")
    ama.professions.add(nurse)
    assert nurse in _read(one)[0][0].credit_type.professions.all()
