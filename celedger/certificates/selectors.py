"""Certificate lookups: the owner or the publisher's staff download; anyone verifies."""

from typing import Any

from django.http import Http404

from celedger.activities.models import Activity
from celedger.certificates.models import Certificate
from celedger.publishers.models import StaffMembership


def certificate_get_for_download(*, user: Any, pk: int) -> Certificate:
    """The certificate if `user` owns it or is staff of its publisher; 404 otherwise."""
    certificate = (
        Certificate.objects.select_related("activity__publisher", "learner").filter(pk=pk).first()
    )
    if certificate is None or not user.is_authenticated:
        raise Http404
    if certificate.learner_id == user.pk:
        return certificate
    if StaffMembership.objects.filter(
        user=user, publisher_id=certificate.activity.publisher_id
    ).exists():
        return certificate
    raise Http404


def activity_get_for_learner_certificate(*, pk: int) -> Activity:
    activity = Activity.objects.select_related("publisher").filter(pk=pk).first()
    if activity is None:
        raise Http404
    return activity


def certificate_get_for_verification(*, code: str) -> Certificate:
    certificate = (
        Certificate.objects.select_related("activity__publisher", "learner__profile")
        .filter(verification_code=code)
        .first()
    )
    if certificate is None:
        raise Http404
    return certificate
