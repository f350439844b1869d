"""`core.rows.insert_instances` writes what `bulk_create` writes (issue 10: the claim's,
its audit rows' and the outbox message's INSERTs without the ORM's compiling)."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.sessions.models import Session as DjangoSession
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from celedger.core.models import AuditEvent, OutboxMessage
from celedger.core.rows import insert_instances
from celedger.credits.models import Claim
from celedger.credits.tests.helpers import activity_with, learner

pytestmark = pytest.mark.django_db
# Set by the database's clock or the field's pre_save: equal only to themselves.
WRITTEN_AT = {"id", "created_at", "updated_at"}


def _stored(obj: Model) -> dict[str, Any]:
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


def _alike(one: Model, other: Model, *, differing: tuple[str, ...] = ()) -> None:
    """`one`'s row as `other`'s but for the keys, the times written and `differing`."""
    a, b = _stored(one), _stored(other)
    for name in differing:
        assert a.pop(name) != b.pop(name)
    assert {k: v for k, v in a.items() if k not in WRITTEN_AT} == {
        k: v for k, v in b.items() if k not in WRITTEN_AT
    }
    for name in WRITTEN_AT & set(a):
        if name != "id":
            # What the instance was given is what the row holds.
            assert a[name] == getattr(one, name) and a[name] is not None


ATTESTED = timezone.now()


def _claim(profile: Any, session: Any, **changes: Any) -> Claim:
    designation = session.activity.designations.get()
    values: dict[str, Any] = {
        "learner": profile.user,
        "session": session,
        "designation": designation,
        "hours": Decimal("1.25"),
        "max_hours": Decimal("1.50"),
        "participated_on": datetime.date(2026, 3, 9),
        "uan": "0123-0000-26-001-L01-P",
        "attested_at": ATTESTED,
        **changes,
    }
    return Claim(**values)


def test_a_claim_is_stored_as_bulk_create_stores_it() -> None:
    session = activity_with("ama-pra-1")
    by_orm, by_hand = learner("MD"), learner("MD")
    orm = _claim(by_orm, session)
    Claim.objects.bulk_create([orm])
    hand = _claim(by_hand, session)
    insert_instances([hand])
    assert hand.pk and hand.pk != orm.pk and not hand._state.adding
    _alike(hand, orm, differing=("learner_id",))
    assert Claim.objects.get(pk=hand.pk).hours == Decimal("1.25")


def test_the_database_refuses_a_second_active_claim_as_before() -> None:
    session = activity_with("ama-pra-1")
    profile = learner("MD")
    insert_instances([_claim(profile, session)])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_instances([_claim(profile, session)])
    # Hours above the session's amount: the CHECK.
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_instances(
            [_claim(learner("MD"), session, hours=Decimal("2.00"), max_hours=Decimal("1.50"))]
        )
    assert Claim.objects.count() == 1


def test_many_rows_in_one_statement_in_their_order() -> None:
    events = [
        AuditEvent(action="claim.create", object_type="credits.claim", object_id=str(n))
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_instances(events)
    assert len(queries.captured_queries) == 1
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    for event in events:
        assert AuditEvent.objects.get(pk=event.pk).object_id == event.object_id


def test_more_rows_than_the_database_takes_parameters_go_in_batches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if the database took the parameters of two messages a statement.
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    messages = [
        OutboxMessage(kind="tests.record", payload={"n": n}, next_attempt_at=timezone.now())
        for n in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        insert_instances(messages)
    assert len(queries.captured_queries) == 3
    assert sorted(m.payload["n"] for m in OutboxMessage.objects.all()) == [0, 1, 2, 3, 4]


def test_models_it_cannot_write_as_the_orm_does_are_refused() -> None:
    with pytest.raises(TypeError, match="auto-increment"):
        insert_instances([DjangoSession(session_key="k", session_data="", expire_date=None)])
    with pytest.raises(TypeError, match="one model"):
        insert_instances([AuditEvent(action="a"), OutboxMessage(kind="k")])
    with pytest.raises(TypeError, match="new instances"):
        insert_instances([AuditEvent(pk=7, action="a")])


# What a form can send: no NUL (PostgreSQL's text and jsonb refuse it), no lone surrogate.
texts = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**31), 2**31) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner),
    max_leaves=8,
)


class TestAnyValues(HypothesisTestCase):
    @settings(max_examples=40, deadline=None)
    @given(
        reason=texts,
        new=st.dictionaries(texts, json_values),
        at=st.datetimes(
            min_value=datetime.datetime(1990, 1, 1),
            max_value=datetime.datetime(2090, 1, 1),
            timezones=st.just(datetime.UTC),
        ),
    )
    def test_audit_rows_and_outbox_messages_round_trip_as_with_the_orm(
        self, reason: str, new: dict[str, Any], at: datetime.datetime
    ) -> None:
        def event() -> AuditEvent:
            return AuditEvent(
                action="claim.create",
                object_type="credits.claim",
                object_id="7",
                new_values=new,
                reason=reason,
            )

        def message() -> OutboxMessage:
            return OutboxMessage(
                kind="tests.record", payload=new, next_attempt_at=at, last_error=reason
            )

        for build in (event, message):
            orm = build()
            type(orm)._default_manager.bulk_create([orm])
            hand = build()
            insert_instances([hand])
            _alike(hand, orm)
