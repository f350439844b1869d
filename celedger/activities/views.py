import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from celedger.activities import qr
from celedger.activities.event_ids import format_event_id, normalize_event_id
from celedger.activities.forms import (
    ActivityForm,
    DesignationFormSet,
    EventLookupForm,
    SessionForm,
    WeeklySessionsForm,
)
from celedger.activities.fragments import program_fragments
from celedger.activities.models import Activity, Session
from celedger.activities.selectors import (
    EventNotFound,
    acpe_designations,
    activity_detail_for_staff,
    activity_get_for_staff,
    designations_for,
    designations_for_learner,
    portal_listing,
    program_sessions,
    session_get_for_staff,
    session_get_public,
)
from celedger.activities.services import (
    activity_save,
    attendance_check_in,
    claim_window,
    session_create,
    session_delete,
    session_update,
    sessions_add_weekly,
)
from celedger.core.pdf import data_url, render_pdf
from celedger.core.types import AuthedRequest
from celedger.profiles.decorators import profile_required
from celedger.profiles.selectors import profile_for_user
from celedger.publishers.models import Publisher, StaffMembership
from celedger.publishers.selectors import publisher_get_for_staff
from celedger.publishers.views import console_context

Role = StaffMembership.Role


# --- Provider console -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: AuthedRequest, code: str) -> HttpResponse:
    publisher = publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
    activity = Activity(publisher=publisher)
    with timezone.override(publisher.time_zone):
        form = ActivityForm(request.POST or None, instance=activity)
        formset = DesignationFormSet(request.POST or None, instance=activity, prefix="credit")
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            starts, ends = (
                form.cleaned_data.get("session_starts"),
                form.cleaned_data.get("session_ends"),
            )
            activity = form.save(commit=False)
            designations = formset.save(commit=False)
            activity_save(
                activity=activity,
                professions=form.cleaned_data["target_professions"],
                designations=designations,
                first_session_times=(starts, ends) if starts and ends else None,
            )
            messages.success(request, f"“{activity.title}” was created.")
            return redirect("activities:console_detail", publisher.code, activity.pk)
        context = {"form": form, "formset": formset, **console_context(publisher)}
        return render(request, "activities/console_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    publisher = activity.publisher
    with timezone.override(publisher.time_zone):
        form = ActivityForm(request.POST or None, instance=activity)
        formset = DesignationFormSet(request.POST or None, instance=activity, prefix="credit")
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            activity = form.save(commit=False)
            designations = formset.save(commit=False)
            try:
                activity_save(
                    activity=activity,
                    professions=form.cleaned_data["target_professions"],
                    designations=designations,
                    removed_designations=formset.deleted_objects,
                )
            except ValidationError as error:
                # A publish check refused (e.g. a disclosure is missing): shown on "status".
                form.add_error(None, error)
            else:
                messages.success(request, "Your changes were saved.")
                return redirect("activities:console_detail", publisher.code, activity.pk)
        context = {
            "form": form,
            "formset": formset,
            "activity": activity,
            **console_context(publisher),
        }
        return render(request, "activities/console_form.html", context)


@login_required
@require_GET
def activity_detail(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk, min_role=Role.VIEWER)
    publisher = activity.publisher
    detail = activity_detail_for_staff(activity=activity)
    for session in detail["sessions"]:
        session.link = qr.session_link(session=session)  # type: ignore[attr-defined]
        session.display_id = format_event_id(session.event_id)  # type: ignore[attr-defined]
        session.claim_opens_at, session.claim_closes_at = claim_window(session=session)  # type: ignore[attr-defined]
    conference = (
        {
            "display_id": format_event_id(activity.event_id),
            "link": qr.event_link(event_id=activity.event_id),
        }
        if activity.event_id
        else None
    )
    with timezone.override(publisher.time_zone):
        return render(
            request,
            "activities/console_detail.html",
            {
                "activity": activity,
                "conference": conference,
                **detail,
                **console_context(publisher),
            },
        )


@login_required
@require_http_methods(["GET", "POST"])
def session_add(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    publisher = activity.publisher
    form = SessionForm(
        request.POST or None,
        initial={"date": activity.ends_on},
        activity=activity,
        acpe=acpe_designations(activity=activity),
    )
    if request.method == "POST" and form.is_valid():
        session = session_create(
            activity=activity,
            uans=form.session_uans(),
            **form.session_fields(publisher_tz=publisher.time_zone),
        )
        messages.success(request, f"Session added: Event ID {format_event_id(session.event_id)}.")
        return redirect("activities:console_detail", publisher.code, activity.pk)
    return render(
        request,
        "activities/session_form.html",
        {"form": form, "activity": activity, **console_context(publisher)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: AuthedRequest, code: str, pk: int, session_pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    publisher = activity.publisher
    session = session_get_for_staff(activity=activity, pk=session_pk)
    tz = publisher.zone
    local_start, local_end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
    form = SessionForm(
        request.POST or None,
        instance=session,
        initial={
            "date": local_start.date(),
            "starts": local_start.time(),
            "ends": local_end.time(),
        },
        activity=activity,
        acpe=acpe_designations(activity=activity),
    )
    if request.method == "POST" and form.is_valid():
        session_update(
            session=session,
            uans=form.session_uans(),
            **form.session_fields(publisher_tz=publisher.time_zone),
        )
        messages.success(request, "The session was saved.")
        return redirect("activities:console_detail", publisher.code, activity.pk)
    return render(
        request,
        "activities/session_form.html",
        {"form": form, "activity": activity, "session": session, **console_context(publisher)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def sessions_weekly(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    publisher = activity.publisher
    first_on = max(activity.starts_on, timezone.localdate(timezone=publisher.zone))
    form = WeeklySessionsForm(
        request.POST or None,
        initial={
            "first_on": first_on,
            "weekday": first_on.weekday(),
            "count": 4,
            "starts": datetime.time(12, 0),
            "ends": datetime.time(13, 0),
        },
    )
    if request.method == "POST" and form.is_valid():
        created = sessions_add_weekly(activity=activity, **form.cleaned_data)
        messages.success(
            request, f"{len(created)} weekly sessions added, each with its own Event ID."
        )
        return redirect("activities:console_detail", publisher.code, activity.pk)
    return render(
        request,
        "activities/sessions_weekly.html",
        {"form": form, "activity": activity, **console_context(publisher)},
    )


@login_required
@require_POST
def session_delete_view(
    request: AuthedRequest, code: str, pk: int, session_pk: int
) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    session = session_get_for_staff(activity=activity, pk=session_pk)
    try:
        session_delete(session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Session {format_event_id(session.event_id)} was deleted.")
    return redirect("activities:console_detail", activity.publisher.code, activity.pk)


def _session_for_download(request: HttpRequest, code: str, pk: int, session_pk: int) -> Session:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk, min_role=Role.VIEWER)
    return session_get_for_staff(activity=activity, pk=session_pk)


@login_required
@require_GET
def session_qr(
    request: HttpRequest, code: str, pk: int, session_pk: int, kind: str
) -> HttpResponse:
    session = _session_for_download(request, code, pk, session_pk)
    if kind == "svg":
        response = HttpResponse(qr.qr_svg(session=session), content_type="image/svg+xml")
    else:
        response = HttpResponse(qr.qr_png(session=session), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="event-{session.event_id}.{kind}"'
    return response


@login_required
@require_GET
def conference_qr(request: AuthedRequest, code: str, pk: int, kind: str) -> HttpResponse:
    """The QR code of a conference's own Event ID (one for all its sessions)."""
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk, min_role=Role.VIEWER)
    if not activity.event_id:
        raise Http404
    if kind == "svg":
        response = HttpResponse(
            qr.qr_svg(event_id=activity.event_id), content_type="image/svg+xml"
        )
    else:
        response = HttpResponse(qr.qr_png(event_id=activity.event_id), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="event-{activity.event_id}.{kind}"'
    return response


@login_required
@require_GET
def session_poster(request: AuthedRequest, code: str, pk: int, session_pk: int) -> HttpResponse:
    session = _session_for_download(request, code, pk, session_pk)
    activity = session.activity
    with timezone.override(activity.publisher.time_zone):
        pdf = render_pdf(
            "activities/poster.html",
            {
                "activity": activity,
                "session": session,
                "publisher": activity.publisher,
                "display_id": format_event_id(session.event_id),
                "link": qr.session_link(session=session),
                "site_url": qr.session_link(session=session).split("/e/")[0],
                "qr_url": data_url(qr.qr_svg(session=session, scale=10), "image/svg+xml"),
            },
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="poster-{session.event_id}.pdf"'
    return response


# --- The learner's way in ---------------------------------------------------------


def _not_found(request: HttpRequest, event_id: str, reason: str) -> HttpResponse:
    # A normal page with the site layout and a fresh box to try again, never a bare 404.
    return render(
        request,
        "activities/event_not_found.html",
        {"event_id": event_id, "reason": reason},
        status=404 if reason == "unknown" else 200,
    )


@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    form = EventLookupForm(request.GET)
    if not form.is_valid() or not form.cleaned_data["event_id"]:
        return _not_found(request, "", "empty")
    return redirect("activities:program", form.cleaned_data["event_id"])


@require_GET
def program(request: HttpRequest, event_id: str) -> HttpResponse:
    """The program page an Event ID, link or QR code opens. Reading it writes nothing:
    checking in is the "I'm here" button (or the claim itself)."""
    normalized = normalize_event_id(event_id)
    if normalized and normalized != event_id:
        return redirect("activities:program", normalized)
    # The user first: reading the session brings the reference stamp in the same round
    # trip (core/sessions.py), so the cached reads below cost none of their own.
    signed_in = request.user.is_authenticated
    try:
        session = session_get_public(event_id=normalized)
    except EventNotFound as missing:
        return _not_found(request, format_event_id(missing.event_id), missing.reason)
    activity = session.activity
    publisher = activity.publisher
    designations = designations_for(activity=activity)
    profile = profile_for_user(user=request.user) if signed_in else None
    offered = (
        designations
        if profile is None
        else designations_for_learner(designations=designations, profile=profile)
    )
    now = timezone.now()
    visits = program_sessions(
        activity=activity,
        session=session,
        learner=request.user if profile is not None else None,
        now=now,
    )
    opens_at, closes_at = claim_window(session=session)
    here = request.get_full_path()
    display_id = format_event_id(normalized)
    start_url = reverse("activities:program_start", args=[normalized])
    context = {
        "session": session,
        "activity": activity,
        "publisher": publisher,
        "display_id": display_id,
        "designations": designations,
        "offered": offered,
        "profile": profile,
        "visits": visits,
        "checked_in": any(v.checked_in for v in visits),
        "claim_opens_at": opens_at,
        "claim_closes_at": closes_at,
        "claim_is_open": opens_at <= now <= closes_at and session.starts_at <= now,
        "claim_not_yet": now < opens_at or now < session.starts_at,
        "claim_event_id": normalized,
        "login_url": f"{reverse('account_login')}?{urlencode({'next': start_url})}",
        "signup_url": f"{reverse('account_signup')}?{urlencode({'next': start_url})}",
        "start_url": start_url,
        "here": here,
    }
    conference = activity.is_conference and profile is not None
    with timezone.override(publisher.time_zone):
        fragments = program_fragments(
            activity=activity,
            session=session,
            display_id=display_id,
            offered=offered,
            sessions=[v.session for v in visits] if conference else None,
            session_credit=offered or designations,
        )
        context["fragments"] = fragments
        context["visit_rows"] = [(v, fragments.session_labels.get(v.session.pk)) for v in visits]
        return render(request, "activities/program.html", context)


@profile_required
@require_GET
def program_start(request: AuthedRequest, event_id: str) -> HttpResponse:
    """Where sign-in and the profile send the learner back: the program page."""
    try:
        session_get_public(event_id=event_id)
    except EventNotFound as missing:
        return _not_found(request, format_event_id(missing.event_id), missing.reason)
    return redirect("activities:program", normalize_event_id(event_id))


@profile_required
@require_POST
def check_in(request: AuthedRequest, event_id: str) -> HttpResponse:
    """The "I'm here" button: check in to one session while it runs."""
    try:
        session = session_get_public(event_id=event_id, session_only=True)
    except EventNotFound as missing:
        return _not_found(request, format_event_id(missing.event_id), missing.reason)
    try:
        attendance_check_in(learner=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "You are checked in.")
    back = request.POST.get("back", "")
    if back and normalize_event_id(back) == back:
        return redirect("activities:program", back)
    return redirect("activities:program", session.event_id)


@require_GET
def portal(request: HttpRequest, code: str) -> HttpResponse:
    publisher = get_object_or_404(Publisher, code=code)
    listing = portal_listing(publisher=publisher)
    with timezone.override(publisher.time_zone):
        return render(
            request, "activities/portal.html", {"publisher": publisher, "listing": listing}
        )
