from django.conf import settings
from django.db import models

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
    acpe_provider_number = models.CharField("ACPE provider number", max_length=9, blank=True)
    signer_name = models.CharField(max_length=200, blank=True)
    signer_title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DesignationStatement(models.Model):
    """A publisher's own wording for a credit type's designation statement."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="statements")
    credit_type = models.ForeignKey(CreditType, on_delete=models.PROTECT)
    statement = models.TextField(help_text="{provider} and {amount} are filled in.")

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
