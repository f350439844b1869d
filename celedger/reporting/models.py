from django.conf import settings
from django.db import models

from celedger.core.files import private_storage_get, private_upload_to
from celedger.publishers.models import Publisher


class ExportJob(models.Model):
    """A long export run as a background task, with progress a page can poll."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # Private storage, unguessable name: served only by the access-checked download view.
    file = models.FileField(
        storage=private_storage_get, upload_to=private_upload_to("exports"), blank=True
    )
    error = models.TextField(blank=True)
    # What a coordinator must know about the file: warning counts, late records, skips.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Kind(models.TextChoices):
        CREDIT_CLAIMS = "credit_claims", "Credit claims"
        CPE_MONITOR = "cpe_monitor", "CPE Monitor (ACPE)"
        PARS_MOC = "pars_moc", "PARS MOC learner completions"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.publisher.code}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def kind_label(self) -> str:
        try:
            return str(self.Kind(self.kind).label)
        except ValueError:
            return self.kind
