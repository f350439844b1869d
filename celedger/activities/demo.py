"""Demo activities (`manage.py seed_demo`): a live program open now, a weekly grand-rounds
series and an enduring material. Safe to run again: found by title and publisher."""

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone

from celedger.accreditation.models import CreditType, Profession
from celedger.activities.event_ids import format_event_id
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.activities.services import (
    activity_save,
    local_datetime,
    session_create,
    sessions_add_weekly,
)
from celedger.publishers import demo as publishers_demo
from celedger.publishers.models import Publisher

LIVE_TITLE = "Sepsis 2026: Recognition and the First Hour"
SERIES_TITLE = "Internal Medicine Grand Rounds"
ENDURING_TITLE = "Opioid Stewardship for the Care Team (online course)"
GLPS_TITLE = "Anticoagulation Update for Pharmacists"
CONFERENCE_TITLE = "Cardiology Update 2026"
# Two days, six sessions: (day, start, end, topic, credit hours). They add up to 7.50;
# the conference is designated for 6.50 (a learner cannot claim every session in full).
CONFERENCE_SESSIONS = [
    (0, datetime.time(8, 0), datetime.time(9, 0), "Heart failure: what changed", "1.00"),
    (0, datetime.time(9, 15), datetime.time(10, 45), "Atrial fibrillation and stroke", "1.50"),
    (0, datetime.time(11, 0), datetime.time(12, 0), "Lipids beyond statins", "1.00"),
    (1, datetime.time(8, 0), datetime.time(9, 15), "Anticoagulation in practice", "1.25"),
    (1, datetime.time(9, 30), datetime.time(11, 0), "Structural heart disease", "1.50"),
    (1, datetime.time(11, 15), datetime.time(12, 30), "Cardio-oncology", "1.25"),
]
# The pharmacology session carries its own ACPE UAN (ACPE lets each be its own activity).
CONFERENCE_OWN_UAN_SESSION = 3


def _credit_type(code: str) -> CreditType | None:
    return CreditType.objects.filter(code=code).first()


def _designations(rows: list[tuple[str, str, str]]) -> list[CreditDesignation]:
    found = []
    for code, hours, uan in rows:
        credit_type = _credit_type(code)
        if credit_type is not None:
            found.append(
                CreditDesignation(
                    credit_type=credit_type,
                    max_hours=Decimal(hours),
                    uan=uan,
                    acpe_activity_type="knowledge" if uan else "",
                )
            )
    return found


def _activity(publisher: Publisher, title: str, **fields: Any) -> tuple[Activity, bool]:
    existing = Activity.objects.filter(publisher=publisher, title=title).first()
    if existing is not None:
        return existing, False
    designations = fields.pop("designations")
    professions = fields.pop("professions")
    times = fields.pop("times", None)
    no_session = fields.pop("no_session", False)
    activity = Activity(publisher=publisher, title=title, **fields)
    activity_save(
        activity=activity,
        professions=Profession.objects.filter(code__in=professions),
        designations=_designations(designations),
        first_session_times=times,
        first_session=not no_session,
    )
    return activity, True


def _link(session: Session) -> str:
    return f"{settings.SITE_URL}/e/{session.event_id}/"


def seed() -> list[str]:
    publishers_demo.seed()
    lhs = Publisher.objects.get(code="lhs")
    glps = Publisher.objects.get(code="glps")
    today = timezone.localdate(timezone=lhs.zone)
    year = today.strftime("%y")

    live, _ = _activity(
        lhs,
        LIVE_TITLE,
        description="A case-based update on sepsis screening, bundles and team handoffs.",
        objectives="Recognize early sepsis with qSOFA and lactate\n"
        "Start the hour-1 bundle as a team\nHand off septic patients safely",
        format=Activity.Format.LIVE,
        starts_on=today,
        ends_on=today,
        location="Lakeside Main Auditorium",
        is_ipce=True,
        status=Activity.Status.PUBLISHED,
        professions=["physician", "nurse", "pharmacist", "physician-assistant"],
        designations=[
            ("ama-pra-1", "1.50", ""),
            ("ancc", "1.50", ""),
            ("acpe-p", "1.50", f"0123-0000-{year}-001-L01-P"),
            ("ipce", "1.50", ""),
        ],
    )
    # Open now, on every run: the session started an hour ago, so claiming is open.
    live_session = live.sessions.order_by("starts_at").first()
    if live_session is not None:
        live_session.starts_at = timezone.now() - datetime.timedelta(hours=1)
        live_session.ends_at = timezone.now() + datetime.timedelta(hours=1)
        live_session.save(update_fields=["starts_at", "ends_at"])
        tz = lhs.zone
        live.starts_on = live_session.starts_at.astimezone(tz).date()
        live.ends_on = live_session.ends_at.astimezone(tz).date()
        live.status = Activity.Status.PUBLISHED
        live.save(update_fields=["starts_on", "ends_on", "status"])

    series, created = _activity(
        lhs,
        SERIES_TITLE,
        description="Weekly grand rounds of the Department of Medicine.",
        format=Activity.Format.RSS,
        structure=Activity.Structure.SERIES,
        starts_on=today - datetime.timedelta(days=14),
        ends_on=today + datetime.timedelta(days=28),
        location="Lakeside Conference Room B and online",
        is_ipce=True,
        status=Activity.Status.PUBLISHED,
        professions=["physician", "nurse", "physician-assistant"],
        designations=[("ama-pra-1", "1.00", ""), ("ancc", "1.00", ""), ("ipce", "1.00", "")],
    )
    if created:
        sessions_add_weekly(
            activity=series,
            first_on=today - datetime.timedelta(days=14),
            weekday=today.weekday(),
            starts=datetime.time(12, 0),
            ends=datetime.time(13, 0),
            count=6,
            topic="Grand Rounds",
            speaker="Department of Medicine",
        )

    _activity(
        lhs,
        ENDURING_TITLE,
        description="A self-paced online course on safe opioid prescribing and dispensing.",
        format=Activity.Format.ENDURING,
        structure=Activity.Structure.HOME_STUDY,
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today + datetime.timedelta(days=305),
        url="https://learning.lakeside.example.org/opioids",
        status=Activity.Status.PUBLISHED,
        professions=["physician", "nurse", "pharmacist", "pharmacy-technician"],
        designations=[
            ("ama-pra-1", "2.00", ""),
            ("ancc", "2.00", ""),
            ("acpe-p", "2.00", f"0123-0000-{year}-002-H08-P"),
            ("acpe-t", "2.00", f"0123-0000-{year}-003-H08-T"),
        ],
        times=(datetime.time(0, 0), datetime.time(23, 59)),
    )
    _activity(
        glps,
        GLPS_TITLE,
        description="DOACs, reversal agents and bridging in 2026.",
        format=Activity.Format.INTERNET_LIVE,
        starts_on=today,
        ends_on=today,
        url="https://glps.example.org/webinar",
        status=Activity.Status.PUBLISHED,
        professions=["pharmacist", "pharmacy-technician"],
        designations=[
            ("acpe-p", "1.00", f"0456-0000-{year}-010-L01-P"),
            ("acpe-t", "1.00", f"0456-0000-{year}-011-L01-T"),
        ],
        times=(datetime.time(0, 0), datetime.time(23, 59)),
    )

    conference = _conference(lhs, today, year)

    lines = []
    if live_session is not None:
        lines.append(
            f"Demo program open now: Event ID {format_event_id(live_session.event_id)} "
            f"→ {_link(live_session)}"
        )
    for session in series.sessions.order_by("starts_at")[:3]:
        local = session.starts_at.astimezone(lhs.zone)
        lines.append(
            f"Grand rounds {local:%a %b %d}: Event ID {format_event_id(session.event_id)}"
            f" → {_link(session)}"
        )
    if conference.event_id:
        link = f"{settings.SITE_URL}/e/{conference.event_id}/"
        lines.append(
            f"Conference “{conference.title}” (claim once): Event ID "
            f"{format_event_id(conference.event_id)} → {link}"
        )
    for session in conference.sessions.order_by("starts_at"):
        local = session.starts_at.astimezone(lhs.zone)
        lines.append(
            f"  session {local:%a %H:%M} {session.topic}: Event ID "
            f"{format_event_id(session.event_id)}"
        )
    enduring = Activity.objects.filter(publisher=lhs, title=ENDURING_TITLE).first()
    enduring_session = enduring.sessions.first() if enduring else None
    if enduring_session is not None:
        lines.append(
            f"Home study “{ENDURING_TITLE}”: Event ID {format_event_id(enduring_session.event_id)}"
        )
    lines.append(f"Publisher portals: {settings.SITE_URL}/p/lhs/ and {settings.SITE_URL}/p/glps/")
    return lines


def _conference(publisher: Publisher, today: datetime.date, year: str) -> Activity:
    """The two-day conference: day one yesterday, day two today, so claiming is open for
    the sessions that have started (created once; found by title after that)."""
    first_day = today - datetime.timedelta(days=1)
    conference, created = _activity(
        publisher,
        CONFERENCE_TITLE,
        description="Two days of cardiology for the whole care team.",
        objectives="Apply the 2026 heart failure guidance\nChoose anticoagulation safely",
        format=Activity.Format.LIVE,
        structure=Activity.Structure.CONFERENCE,
        starts_on=first_day,
        ends_on=today,
        location="Lakeside Main Auditorium",
        status=Activity.Status.PUBLISHED,
        professions=["physician", "nurse", "pharmacist"],
        designations=[
            ("ama-pra-1", "6.50", ""),
            ("ancc", "6.50", ""),
            ("acpe-p", "7.50", f"0123-0000-{year}-020-L01-P"),
        ],
        no_session=True,
    )
    if not created:
        return conference
    acpe = conference.designations.filter(credit_type__code="acpe-p").first()
    for n, (day, starts, ends, topic, hours) in enumerate(CONFERENCE_SESSIONS):
        on = first_day + datetime.timedelta(days=day)
        uans = (
            {acpe.pk: f"0123-0000-{year}-021-L01-P"}
            if acpe is not None and n == CONFERENCE_OWN_UAN_SESSION
            else None
        )
        session_create(
            activity=conference,
            starts_at=local_datetime(publisher_tz=publisher.time_zone, day=on, at=starts),
            ends_at=local_datetime(publisher_tz=publisher.time_zone, day=on, at=ends),
            topic=topic,
            speaker="Lakeside Heart Center",
            credit_hours=Decimal(hours),
            uans=uans,
        )
    return conference
