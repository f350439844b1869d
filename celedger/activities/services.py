"""Writes for activities, sessions and check-ins."""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from celedger.accreditation.models import Profession
from celedger.activities.event_ids import random_event_id
from celedger.activities.models import (
    CHECK_IN_EARLY,
    Activity,
    Attendance,
    CreditDesignation,
    Session,
    SessionUAN,
)
from celedger.activities.publishing import publish_problems

# The default claim window stays open this long after a session ends.
DEFAULT_CLAIM_DAYS_AFTER = 30
EVENT_ID_ATTEMPTS = 20
# A "month of weekly sessions" with a generous cap against typos (e.g. until 2099).
MAX_SESSIONS_PER_STEP = 60


def claim_window(*, session: Session) -> tuple[datetime.datetime, datetime.datetime]:
    """When learners may claim credit for `session`: (opens_at, closes_at), aware UTC.

    The activity's own window wins; an empty bound means the default, from the
    session's start to 30 days after its end.
    """
    activity = session.activity
    opens_at = activity.claim_opens_at or session.starts_at
    closes_at = activity.claim_closes_at or (
        session.ends_at + datetime.timedelta(days=DEFAULT_CLAIM_DAYS_AFTER)
    )
    return opens_at, closes_at


def local_datetime(
    *, publisher_tz: str, day: datetime.date, at: datetime.time
) -> datetime.datetime:
    """A wall-clock time at the publisher, as an aware datetime."""
    return datetime.datetime.combine(day, at, tzinfo=ZoneInfo(publisher_tz))


def _extend_dates(activity: Activity, session: Session) -> None:
    # Sessions outside the activity's dates widen them, so listings stay truthful.
    tz = activity.publisher.zone
    start = session.starts_at.astimezone(tz).date()
    end = session.ends_at.astimezone(tz).date()
    changed = []
    if start < activity.starts_on:
        activity.starts_on = start
        changed.append("starts_on")
    if end > activity.ends_on:
        activity.ends_on = end
        changed.append("ends_on")
    if changed:
        activity.save(update_fields=[*changed, "updated_at"])


def session_create(
    *,
    activity: Activity,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    topic: str = "",
    speaker: str = "",
    credit_hours: Decimal | None = None,
    uans: dict[int, str] | None = None,
) -> Session:
    """A session with a fresh Event ID (retried on the rare collision; the DB keeps it unique)."""
    for _ in range(EVENT_ID_ATTEMPTS):
        session = Session(
            activity=activity,
            starts_at=starts_at,
            ends_at=ends_at,
            topic=topic,
            speaker=speaker,
            credit_hours=credit_hours,
            event_id=random_event_id(),
        )
        session.full_clean(exclude=["event_id"])
        if event_id_taken(session.event_id):
            continue
        try:
            with transaction.atomic():
                session.save()
                _extend_dates(activity, session)
                if uans:
                    session_uans_set(session=session, uans=uans)
        except IntegrityError:
            # Another request took the same Event ID between the check and the insert.
            if Session.objects.filter(event_id=session.event_id).exists():
                continue
            raise
        return session
    raise RuntimeError("Could not find a free Event ID")  # pragma: no cover


def weekly_dates(
    *,
    first_on: datetime.date,
    weekday: int,
    count: int | None = None,
    until: datetime.date | None = None,
) -> list[datetime.date]:
    """Every `weekday` (Monday 0) from `first_on`: `count` of them, or up to `until`."""
    day = first_on + datetime.timedelta(days=(weekday - first_on.weekday()) % 7)
    dates: list[datetime.date] = []
    while len(dates) < MAX_SESSIONS_PER_STEP:
        if count is not None and len(dates) >= count:
            break
        if until is not None and day > until:
            break
        if count is None and until is None:
            break
        dates.append(day)
        day += datetime.timedelta(days=7)
    return dates


def sessions_add_weekly(
    *,
    activity: Activity,
    first_on: datetime.date,
    weekday: int,
    starts: datetime.time,
    ends: datetime.time,
    count: int | None = None,
    until: datetime.date | None = None,
    topic: str = "",
    speaker: str = "",
) -> list[Session]:
    """Weekly sessions in one step (a month of grand rounds), each with its own Event ID."""
    tz = activity.publisher.time_zone
    created = []
    with transaction.atomic():
        for day in weekly_dates(first_on=first_on, weekday=weekday, count=count, until=until):
            created.append(
                session_create(
                    activity=activity,
                    starts_at=local_datetime(publisher_tz=tz, day=day, at=starts),
                    ends_at=local_datetime(publisher_tz=tz, day=day, at=ends),
                    topic=topic,
                    speaker=speaker,
                )
            )
    return created


def session_update(
    *, session: Session, uans: dict[int, str] | None = None, **fields: Any
) -> Session:
    for name, value in fields.items():
        setattr(session, name, value)
    session.full_clean()
    with transaction.atomic():
        session.save()
        _extend_dates(session.activity, session)
        if uans is not None:
            session_uans_set(session=session, uans=uans)
    return session


def event_id_taken(event_id: str) -> bool:
    """Event IDs are unique over sessions and conferences together (two tables)."""
    return (
        Session.objects.filter(event_id=event_id).exists()
        or Activity.objects.filter(event_id=event_id).exists()
    )


def session_uans_set(*, session: Session, uans: dict[int, str]) -> None:
    """Give the session its own ACPE UAN per designation ("" returns to the activity's)."""
    for designation in CreditDesignation.objects.filter(
        activity_id=session.activity_id, pk__in=list(uans)
    ).select_related("credit_type"):
        uan = uans[designation.pk].strip().upper()
        if not uan:
            SessionUAN.objects.filter(session=session, designation=designation).delete()
            continue
        own = SessionUAN.objects.filter(session=session, designation=designation).first()
        own = own or SessionUAN(session=session, designation=designation)
        own.uan = uan
        own.full_clean()
        own.save()


def _conference_event_id(activity: Activity) -> None:
    # A conference has its own Event ID besides its sessions'.
    if activity.is_conference and not activity.event_id:
        for _ in range(EVENT_ID_ATTEMPTS):
            code = random_event_id()
            if not event_id_taken(code):
                activity.event_id = code
                return
        raise RuntimeError("Could not find a free Event ID")  # pragma: no cover


def session_delete(*, session: Session) -> None:
    """Remove a session created by mistake; refused once anyone has checked in, because
    check-ins, evaluations and claims are records that must stay."""
    with transaction.atomic():
        if Attendance.objects.filter(session=session).exists():
            raise ValidationError(
                "Learners have checked in to this session; it cannot be deleted."
            )
        try:
            session.delete()
        except ProtectedError as error:
            raise ValidationError(
                "This session has credit claims; it cannot be deleted."
            ) from error


def _check_publishable(activity: Activity) -> None:
    # Only the step to "published" is gated; an activity published before keeps saving.
    was = Activity.objects.filter(pk=activity.pk).values_list("status", flat=True).first()
    if was != Activity.Status.PUBLISHED:
        problems = publish_problems(activity=activity)
        if problems:
            raise ValidationError({"status": problems})


def activity_save(
    *,
    activity: Activity,
    professions: Iterable[Profession],
    designations: Iterable[CreditDesignation] = (),
    removed_designations: Iterable[CreditDesignation] = (),
    first_session_times: tuple[datetime.time, datetime.time] | None = None,
    first_session: bool = True,
) -> Activity:
    """Create or update an activity with its credit designations.

    A new activity that is not a series gets its one session at once (spanning its
    dates at the given times), so it has an Event ID from the start. Becoming published
    runs the publish checks (activities.publishing): ValidationError on "status".
    """
    is_new = activity.pk is None
    _conference_event_id(activity)
    activity.full_clean()
    with transaction.atomic():
        if activity.status == Activity.Status.PUBLISHED:
            _check_publishable(activity)
        activity.save()
        activity.target_professions.set(list(professions))
        for designation in removed_designations:
            if designation.pk:
                designation.delete()
        for designation in designations:
            designation.activity = activity
            designation.full_clean()
            designation.save()
        if (
            is_new
            and first_session
            and activity.format != Activity.Format.RSS
            and not activity.is_series
        ):
            starts, ends = first_session_times or (datetime.time(9, 0), datetime.time(10, 0))
            tz = activity.publisher.time_zone
            session_create(
                activity=activity,
                starts_at=local_datetime(publisher_tz=tz, day=activity.starts_on, at=starts),
                ends_at=local_datetime(publisher_tz=tz, day=activity.ends_on, at=ends),
            )
    return activity


def attendance_record(*, learner: Any, session: Session) -> Attendance:
    """Check the learner in to the session once; later visits keep the first time."""
    try:
        with transaction.atomic():
            attendance, _ = Attendance.objects.get_or_create(session=session, learner=learner)
    except IntegrityError:
        # Two tabs at once: the other request's row wins.
        attendance = Attendance.objects.get(session=session, learner=learner)
    return attendance


def attendance_check_in(
    *, learner: Any, session: Session, now: datetime.datetime | None = None
) -> None:
    """The learner's own check-in ("I'm here"), only while the session runs: one
    `INSERT … ON CONFLICT DO NOTHING`, so a second tap (or two tabs at once) keeps the
    first time and needs no read, savepoint or transaction of its own."""
    now = now or timezone.now()
    if now < session.starts_at - CHECK_IN_EARLY:
        raise ValidationError("Check-in opens 30 minutes before the session starts.")
    if now > session.ends_at and not session.activity.is_home_study:
        raise ValidationError(
            "This session has ended; you can still claim credit if you attended."
        )
    # Written out: `bulk_create` compiled the same INSERT afresh on every tap of the rush
    # (no signal is lost: bulk_create sends none either).
    using = router.db_for_write(Attendance)
    conn = connections[using]
    quote = conn.ops.quote_name
    checked_in_at = Attendance._meta.get_field("checked_in_at")
    with conn.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Attendance._meta.db_table)} "
            f"({quote('session_id')}, {quote('learner_id')}, {quote('checked_in_at')}) "
            "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            [session.pk, learner.pk, checked_in_at.get_db_prep_save(timezone.now(), conn)],
        )
