import datetime
import secrets
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from celedger.accreditation.models import CreditType


class Publisher(models.Model):
    """An accredited provider (a tenant), with its own portal at /p/<code>/."""

    code = models.SlugField(max_length=20, unique=True, help_text="Used in the portal URL.")
    name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    liaison_name = models.CharField("CE liaison", max_length=200, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    logo = models.ImageField(upload_to="publisher-logos/", blank=True)
    accreditation_statement = models.TextField(
        blank=True, help_text="Joint Accreditation (or single accreditor) statement."
    )
    accme_provider_id = models.CharField("ACCME / JA provider ID", max_length=20, blank=True)
    # Joint Accreditation requires its statement on every certificate (docs/credits.md).
    is_jointly_accredited = models.BooleanField(
        "jointly accredited (Joint Accreditation for Interprofessional Continuing Education)",
        default=False,
        db_default=False,
        help_text="Certificates then always carry the Joint Accreditation statement.",
    )
    acpe_provider_number = models.CharField("ACPE provider number", max_length=9, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The publisher's time zone; UTC if the stored name is unknown to this system."""
        try:
            return ZoneInfo(self.time_zone)
        except (KeyError, ValueError):
            return ZoneInfo("UTC")


class DesignationStatement(models.Model):
    """A publisher's own wording for a credit type's designation statement."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="statements")
    credit_type = models.ForeignKey(CreditType, on_delete=models.PROTECT)
    statement = models.TextField(
        help_text="{provider}, {credits}, {amount}, {format}, {uan}, {activity_type} and {ceus} "
        "are filled in."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publisher", "credit_type"], name="statement_unique_per_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.publisher.code}: {self.credit_type.short_name}"


class StaffMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        COORDINATOR = "coordinator", "Coordinator"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "publisher"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.publisher.code} ({self.role})"


def invitation_token() -> str:
    # 256 random bits: the link alone is the invitation, so it must not be guessable.
    return secrets.token_urlsafe(32)


class StaffInvitation(models.Model):
    """An admin's invitation for an email that has no account yet; accepted by the person
    who signs in with that address verified. Open = neither accepted nor revoked."""

    EXPIRES_AFTER = datetime.timedelta(days=14)

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=StaffMembership.Role.choices)
    token = models.CharField(max_length=64, unique=True, default=invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the invitation was (last) sent: a resend starts the 14 days again.
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "publisher",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
                violation_error_message="This address already has an open invitation.",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} @ {self.publisher_id} ({self.role})"

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created_at + self.EXPIRES_AFTER

    @property
    def state(self) -> "StaffInvitation.State":
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.revoked_at is not None:
            return self.State.REVOKED
        if timezone.now() >= self.expires_at:
            return self.State.EXPIRED
        return self.State.PENDING
