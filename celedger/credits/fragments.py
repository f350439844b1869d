"""The claim page's pieces that are no learner's own, rendered once per activity and
cached (the mechanism and its retirement: activities/fragments.py)."""

from dataclasses import dataclass

from django.utils.safestring import SafeString

from celedger.activities.fragments import (
    Fragment,
    activity_fragments,
    labels_for,
    piece_html,
    session_labels_fragment,
)
from celedger.credits.selectors import ClaimPageState


@dataclass(frozen=True)
class ClaimFragments:
    head: SafeString
    foot: SafeString
    session_labels: dict[int, SafeString]


def claim_fragments(*, state: ClaimPageState) -> ClaimFragments:
    """The heading (Event ID, publisher, title, the session or the conference rule), the
    link back to the program, and a conference's session labels with what each offers of
    the learner's eligible credit (else of all designated)."""
    session, activity = state.session, state.activity
    zone = activity.publisher.zone
    context = {
        "session": session,
        "activity": activity,
        "publisher": activity.publisher,
        "zone": zone,
    }
    pieces = [
        Fragment(
            "claim_head",
            (session.pk, str(zone)),
            lambda: piece_html("credits/_claim_head.html", context),
        ),
        Fragment(
            "claim_foot", (session.pk,), lambda: piece_html("credits/_claim_foot.html", context)
        ),
    ]
    sessions = [item.session for item in state.sessions]
    credit = (state.eligibility.eligible if state.eligibility else None) or state.designations
    if state.is_conference:
        pieces.append(session_labels_fragment(sessions=sessions, designations=credit, zone=zone))
    got = activity_fragments(activity_id=activity.pk, fragments=pieces)
    labels: dict[int, SafeString] = {}
    if state.is_conference:
        labels = labels_for(got["session_labels"], sessions, credit, zone)
    return ClaimFragments(head=got["claim_head"], foot=got["claim_foot"], session_labels=labels)
