from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from celedger.certificates.models import Certificate
from celedger.certificates.selectors import (
    certificate_get_for_download,
    certificate_verification_page,
    credit_event_get,
)
from celedger.certificates.services import certificate_for_download
from celedger.core.files import private_file_response
from celedger.core.types import AuthedRequest
from celedger.publishers.selectors import publisher_get_for_staff


def _pdf_response(request: HttpRequest, certificate: Certificate | None) -> HttpResponseBase:
    """The stored PDF, streamed (or handed to the proxy, `PRIVATE_FILES_SERVE`); a revoked
    certificate's PDF is served to no one, as valid or not."""
    if certificate is None or not certificate.pdf:
        raise Http404
    if certificate.revoked_at is not None:
        return render(
            request, "certificates/revoked.html", {"certificate": certificate}, status=410
        )
    return private_file_response(
        certificate.pdf,
        filename=f"certificate-{certificate.number}-v{certificate.version}.pdf",
        content_type="application/pdf",
    )


@require_http_methods(["GET"])
@login_required
def mine(
    request: AuthedRequest, activity_pk: int, session_pk: int | None = None
) -> HttpResponseBase:
    """The signed-in learner's certificate for an activity (or a series session),
    re-issued now if it is stale."""
    event = credit_event_get(activity_pk=activity_pk, session_pk=session_pk)
    certificate = certificate_for_download(
        learner=request.user, activity=event.activity, session=event.session
    )
    return _pdf_response(request, certificate)


@require_http_methods(["GET"])
@login_required
def download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    certificate = certificate_get_for_download(user=request.user, pk=pk)
    current = certificate_for_download(
        learner=certificate.learner, activity=certificate.activity, session=certificate.session
    )
    return _pdf_response(request, current)


@require_http_methods(["GET"])
@login_required
def staff_download(
    request: AuthedRequest,
    code: str,
    activity_pk: int,
    learner_pk: int,
    session_pk: int | None = None,
) -> HttpResponseBase:
    """A learner's certificate for the publisher's staff (any role), e.g. to resend it."""
    publisher = publisher_get_for_staff(user=request.user, code=code)
    event = credit_event_get(activity_pk=activity_pk, session_pk=session_pk)
    learner = get_user_model().objects.filter(pk=learner_pk).first()
    if event.activity.publisher_id != publisher.pk or learner is None:
        raise Http404
    certificate = certificate_for_download(
        learner=learner, activity=event.activity, session=event.session
    )
    return _pdf_response(request, certificate)


@require_http_methods(["GET"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: valid or revoked, the activity, the learner's name, the current version's
    credit and which versions it supersedes; nothing else."""
    page = certificate_verification_page(code=code)
    return render(request, "certificates/verify.html", {"page": page})
