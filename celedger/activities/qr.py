"""Links and QR codes for sessions: what is printed in the room must decode to the link."""

import io

import segno
from django.conf import settings
from django.urls import reverse

from celedger.activities.models import Session


def session_link(*, session: Session) -> str:
    """The absolute `/e/<EVENT-ID>/` link, as printed and encoded in the QR code."""
    return settings.SITE_URL + reverse("activities:program", args=[session.event_id])


def _qr(session: Session) -> segno.QRCode:
    # Level M survives a crease or a smudge on a printed poster.
    return segno.make(session_link(session=session), error="m", micro=False)


def qr_svg(*, session: Session, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    _qr(session).save(buffer, kind="svg", scale=scale, border=4, xmldecl=True)
    return buffer.getvalue()


def qr_png(*, session: Session, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    _qr(session).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
