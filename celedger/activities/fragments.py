"""Rendered pieces of the learner pages that are the same for every learner of an activity
(its title and dates, credit offered, disclosure, description, statements, session labels),
cached as HTML between requests (issue 10).

Each piece is rendered without the request (no user, no CSRF token, no messages), so
nothing personal can be in it. Its key holds the instance's reference generation (credit
types, professions: `core/cache.py`), the active language and time zone, and what else it
depends on (the session, the credit types it lists, the day); it is kept with the
activity's fragment version. The version is dropped by the receivers that see a change to
what the pieces show (`activities/signals.py`, `integrity/apps.py`): now, and again on
commit, so the next page view renders anew, and a piece rendered from the old rows
meanwhile is kept with a version that is no longer current.
"""

import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.core.cache import (
    cached_found_drop,
    keep_here,
    kept_here,
    kept_seconds,
    reference_generation,
)


def fragments_version_key(activity_id: int) -> str:
    return f"activity-fragments:{activity_id}"


def _new_version(key: str) -> str:
    """A fresh version after a drop; `add`, so requests missing together agree on one."""
    cache.add(key, uuid.uuid4().hex, kept_seconds())
    version = cache.get(key)
    # Dropped again in between: pieces built now are kept under a version nobody reads.
    return str(version) if version is not None else uuid.uuid4().hex


def fragments_retire(activity_ids: Sequence[int]) -> None:
    """What these activities' pieces show changed: each renders anew on its next view."""
    cached_found_drop([fragments_version_key(pk) for pk in activity_ids])


@dataclass(frozen=True)
class Fragment:
    """One piece: its name, what else it depends on, and how to render it."""

    name: str
    vary: tuple[Any, ...]
    build: Callable[[], Any]


def activity_fragments(*, activity_id: int, fragments: Sequence[Fragment]) -> dict[str, Any]:
    """Each piece from the cache, or built (and kept) when missing: one cache read for the
    activity's version and every piece at once, and a write for what was built.

    Each piece is kept with the version it was built under and used only while that is the
    current one, so one drop of the version retires them all; a piece built from rows read
    before a change is left with a version that no longer is.
    """
    prefix = ":".join(
        [
            "fragment",
            reference_generation(),
            str(activity_id),
            translation.get_language() or "",
            timezone.get_current_timezone_name(),
        ]
    )
    version_key = fragments_version_key(activity_id)
    keys = {
        piece.name: f"{prefix}:{piece.name}:"
        + hashlib.md5(repr(piece.vary).encode(), usedforsecurity=False).hexdigest()
        for piece in fragments
    }
    # Every drop of the version moves the stamp (`fragments_retire`): this process's own
    # copies, kept under the stamp, serve a warm page with no round trip at all.
    here = kept_here(keys.values())
    if len(here) == len(keys):
        return {piece.name: here[keys[piece.name]] for piece in fragments}
    hits = cache.get_many([version_key, *keys.values()])
    version = hits.get(version_key) or _new_version(version_key)
    out: dict[str, Any] = {}
    built: dict[str, Any] = {}
    for piece in fragments:
        key = keys[piece.name]
        hit = hits.get(key)
        if hit is not None and hit[0] == version:
            out[piece.name] = hit[1]
        else:
            out[piece.name] = piece.build()
            built[key] = (version, out[piece.name])
    if built:
        cache.set_many(built, kept_seconds())
    keep_here({keys[name]: html for name, html in out.items()})
    return out


def piece_html(template: str, context: dict[str, Any]) -> SafeString:
    """A piece rendered with no request: context processors (user, CSRF token, messages)
    do not run, so nothing of the learner can reach it."""
    return mark_safe(render_to_string(template, context))


def session_labels(
    *, sessions: Sequence[Session], designations: Sequence[CreditDesignation], zone: Any
) -> dict[int, SafeString]:
    """Each session's line on a conference's lists: its local start, topic and what it
    offers of `designations` ("Mon Mar 2, 8:00 AM · Keynote · 1 AMA PRA Category 1
    Credit™")."""
    labels = {}
    for session in sessions:
        start = dateformat.format(timezone.localtime(session.starts_at, zone), "D M j, g:i A")
        phrase = session.credit_phrase(designations) if session.credit_hours else ""
        labels[session.pk] = format_html(
            "{} · {}{}{}",
            start,
            session.topic or session.event_id,
            " · " if phrase else "",
            phrase,
        )
    return labels


def session_labels_fragment(
    *, sessions: Sequence[Session], designations: Sequence[CreditDesignation], zone: Any
) -> Fragment:
    return Fragment(
        "session_labels",
        (tuple(d.pk for d in designations), str(zone)),
        lambda: session_labels(sessions=sessions, designations=designations, zone=zone),
    )


def labels_for(
    labels: dict[int, SafeString],
    sessions: Sequence[Session],
    designations: Sequence[CreditDesignation],
    zone: Any,
) -> dict[int, SafeString]:
    """The cached labels, unless a session is missing from them (one added in the moment
    between reading the sessions and the cache): then the labels of these sessions."""
    if all(s.pk in labels for s in sessions):
        return labels
    return session_labels(sessions=sessions, designations=designations, zone=zone)


@dataclass(frozen=True)
class ProgramFragments:
    head: SafeString
    credit: SafeString
    about: SafeString
    session_labels: dict[int, SafeString]


def program_fragments(
    *,
    activity: Activity,
    session: Session,
    display_id: str,
    offered: Sequence[CreditDesignation],
    sessions: Sequence[Session] | None = None,
    session_credit: Sequence[CreditDesignation] = (),
) -> ProgramFragments:
    """The program page's pieces that are no learner's own: the heading with the session's
    times, the credit offered (`offered`, the learner's or all), the disclosure,
    description, accreditation statement and contact; and, given a conference's
    `sessions`, their labels with what each offers of `session_credit`. Rendered in the
    current time zone (the view's: the publisher's)."""
    publisher = activity.publisher
    context = {"activity": activity, "session": session, "publisher": publisher}
    pieces = [
        Fragment(
            "head",
            (session.pk, display_id),
            lambda: piece_html(
                "activities/_program_head.html", {**context, "display_id": display_id}
            ),
        ),
        Fragment(
            "credit",
            (session.pk, tuple(d.pk for d in offered)),
            lambda: piece_html("activities/_program_credit.html", {**context, "offered": offered}),
        ),
        Fragment(
            # Whether a disclosure is current depends on the day.
            "about",
            (session.pk, timezone.localdate().isoformat()),
            lambda: piece_html(
                "activities/_program_about.html",
                {
                    **context,
                    "objectives": [
                        line for line in activity.objectives.splitlines() if line.strip()
                    ],
                },
            ),
        ),
    ]
    zone = publisher.zone
    if sessions is not None:
        pieces.append(
            session_labels_fragment(sessions=sessions, designations=session_credit, zone=zone)
        )
    got = activity_fragments(activity_id=activity.pk, fragments=pieces)
    labels: dict[int, SafeString] = {}
    if sessions is not None:
        labels = labels_for(got["session_labels"], sessions, session_credit, zone)
    return ProgramFragments(
        head=got["head"], credit=got["credit"], about=got["about"], session_labels=labels
    )
