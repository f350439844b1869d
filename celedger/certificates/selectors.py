"""Certificate lookups: the owner or the publisher's staff download; anyone verifies."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from celedger.activities.models import Activity, Session
from celedger.certificates.models import Certificate, CertificateVersion
from celedger.publishers.models import StaffMembership


def certificate_get_for_download(*, user: Any, pk: int) -> Certificate:
    """The certificate if `user` owns it or is staff of its publisher; 404 otherwise."""
    certificate = (
        Certificate.objects.select_related("activity__publisher", "learner", "session")
        .filter(pk=pk)
        .first()
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
class CreditEvent:
    """What one certificate is for: an activity, or one session of a series."""

    activity: Activity
    session: Session | None = None


def credit_event_get(*, activity_pk: int, session_pk: int | None = None) -> CreditEvent:
    """The activity, and the series session named; 404 for a session of another activity
    or a session named for an activity that is not a series."""
    activity = activity_get_for_learner_certificate(pk=activity_pk)
    if session_pk is None:
        return CreditEvent(activity=activity)
    session = Session.objects.filter(pk=session_pk, activity=activity).first()
    if session is None or not activity.is_series:
        raise Http404
    session.activity = activity
    return CreditEvent(activity=activity, session=session)


def certificates_movable(*, source: Any, target: Any) -> QuerySet[Certificate]:
    """`source`'s certificates for credit events (activity, or series session) `target`
    holds none for: an account merge moves these; the others are revoked by the refresh."""
    theirs = Certificate.objects.filter(learner=target)
    return (
        Certificate.objects.filter(learner=source)
        .exclude(
            session__isnull=True,
            activity__in=theirs.filter(session__isnull=True).values("activity"),
        )
        .exclude(session__in=theirs.filter(session__isnull=False).values("session"))
    )


def certificates_shared(*, source: Any, target: Any) -> QuerySet[Certificate]:
    """`source`'s certificates for credit events `target` also holds one for."""
    return Certificate.objects.filter(learner=source).exclude(
        pk__in=certificates_movable(source=source, target=target).values("pk")
    )


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
    def session(self) -> Session | None:
        """The series session this certificate is for (None: the whole activity)."""
        return self.certificate.session if self.certificate.session_id else None

    @property
    def session_date(self) -> datetime.date | None:
        session = self.session
        if session is None:
            return None
        return session.starts_at.astimezone(self.activity.publisher.zone).date()

    @property
    def whole_series(self) -> bool:
        """A series certificate issued before per-session ones: it covers every session."""
        return self.activity.is_series and self.session is None

    @property
    def is_valid(self) -> bool:
        return self.certificate.revoked_at is None and self.current is not None


def certificate_verification_page(*, code: str) -> VerificationPage:
    """The public page for a verification code; 404 for unknown codes and for activities
    that are still drafts (a draft is not public, whatever was issued from it)."""
    certificate = (
        Certificate.objects.select_related("activity__publisher", "learner__profile", "session")
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
