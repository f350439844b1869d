import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import given
from hypothesis import strategies as st

from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.tests.factories import CreditTypeFactory
from celedger.activities import services
from celedger.activities.event_ids import is_well_formed, normalize_event_id
from celedger.activities.models import Activity, Attendance, CreditDesignation, Session
from celedger.activities.services import (
    activity_save,
    attendance_record,
    claim_window,
    session_create,
    sessions_add_weekly,
    weekly_dates,
)
from celedger.activities.tests.factories import ActivityFactory, SessionFactory
from celedger.publishers.tests.factories import PublisherFactory

UTC = datetime.UTC


@pytest.mark.django_db
def test_it_defaults_the_claim_window_to_session_start_until_30_days_after_its_end() -> None:
    session = SessionFactory(
        starts_at=datetime.datetime(2026, 3, 2, 14, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 3, 2, 15, tzinfo=UTC),
    )
    assert claim_window(session=session) == (
        datetime.datetime(2026, 3, 2, 14, tzinfo=UTC),
        datetime.datetime(2026, 4, 1, 15, tzinfo=UTC),
    )


@pytest.mark.django_db
def test_it_uses_the_activitys_own_claim_window_when_set() -> None:
    opens = datetime.datetime(2026, 3, 1, tzinfo=UTC)
    closes = datetime.datetime(2026, 3, 10, tzinfo=UTC)
    session = SessionFactory(
        activity=ActivityFactory(claim_opens_at=opens, claim_closes_at=closes)
    )
    assert claim_window(session=session) == (opens, closes)


@pytest.mark.django_db
def test_it_retries_when_a_random_event_id_is_taken(monkeypatch: Any) -> None:
    SessionFactory(event_id="AAAAAA")
    ids = iter(["AAAAAA", "AAAAAA", "BBBBBB"])
    monkeypatch.setattr(services, "random_event_id", lambda: next(ids))
    activity = ActivityFactory()
    now = datetime.datetime(2026, 3, 2, 14, tzinfo=UTC)
    session = session_create(activity=activity, starts_at=now, ends_at=now)
    assert session.event_id == "BBBBBB"


@pytest.mark.django_db
def test_it_generates_well_formed_event_ids() -> None:
    activity = ActivityFactory()
    now = datetime.datetime(2026, 3, 2, 14, tzinfo=UTC)
    for _ in range(20):
        assert is_well_formed(
            session_create(activity=activity, starts_at=now, ends_at=now).event_id
        )


@pytest.mark.django_db
def test_it_keeps_event_ids_unique_in_the_database() -> None:
    SessionFactory(event_id="CCCCCC")
    with pytest.raises(IntegrityError):
        SessionFactory(event_id="CCCCCC")


def test_it_lists_a_month_of_weekly_dates_by_count_or_until() -> None:
    monday = datetime.date(2026, 3, 2)
    wednesdays = weekly_dates(first_on=monday, weekday=2, count=4)
    assert wednesdays == [datetime.date(2026, 3, d) for d in (4, 11, 18, 25)]
    assert weekly_dates(first_on=monday, weekday=0, until=datetime.date(2026, 3, 23)) == [
        datetime.date(2026, 3, d) for d in (2, 9, 16, 23)
    ]
    assert weekly_dates(first_on=monday, weekday=0, until=datetime.date(2099, 1, 1))[-1] < (
        datetime.date(2028, 1, 1)
    ), "a typo in the end date cannot create thousands of sessions"


@pytest.mark.django_db
def test_it_adds_weekly_sessions_at_the_publishers_wall_clock_time() -> None:
    activity = ActivityFactory(
        publisher=PublisherFactory(time_zone="America/Chicago"),
        format=Activity.Format.RSS,
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 2),
    )
    created = sessions_add_weekly(
        activity=activity,
        first_on=datetime.date(2026, 3, 2),
        weekday=2,
        starts=datetime.time(12, 0),
        ends=datetime.time(13, 0),
        count=4,
        topic="Grand Rounds",
    )
    assert len(created) == 4
    assert len({s.event_id for s in created}) == 4
    chicago = ZoneInfo("America/Chicago")
    # Noon in Chicago on both sides of the DST change (March 8, 2026).
    assert [s.starts_at.astimezone(chicago).hour for s in created] == [12, 12, 12, 12]
    assert created[0].starts_at.astimezone(UTC).hour == 18
    assert created[-1].starts_at.astimezone(UTC).hour == 17
    activity.refresh_from_db()
    assert activity.ends_on == datetime.date(2026, 3, 25)


@pytest.mark.django_db
def test_it_creates_the_one_session_of_a_single_date_activity() -> None:
    publisher = PublisherFactory(time_zone="America/New_York")
    activity = Activity(
        publisher=publisher,
        title="Stroke",
        format=Activity.Format.LIVE,
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 2),
    )
    ama = CreditTypeFactory(code="ama-pra-1")
    activity_save(
        activity=activity,
        professions=[],
        designations=[CreditDesignation(credit_type=ama, max_hours=Decimal("1.25"))],
        first_session_times=(datetime.time(8, 0), datetime.time(9, 30)),
    )
    session = activity.sessions.get()
    assert session.starts_at == datetime.datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    assert session.ends_at == datetime.datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert activity.designations.get().max_hours == Decimal("1.25")


@pytest.mark.django_db
def test_it_creates_no_session_for_a_new_series() -> None:
    activity = Activity(
        publisher=PublisherFactory(),
        title="Grand Rounds",
        format=Activity.Format.RSS,
        starts_on=datetime.date(2026, 3, 2),
        ends_on=datetime.date(2026, 3, 30),
    )
    activity_save(activity=activity, professions=[])
    assert not Session.objects.filter(activity=activity).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("hours", ["0", "1.10", "-0.25"])
def test_it_refuses_hours_off_the_quarter_step(hours: str) -> None:
    designation = CreditDesignation(
        activity=ActivityFactory(), credit_type=CreditTypeFactory(), max_hours=Decimal(hours)
    )
    with pytest.raises(ValidationError) as raised:
        designation.full_clean()
    assert "max_hours" in raised.value.message_dict


@pytest.mark.django_db
def test_it_records_attendance_once_with_the_first_time() -> None:
    session = SessionFactory()
    learner = UserFactory()
    first = attendance_record(learner=learner, session=session)
    again = attendance_record(learner=learner, session=session)
    assert first.pk == again.pk
    assert again.checked_in_at == first.checked_in_at
    assert Attendance.objects.filter(session=session, learner=learner).count() == 1


@pytest.mark.django_db
def test_it_survives_a_concurrent_check_in(monkeypatch: Any) -> None:
    session = SessionFactory()
    learner = UserFactory()
    Attendance.objects.create(session=session, learner=learner)
    real_get_or_create = Attendance.objects.get_or_create

    def racing(**kwargs: Any) -> Any:
        # The other request inserted between our SELECT and INSERT.
        raise IntegrityError("attendance_unique")

    monkeypatch.setattr(Attendance.objects, "get_or_create", racing)
    assert attendance_record(learner=learner, session=session).learner == learner
    monkeypatch.setattr(Attendance.objects, "get_or_create", real_get_or_create)


@given(
    event_id=st.text(alphabet="ABCDEFGHJKMNPQRSTUVWXYZ23456789", min_size=6, max_size=6),
    noise=st.lists(st.sampled_from([" ", "-", "  ", "--"]), min_size=7, max_size=7),
    lower=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_it_reads_an_event_id_however_it_is_typed(
    event_id: str, noise: list[str], lower: list[bool]
) -> None:
    typed = noise[0] + "".join(
        (c.lower() if low else c) + gap
        for c, low, gap in zip(event_id, lower, noise[1:], strict=True)
    )
    assert normalize_event_id(typed) == event_id
    assert is_well_formed(normalize_event_id(typed))
