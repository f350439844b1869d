import secrets

from django.conf import settings
from django.db import models

from celedger.activities.models import Activity
from celedger.core.files import private_storage_get, private_upload_to


def new_verification_code() -> str:
    return secrets.token_urlsafe(16)


class Certificate(models.Model):
    """One PDF certificate per learner and activity, verifiable by an unguessable code."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(max_length=32, unique=True)
    verification_code = models.CharField(max_length=32, unique=True, default=new_verification_code)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Private storage, unguessable name: served only by the access-checked views.
    pdf = models.FileField(
        storage=private_storage_get, upload_to=private_upload_to("certificates"), blank=True
    )
    # Fingerprint of the claims the stored PDF shows; a change means re-render.
    pdf_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "activity"], name="certificate_unique")
        ]

    def __str__(self) -> str:
        return self.number
