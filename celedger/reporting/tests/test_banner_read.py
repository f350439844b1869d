"""The layout's credit-reporting banner reads the learner's held or rejected records with
written-out SQL (`reporting.selectors._current_held_or_rejected`): on every page a
pharmacist, technician or board member opens, the ORM compiled the same join afresh."""

from typing import Any

import pytest
from django.urls import reverse

from celedger.reporting.models import ReportingRecord
from celedger.reporting.selectors import learner_fixes
from celedger.reporting.tests.test_dashboard import exported, held_pharmacist
from celedger.testing.orm import compiled_selects

pytestmark = pytest.mark.django_db


def _compiled(client: Any, url: str) -> tuple[Any, list[str]]:
    with compiled_selects() as tables:
        response = client.get(url)
    return response, tables


def test_the_banner_is_shown_with_no_compiled_read(client: Any, publisher: Any) -> None:
    pat, _ = held_pharmacist(publisher)
    client.force_login(pat.user)
    url = reverse("credits:transcript")
    client.get(url)  # warm

    response, tables = _compiled(client, url)

    page = response.content.decode()
    assert 'aria-label="Credit reporting"' in page
    assert "Anticoagulation Update" in page
    assert "reporting_reportingrecord" not in tables


def test_the_written_out_read_builds_what_the_orm_builds(client: Any, publisher: Any) -> None:
    pat, _ = held_pharmacist(publisher)
    _, rejected = held_pharmacist(publisher)
    ReportingRecord.objects.filter(pk=rejected.pk).update(learner=pat.user)
    rejected = exported(rejected)
    ReportingRecord.objects.filter(pk=rejected.pk).update(
        status="rejected", rejection_reason="ePID and birth date do not match NABP"
    )

    rows = learner_fixes(user=pat.user)

    expected = list(
        ReportingRecord.objects.filter(
            learner=pat.user, is_current=True, status__in=["held", "rejected"]
        ).select_related("activity", "publisher")
    )
    assert [r.record.pk for r in rows] == [r.pk for r in expected]
    for row, orm in zip(rows, expected, strict=True):
        for model_field in ReportingRecord._meta.concrete_fields:
            name = model_field.attname
            assert getattr(row.record, name) == getattr(orm, name), name
        assert row.record.activity.__dict__.keys() == orm.activity.__dict__.keys()
        assert row.record.activity.title == orm.activity.title
        assert row.record.publisher.name == orm.publisher.name
    assert [r.record.status for r in rows].count("rejected") == 1
