from typing import Any
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from celedger.activities.selectors import activity_get_for_staff
from celedger.core.files import private_file_response
from celedger.core.pdf import render_pdf
from celedger.core.types import AuthedRequest
from celedger.core.urls import url_for_ids
from celedger.credits import exports
from celedger.credits.forms import (
    AwardForm,
    ClaimForm,
    CorrectForm,
    RevokeForm,
    RosterFilterForm,
    TranscriptFilterForm,
)
from celedger.credits.fragments import (
    claim_fields_html,
    claim_fragments,
    transcript_filters_html,
)
from celedger.credits.models import TranscriptPdf
from celedger.credits.selectors import (
    TranscriptFilters,
    claim_flags,
    claim_get_for_staff,
    claim_history,
    claim_page_state,
    external_credits_for,
    roster_for,
    roster_learners,
    roster_rows,
    roster_sessions,
    roster_totals,
    session_get_for_claim,
    transcript_choices,
    transcript_for,
    transcript_pdf_context,
    transcript_pdf_get,
    transcript_rows,
    transcript_totals,
)
from celedger.credits.services import (
    NOT_A_PARTICIPANT,
    TRANSCRIPT_PDF_IN_REQUEST,
    claim_award,
    claim_correct,
    claim_revoke,
    claim_submit,
    transcript_pdf_request,
)
from celedger.profiles.decorators import profile_required
from celedger.profiles.selectors import profile_for_user
from celedger.publishers.selectors import Role, publisher_get_for_staff, role_allows


def _url_or_none(name: str, *args: Any) -> str | None:
    # Other apps' pages may not exist yet on a given install; never crash on a link.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _add_service_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for key, errors in error.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
@profile_required
def claim(request: AuthedRequest, event_id: str) -> HttpResponse:
    """Claim credit for a session, or once for a whole conference.

    Queries (GET, beyond the session and user): the profile check with its credentials'
    ids (1), the session by Event ID (cached), the page state (2, see `claim_page_state`);
    a POST adds the writes.
    """
    session = session_get_for_claim(event_id=event_id)
    state = claim_page_state(learner=request.user, session=session)
    # A conference lists each session's evaluation on the page instead.
    if not state.is_conference and state.started and not state.evaluation_done:
        return redirect("evaluations:evaluate", state.session.event_id)
    # A GET needs only the fields' markup (cached by what they show), not the form.
    form = ClaimForm(request.POST, state=state) if request.method == "POST" else None
    if form is not None and form.is_valid():
        try:
            result = claim_submit(
                learner=request.user,
                session=state.session,
                hours_by_designation=form.hours_by_designation(),
                attested=form.cleaned_data["attested"],
                session_ids=form.session_ids(),
                state=state,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            if result.created:
                messages.success(request, "Credit claimed. Your certificate is ready below.")
            else:
                messages.info(request, "You have already claimed this credit.")
            return redirect("credits:claim", event_id)
    fragments = claim_fragments(state=state)
    return render(
        request,
        "credits/claim.html",
        {
            "state": state,
            "fragments": fragments,
            "session_rows": [
                (s, fragments.session_labels.get(s.session.pk)) for s in state.sessions
            ],
            "form": form,
            "fields_html": claim_fields_html(state=state, form=form),
            "session": state.session,
            "activity": state.activity,
            "publisher": state.activity.publisher,
            "zone": state.activity.publisher.zone,
            # After the layout's profile link (`layout.profile`), back to this page.
            "fix_query": urlencode({"next": request.path}),
        },
    )


@require_POST
@login_required
def resend_verification(request: AuthedRequest) -> HttpResponse:
    """Send the email confirmation again, then return to the page that asked."""
    address = (
        EmailAddress.objects.filter(user=request.user, verified=False).order_by("-primary").first()
    )
    # Same budget as allauth's own resend ("confirm_email"): the earlier link still works.
    if address is not None and ratelimit.consume(
        request, action="confirm_email", key=address.email.lower()
    ):
        address.send_confirmation(request)
    messages.info(request, "We sent a confirmation link to your email address.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("credits:transcript")
    return redirect(target)


def _transcript_context(request: AuthedRequest) -> dict[str, Any]:
    """The filters (their choices from the learner's claims) and what they select.

    Queries: the filters' choices (1), the profile for the license reminder (1), and
    `transcript_for`'s (3); the PDF and CSV take every row instead of one page.
    """
    choices = transcript_choices(learner=request.user)
    query = request.GET.copy()
    query.pop("page", None)
    # Only filters asked for build the form (their values, their errors).
    form = (
        TranscriptFilterForm(
            request.GET, credit_types=choices.credit_types, publishers=choices.publishers
        )
        if query
        else None
    )
    filters = form.filters() if form is not None else TranscriptFilters()
    period = (filters.date_from, filters.date_to) if filters.date_from or filters.date_to else None
    return {
        "filters": filters,
        "period": period,
        "form": form,
        "choices": choices,
        "profile": profile_for_user(user=request.user),
        "query": query.urlencode(),
    }


@require_http_methods(["GET"])
@login_required
def transcript(request: AuthedRequest) -> HttpResponse:
    context = _transcript_context(request)
    data, page = transcript_for(
        learner=request.user, filters=context["filters"], page=request.GET.get("page")
    )
    activity_url = url_for_ids("certificates:mine")
    session_url = url_for_ids("certificates:mine_session", count=2)
    rows = [
        (
            row,
            session_url(row.activity_id, row.session_id)
            if row.is_series
            else activity_url(row.activity_id),
        )
        for row in data.rows
    ]
    filters_html = transcript_filters_html(choices=context["choices"], form=context["form"])
    context.update(transcript=data, page_obj=page, rows=rows, filters_html=filters_html)
    return render(request, "credits/transcript.html", context)


@require_http_methods(["GET"])
@login_required
def transcript_csv(request: AuthedRequest) -> HttpResponse:
    filters = _transcript_context(request)["filters"]
    response = HttpResponse(
        exports.transcript_csv(
            transcript_rows(learner=request.user, filters=filters).iterator(),
            external_credits_for(learner=request.user, filters=filters),
        ),
        content_type="text/csv",
    )
    response["Content-Disposition"] = 'attachment; filename="transcript.csv"'
    return response


@require_http_methods(["GET"])
@login_required
def transcript_pdf(request: AuthedRequest) -> HttpResponse:
    """The PDF itself when it is short; else a page that offers to build it in the
    background (a GET never queues work)."""
    context = _transcript_context(request)
    filters = context["filters"]
    _, count = transcript_totals(learner=request.user, filters=filters)
    if count > TRANSCRIPT_PDF_IN_REQUEST:
        context["count"] = count
        return render(request, "credits/transcript_pdf_build.html", context)
    pdf_context = transcript_pdf_context(learner=request.user, filters=filters)
    pdf = render_pdf("credits/transcript_pdf.html", pdf_context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="transcript.pdf"'
    return response


@require_POST
@login_required
def transcript_pdf_start(request: AuthedRequest) -> HttpResponse:
    job = transcript_pdf_request(
        learner=request.user, filters=_transcript_context(request)["filters"]
    )
    return redirect("credits:transcript_pdf_status", job.pk)


@require_http_methods(["GET"])
@login_required
def transcript_pdf_status(request: AuthedRequest, pk: int) -> HttpResponse:
    """The background PDF's stage (htmx polls the fragment until it is ready)."""
    job = transcript_pdf_get(learner=request.user, pk=pk)
    template = "credits/transcript_pdf_status.html"
    if request.htmx:
        template += "#pdf-status"
    return render(request, template, {"job": job})


@require_http_methods(["GET"])
@login_required
def transcript_pdf_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    job = transcript_pdf_get(learner=request.user, pk=pk)
    if job.stage != TranscriptPdf.Stage.DONE:
        raise Http404
    return private_file_response(
        job.file,
        filename=f"transcript-{job.created_at:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )


# Provider console -----------------------------------------------------------------


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


ROSTER_PAGE_SIZE = 100


def _roster_context(
    request: AuthedRequest,
    publisher: Any,
    activity: Any,
    form: RosterFilterForm,
    *,
    totals: bool = True,
) -> dict[str, Any]:
    """One page of learners for the filters, and (for a whole page) totals of all pages.

    Queries: paginator count (1), the page's learners (1), their attendances, responses
    and claims (3); totals (2). Sessions are read by the caller for the form.
    """
    form.is_valid()
    filters = form.filters()
    sessions = form.sessions
    learners = roster_learners(activity=activity, sessions=sessions, filters=filters)
    page = Paginator(learners, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = roster_rows(
        activity=activity,
        sessions=sessions,
        learners=list(page.object_list),
        session_id=filters.session_id,
        status=filters.status,
    )
    export_query = f"?{urlencode({'session': filters.session_id})}" if filters.session_id else ""
    return {
        "publisher": publisher,
        "activity": activity,
        "form": form,
        "filters": filters,
        "filtered": bool(filters.q or filters.status),
        "page_obj": page,
        "rows": rows,
        "totals": roster_totals(
            activity=activity, sessions=sessions, session_id=filters.session_id
        )
        if totals
        else None,
        "export_query": export_query,
        "activity_url": _url_or_none("activities:console_detail", publisher.code, activity.pk),
    }


def _roster_form(request: AuthedRequest, publisher: Any, activity: Any) -> RosterFilterForm:
    url = reverse("credits:roster", args=[publisher.code, activity.pk])
    # Progressive enhancement: without JavaScript the form's Show button does the same.
    htmx_attrs = {
        "hx-get": url,
        "hx-trigger": "input changed delay:300ms, search",
        "hx-target": "#roster-results",
        "hx-include": "closest form",
        "hx-push-url": "true",
    }
    return RosterFilterForm(
        request.GET, sessions=roster_sessions(activity=activity), htmx_attrs=htmx_attrs
    )


@require_http_methods(["GET"])
@login_required
def roster(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk)
    publisher = activity.publisher
    form = _roster_form(request, publisher, activity)
    # A history restore (cache miss after Back) wants the whole page, not the fragment.
    partial = bool(request.htmx) and not (
        request.htmx.boosted or request.htmx.history_restore_request
    )
    context = _roster_context(request, publisher, activity, form, totals=not partial)
    can_edit = role_allows(role=publisher.membership.role, min_role=Role.COORDINATOR)  # type: ignore[attr-defined]
    context["can_edit"] = can_edit
    context["award_form"] = AwardForm(activity=activity) if can_edit else None
    template = "credits/roster.html#roster-htmx" if partial else "credits/roster.html"
    response = render(request, template, context)
    # The same URL answers with a page or a fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET"])
@login_required
def roster_export(request: AuthedRequest, code: str, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    activity = activity_get_for_staff(user=request.user, code=code, pk=pk)
    publisher = activity.publisher
    data = roster_for(activity=activity, session_id=_int_or_none(request.GET.get("session")))
    name = f"roster-{publisher.code}-{activity.pk}"
    if fmt == "xlsx":
        response = HttpResponse(
            exports.roster_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = HttpResponse(exports.roster_csv(data), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_http_methods(["POST"])
@login_required
def roster_award(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    activity = activity_get_for_staff(
        user=request.user, code=code, pk=pk, min_role=Role.COORDINATOR
    )
    publisher = activity.publisher
    form = AwardForm(request.POST, activity=activity)
    if form.is_valid():
        learner = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if learner is None:
            # The same words as for an account that never took part: the form must not
            # tell staff whether an email has an account elsewhere on the instance.
            form.add_error("email", NOT_A_PARTICIPANT)
        else:
            try:
                claim_award(
                    actor=request.user,
                    learner=learner,
                    session=form.cleaned_data["session"],
                    designation=form.cleaned_data["designation"],
                    hours=form.cleaned_data["hours"],
                    reason=form.cleaned_data["reason"],
                    override=form.cleaned_data["override"],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, f"Credit awarded to {learner.email}.")
                return redirect("credits:roster", publisher.code, activity.pk)
    context = _roster_context(
        request,
        publisher,
        activity,
        _roster_form(request, publisher, activity),
    )
    context.update(can_edit=True, award_form=form)
    return render(request, "credits/roster.html", context, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def claim_manage(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    """One claim for staff: its history, and (coordinators) correct or revoke it."""
    publisher = publisher_get_for_staff(user=request.user, code=code)
    claim_obj = claim_get_for_staff(publisher=publisher, pk=pk)
    can_edit = role_allows(role=publisher.membership.role, min_role=Role.COORDINATOR)  # type: ignore[attr-defined]
    correct_form = CorrectForm(prefix="correct", initial={"hours": claim_obj.hours})
    revoke_form = RevokeForm(prefix="revoke")
    status = 200
    if request.method == "POST":
        publisher_get_for_staff(user=request.user, code=code, min_role=Role.COORDINATOR)
        action = request.POST.get("action")
        form: CorrectForm | RevokeForm
        if action == "revoke":
            form = revoke_form = RevokeForm(request.POST, prefix="revoke")
        else:
            form = correct_form = CorrectForm(request.POST, prefix="correct")
        if form.is_valid():
            try:
                if isinstance(form, RevokeForm):
                    claim_revoke(
                        actor=request.user, claim=claim_obj, reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, "Claim revoked.")
                else:
                    claim_correct(
                        actor=request.user,
                        claim=claim_obj,
                        hours=form.cleaned_data["hours"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, "Hours corrected.")
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                return redirect("credits:claim_manage", publisher.code, claim_obj.pk)
        status = 400
    return render(
        request,
        "credits/claim_manage.html",
        {
            "publisher": publisher,
            "claim": claim_obj,
            "activity": claim_obj.session.activity,
            "history": claim_history(claim=claim_obj),
            "flags": claim_flags(claim=claim_obj),
            "can_edit": can_edit,
            "correct_form": correct_form,
            "revoke_form": revoke_form,
        },
        status=status,
    )
