import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from celedger.activities.models import Activity, Session
from celedger.core.files import private_storage_get, private_upload_to


def new_verification_code() -> str:
    return secrets.token_urlsafe(16)


class Certificate(models.Model):
    """One certificate per learner and credit event, verifiable by an unguessable code: the
    activity for a single program, a conference or home study; each session of a
    regularly scheduled series (`session` set). Its number stays; every change to what it
    shows is a new CertificateVersion, and `pdf` is the current version's file.

    A series certificate with no session is one issued before per-session certificates
    (docs/decisions.md): kept, still verifiable and kept in line with the claims."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="certificates")
    # The series session this certificate is for; empty for a whole activity.
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(max_length=32, unique=True)
    verification_code = models.CharField(max_length=32, unique=True, default=new_verification_code)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Private storage, unguessable name: served only by the access-checked views. The
    # current version's file (CertificateVersion keeps every version's).
    pdf = models.FileField(
        storage=private_storage_get, upload_to=private_upload_to("certificates"), blank=True
    )
    # Fingerprint of the claims the stored PDF shows; a change means a new version.
    pdf_fingerprint = models.CharField(max_length=64, blank=True)
    # The current version's number (0 until the first PDF is rendered).
    version = models.PositiveIntegerField(default=0, db_default=0)
    # The last version emailed to the learner: each version is emailed once.
    emailed_version = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        constraints = [
            # One per learner and activity among whole-activity certificates, one per
            # learner and session among a series' per-session ones.
            models.UniqueConstraint(
                fields=["learner", "activity"],
                condition=Q(session__isnull=True),
                name="certificate_unique_per_activity",
            ),
            models.UniqueConstraint(
                fields=["learner", "session"],
                condition=Q(session__isnull=False),
                name="certificate_unique_per_session",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number_with_version(self) -> str:
        return f"{self.number} v{self.version}" if self.version > 1 else self.number


class CertificateVersion(models.Model):
    """One issued state of a certificate: its PDF as sent, the credit it showed and what
    changed from the version before. Kept for ever, never edited."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    issued_at = models.DateTimeField(auto_now_add=True)
    pdf = models.FileField(
        storage=private_storage_get, upload_to=private_upload_to("certificates")
    )
    fingerprint = models.CharField(max_length=64)
    # [[credit type name, amount phrase], ...] as printed.
    credit = models.JSONField(default=list)
    changes = models.TextField(blank=True, help_text="What changed from the version before.")

    class Meta:
        ordering = ["certificate", "version"]
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "version"], name="certificate_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="certificate_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} v{self.version}"
