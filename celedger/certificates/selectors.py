"""Certificate lookups: the owner or the publisher's staff download; anyone verifies."""

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from celedger.activities.models import Activity
from celedger.certificates.models import Certificate, CertificateVersion
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


@dataclass(frozen=True)
class VerificationPage:
    """What the public verification page shows: nothing beyond the certificate itself."""

    certificate: Certificate
    activity: Activity
    learner_name: str
    # The current version's credit as printed ([] when revoked or never rendered).
    credit: list[dict[str, str]]
    current: CertificateVersion | None
    # Earlier versions, newest first: "supersedes version N of date D".
    earlier: list[CertificateVersion]

    @property
    def is_valid(self) -> bool:
        return self.certificate.revoked_at is None and self.current is not None


def certificate_verification_page(*, code: str) -> VerificationPage:
    """The public page for a verification code; 404 for unknown codes and for activities
    that are still drafts (a draft is not public, whatever was issued from it)."""
    certificate = (
        Certificate.objects.select_related("activity__publisher", "learner__profile")
        .filter(verification_code=code)
        .exclude(activity__status=Activity.Status.DRAFT)
        .first()
    )
    if certificate is None:
        raise Http404
    versions = list(certificate.versions.order_by("-version"))
    current = versions[0] if versions else None
    profile = getattr(certificate.learner, "profile", None)
    return VerificationPage(
        certificate=certificate,
        activity=certificate.activity,
        learner_name=f"{profile.first_name} {profile.last_name}" if profile else "",
        credit=current.credit if current and certificate.revoked_at is None else [],
        current=current,
        earlier=versions[1:],
    )
