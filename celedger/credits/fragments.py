"""The claim page's pieces that are no learner's own, rendered once per activity and
cached (the mechanism and its retirement: activities/fragments.py)."""

from dataclasses import dataclass

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from celedger.activities.fragments import (
    Fragment,
    activity_fragments,
    labels_for,
    piece_html,
    session_labels_fragment,
)
from celedger.core.cache import cached_content, content_key
from celedger.credits.forms import (
    ClaimForm,
    TranscriptFilterForm,
    claim_form_spec,
)
from celedger.credits.selectors import ClaimPageState, TranscriptChoices

FIELDS_TEMPLATE = "credits/_claim_fields.html"
FILTERS_TEMPLATE = "credits/_transcript_filters.html"


def _render_form(template: str, form: forms.Form) -> str:
    # The page's markup as when the fields were written in it (no file's final newline).
    return render_to_string(template, {"form": form}).removesuffix("\n")


def _render_fields(form: ClaimForm) -> str:
    return _render_form(FIELDS_TEMPLATE, form)


@dataclass(frozen=True)
class ClaimFragments:
    head: SafeString
    foot: SafeString
    closes: SafeString  # when the claim period ends, in the activity's time zone
    session_labels: dict[int, SafeString]


def claim_fragments(*, state: ClaimPageState) -> ClaimFragments:
    """The heading (Event ID, publisher, title, the session or the conference rule), the
    link back to the program, when the claim period ends, and a conference's session
    labels with what each offers of the learner's eligible credit (else of all
    designated)."""
    session, activity = state.session, state.activity
    zone = activity.publisher.zone
    context = {
        "session": session,
        "activity": activity,
        "publisher": activity.publisher,
        "zone": zone,
        "closes_at": state.closes_at,
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
        Fragment(
            "claim_closes",
            (str(zone), state.closes_at.isoformat()),
            lambda: piece_html("credits/_claim_closes.html", context),
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
    return ClaimFragments(
        head=got["claim_head"],
        foot=got["claim_foot"],
        closes=got["claim_closes"],
        session_labels=labels,
    )


def claim_fields_html(*, state: ClaimPageState, form: ClaimForm | None) -> SafeString:
    """The claim form's fields. A bound form's (the learner's values, its errors) rendered;
    an unbound one's kept as HTML by what it shows (`claim_form_spec`: the sessions with
    their labels and ticks, each amount's label, help and suggestion), which is all its
    markup depends on, so any copy under the key is right: this process's own first, then
    the shared cache, and the form itself built only when neither has it. The CSRF token
    and the form's errors are outside these fields."""
    if form is not None:
        return mark_safe(_render_fields(form))
    spec = claim_form_spec(state)
    return mark_safe(
        cached_content(
            content_key("claim-fields", spec),
            lambda: _render_fields(ClaimForm(state=state, spec=spec)),
        )
    )


def transcript_filters_html(
    *, choices: TranscriptChoices, form: TranscriptFilterForm | None
) -> SafeString:
    """The transcript's filter fields. A bound form's (the learner's filters, their errors)
    rendered; with no filter asked for, kept as HTML by the choices it offers (the credit
    types and providers of the learner's claims), which is all the markup depends on: a
    learner's transcript page then builds no form."""
    if form is not None:
        return mark_safe(_render_form(FILTERS_TEMPLATE, form))
    key = content_key("transcript-filters", (choices.credit_types, choices.publishers))
    return mark_safe(
        cached_content(
            key,
            lambda: _render_form(
                FILTERS_TEMPLATE,
                TranscriptFilterForm(
                    credit_types=choices.credit_types, publishers=choices.publishers
                ),
            ),
        )
    )
