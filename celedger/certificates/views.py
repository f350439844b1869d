from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from celedger.certificates.models import Certificate
from celedger.certificates.selectors import (
    activity_get_for_learner_certificate,
    certificate_get_for_download,
    certificate_get_for_verification,
)
from celedger.certificates.services import (
    certificate_issue,
    certificate_pdf_bytes,
    certificate_totals,
)
from celedger.core.types import AuthedRequest
from celedger.publishers.selectors import publisher_get_for_staff


def _pdf_response(certificate: Certificate) -> HttpResponse:
    response = HttpResponse(
        certificate_pdf_bytes(certificate=certificate), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.number}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET"])
@login_required
def mine(request: AuthedRequest, activity_pk: int) -> HttpResponse:
    """The signed-in learner's certificate for an activity, rendered now if it is stale."""
    activity = activity_get_for_learner_certificate(pk=activity_pk)
    certificate = certificate_issue(learner=request.user, activity=activity)
    if certificate is None or certificate.revoked_at is not None:
        raise Http404
    return _pdf_response(certificate)


@require_http_methods(["GET"])
@login_required
def download(request: AuthedRequest, pk: int) -> HttpResponse:
    certificate = certificate_get_for_download(user=request.user, pk=pk)
    refreshed = certificate_issue(learner=certificate.learner, activity=certificate.activity)
    if refreshed is None or not refreshed.pdf:
        raise Http404
    return _pdf_response(refreshed)


@require_http_methods(["GET"])
@login_required
def staff_download(
    request: AuthedRequest, code: str, activity_pk: int, learner_pk: int
) -> HttpResponse:
    """A learner's certificate for the publisher's staff (any role), e.g. to resend it."""
    publisher = publisher_get_for_staff(user=request.user, code=code)
    activity = activity_get_for_learner_certificate(pk=activity_pk)
    learner = get_user_model().objects.filter(pk=learner_pk).first()
    if activity.publisher_id != publisher.pk or learner is None:
        raise Http404
    certificate = certificate_issue(learner=learner, activity=activity)
    if certificate is None or not certificate.pdf:
        raise Http404
    return _pdf_response(certificate)


@require_http_methods(["GET"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: valid or revoked, the activity, the learner's name and credit; nothing else."""
    certificate = certificate_get_for_verification(code=code)
    profile = getattr(certificate.learner, "profile", None)
    return render(
        request,
        "certificates/verify.html",
        {
            "certificate": certificate,
            "activity": certificate.activity,
            "learner_name": f"{profile.first_name} {profile.last_name}" if profile else "",
            "totals": certificate_totals(certificate=certificate)
            if certificate.revoked_at is None
            else [],
        },
    )
