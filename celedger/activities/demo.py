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
from celedger.activities.services import activity_save, sessions_add_weekly
from celedger.publishers import demo as publishers_demo
from celedger.publishers.models import Publisher

LIVE_TITLE = "Sepsis 2026: Recognition and the First Hour"
SERIES_TITLE = "Internal Medicine Grand Rounds"
ENDURING_TITLE = "Opioid Stewardship for the Care Team (online course)"
GLPS_TITLE = "Anticoagulation Update for Pharmacists"


def _credit_type(code: str) -> CreditType | None:
    return CreditType.objects.filter(code=code).first()


def _designations(rows: list[tuple[str, str, str]]) -> list[CreditDesignation]:
    found = []
    for code, hours, uan in rows:
        credit_type = _credit_type(code)
        if credit_type is not None:
            found.append(
                CreditDesignation(credit_type=credit_type, max_hours=Decimal(hours), uan=uan)
            )
    return found


def _activity(publisher: Publisher, title: str, **fields: Any) -> tuple[Activity, bool]:
    existing = Activity.objects.filter(publisher=publisher, title=title).first()
    if existing is not None:
        return existing, False
    designations = fields.pop("designations")
    professions = fields.pop("professions")
    times = fields.pop("times", None)
    activity = Activity(publisher=publisher, title=title, **fields)
    activity_save(
        activity=activity,
        professions=Profession.objects.filter(code__in=professions),
        designations=_designations(designations),
        first_session_times=times,
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
    lines.append(f"Publisher portals: {settings.SITE_URL}/p/lhs/ and {settings.SITE_URL}/p/glps/")
    return lines
