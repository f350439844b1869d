"""Links and QR codes for sessions: what is printed in the room must decode to the link."""

import io

import segno
from django.conf import settings
from django.urls import reverse

from celedger.activities.models import Session


def event_link(*, event_id: str) -> str:
    """The absolute `/e/<EVENT-ID>/` link, as printed and encoded in the QR code."""
    return settings.SITE_URL + reverse("activities:program", args=[event_id])


def session_link(*, session: Session) -> str:
    return event_link(event_id=session.event_id)


def _qr(event_id: str) -> segno.QRCode:
    # Level M survives a crease or a smudge on a printed poster.
    return segno.make(event_link(event_id=event_id), error="m", micro=False)


def qr_svg(*, session: Session | None = None, event_id: str = "", scale: int = 8) -> bytes:
    """The QR code of a session's link, or of any Event ID's (a conference's own)."""
    buffer = io.BytesIO()
    _qr(session.event_id if session else event_id).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=True
    )
    return buffer.getvalue()


def qr_png(*, session: Session | None = None, event_id: str = "", scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(session.event_id if session else event_id).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
