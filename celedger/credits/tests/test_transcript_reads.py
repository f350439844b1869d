"""The transcript's written-out reads answer exactly as the ORM's statements they replace
(issue 10), for every filter, on PostgreSQL and SQLite: a transcript is a credit record."""

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from celedger.accreditation.models import CreditType
from celedger.activities.tests.factories import SessionFactory
from celedger.credits import transcript_reads
from celedger.credits.models import Claim, ExternalCredit
from celedger.credits.selectors import (
    _ROW_VALUES,
    TRANSCRIPT_ORDER,
    TranscriptFilters,
    _filtered,
    transcript_for,
)
from celedger.credits.tests.helpers import activity_with, designate, learner
from celedger.publishers.tests.factories import PublisherFactory
from celedger.testing.orm import compiled_selects

pytestmark = pytest.mark.django_db


def _claim(user: Any, session: Any, designation: Any, hours: str, on: datetime.date) -> None:
    Claim.objects.create(
        learner=user,
        session=session,
        designation=designation,
        hours=Decimal(hours),
        max_hours=designation.max_hours,
        participated_on=on,
        attested_at=timezone.now(),
        uan=designation.uan,
    )


@pytest.fixture
def history() -> Any:
    """A learner with claims at two providers, three credit types, a conference, a
    revoked claim, another learner's claims and external credit (one without a type)."""
    profile = learner("MD")
    user, other = profile.user, learner("RN").user
    first = activity_with("ama-pra-1", "ancc", hours="2.00")
    second = activity_with("acpe-p", publisher=PublisherFactory(code="north"))
    conference = first.activity
    extra = SessionFactory(activity=conference, topic="Keynote")
    ama, ancc = (conference.designations.get(credit_type__code=c) for c in ("ama-pra-1", "ancc"))
    acpe = second.activity.designations.get()
    days = [datetime.date(2026, 3, d) for d in (2, 9, 9, 16)]
    _claim(user, first, ama, "1.25", days[0])
    _claim(user, first, ancc, "2.00", days[0])
    _claim(user, extra, ama, "0.75", days[1])
    _claim(user, second, acpe, "1.50", days[2])
    _claim(other, second, acpe, "1.50", days[3])
    revoked = Claim.objects.filter(learner=user, designation=ancc).get()
    revoked.status, revoked.revoked_at = Claim.Status.REVOKED, timezone.now()
    revoked.save()
    _claim(user, first, ancc, "1.75", days[3])
    designate(second.activity, "ama-pra-1")
    for on, kind, label in [
        ("2025-11-02", CreditType.objects.get(code="ama-pra-1"), "AMA"),
        ("2026-03-10", None, "Grand rounds elsewhere"),
    ]:
        ExternalCredit.objects.create(
            learner=user,
            publisher=conference.publisher,
            activity_title="Old course",
            completed_on=on,
            credit_type=kind,
            credit_type_label=label,
            hours=Decimal("2.5"),
            source="import",
            source_key=on,
        )
    return user


FILTERS = [
    TranscriptFilters(
        date_from=date_from, date_to=date_to, credit_type=credit_type, publisher=publisher
    )
    for date_from, date_to, credit_type, publisher in itertools.product(
        [None, datetime.date(2026, 3, 9)],
        [None, datetime.date(2026, 3, 10)],
        ["", "ama-pra-1", "acpe-p"],
        ["", "north"],
    )
]


def _orm_totals(user: Any, filters: TranscriptFilters) -> list[tuple[Any, ...]]:
    grouped = (
        _filtered(user, filters)
        .order_by()
        .values(
            "designation__credit_type__sort_order",
            "designation__credit_type__name",
            "designation__credit_type__unit_singular",
            "designation__credit_type__unit",
        )
        .annotate(hours=Sum("hours"), claims=Count("pk"))
        .order_by("designation__credit_type__sort_order", "designation__credit_type__name")
    )
    return [
        (
            row["designation__credit_type__name"],
            row["designation__credit_type__unit_singular"],
            row["designation__credit_type__unit"],
            Decimal(row["hours"]).quantize(Decimal("0.01")),
            row["claims"],
        )
        for row in grouped
    ]


def _orm_external(user: Any, filters: TranscriptFilters) -> list[tuple[Any, ...]]:
    if filters.publisher:
        return []
    qs = ExternalCredit.objects.filter(learner=user).select_related("credit_type")
    if filters.date_from:
        qs = qs.filter(completed_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(completed_on__lte=filters.date_to)
    if filters.credit_type:
        qs = qs.filter(credit_type__code=filters.credit_type)
    return [_external_values(x) for x in qs.order_by("-completed_on", "-id")]


def _external_values(item: ExternalCredit) -> tuple[Any, ...]:
    fields = [f.attname for f in ExternalCredit._meta.concrete_fields]
    kind = item.credit_type
    return (*(getattr(item, f) for f in fields), kind.pk if kind else None, str(kind or ""))


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: repr(f))
def test_each_read_answers_as_the_orm(history: Any, filters: TranscriptFilters) -> None:
    user = history
    assert transcript_reads.totals(learner_id=user.pk, filters=filters) == _orm_totals(
        user, filters
    )
    ordered = _filtered(user, filters).order_by(*TRANSCRIPT_ORDER)
    for offset, limit in [(0, 50), (0, 2), (1, 2), (3, 2), (9, 2)]:
        ids = ordered.values_list("pk", flat=True)[offset : offset + limit]
        orm = list(
            Claim.objects.filter(pk__in=ids).order_by(*TRANSCRIPT_ORDER).values_list(*_ROW_VALUES)
        )
        written = transcript_reads.page(
            learner_id=user.pk, filters=filters, offset=offset, limit=limit
        )
        assert written == orm, (offset, limit)
        assert [type(v) for row in written for v in row] == [type(v) for row in orm for v in row]
    external = transcript_reads.external(learner_id=user.pk, filters=filters)
    assert [_external_values(x) for x in external] == _orm_external(user, filters)


def test_the_choices_are_the_orms(history: Any) -> None:
    user = history
    orm = set(
        Claim.objects.filter(learner=user, status=Claim.Status.ACTIVE).values_list(
            "designation__credit_type__sort_order",
            "designation__credit_type__code",
            "designation__credit_type__name",
            "session__activity__publisher__name",
            "session__activity__publisher__code",
        )
    )
    written = transcript_reads.choices(learner_id=user.pk)
    assert len(written) == len(set(written)) and set(written) == orm


def test_the_transcript_page_compiles_no_statement(history: Any) -> None:
    user = history
    with compiled_selects(raw=True) as tables:
        transcript, page = transcript_for(learner=user, page=1, per_page=2)
    assert tables == []
    assert page is not None and page.paginator.num_pages == 2 and transcript.count == 4
    assert [r.hours for r in transcript.rows] == [Decimal("1.75"), Decimal("1.50")]
    assert [(name, hours) for name, _, hours in transcript.totals] == [
        ("AMA PRA Category 1 Credit™", Decimal("2.00")),
        ("ANCC nursing contact hours", Decimal("1.75")),
        ("ACPE contact hours for pharmacists", Decimal("1.50")),
    ]
    _, last = transcript_for(learner=user, page="9", per_page=2)
    assert last is not None and last.number == 2
