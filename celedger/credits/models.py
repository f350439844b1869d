from django.conf import settings
from django.db import models

from celedger.activities.models import CreditDesignation, Session
from celedger.core.decimals import quarter_step_check
from celedger.core.files import private_storage_get, private_upload_to


class Claim(models.Model):
    """A learner's credit for one session and credit designation: the ledger's row.

    Never deleted: revoked with a reason and an audit entry. One active claim per
    learner, session and designation, held by a partial unique constraint.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="claims")
    designation = models.ForeignKey(
        CreditDesignation, on_delete=models.PROTECT, related_name="claims"
    )
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    # The most this one row may hold: the session's own amount capped by the designation's
    # maximum, copied when the claim is written so the database can check it.
    max_hours = models.DecimalField(max_digits=5, decimal_places=2)
    # Set only by the migration for rows already above `max_hours` before the rule existed;
    # `manage.py report_overclaims` lists them, a correction within the maximum clears it.
    legacy_over_max = models.BooleanField(default=False)
    # Live: the session's date at the publisher; home study: the learner's completion date.
    participated_on = models.DateField()
    # The ACPE UAN in force for this claim (the session's own, else the designation's).
    uan = models.CharField("ACPE UAN", max_length=32, blank=True, default="")
    attested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Staff who awarded or last corrected the claim; empty when the learner claimed.
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "session", "designation"],
                condition=models.Q(status="active"),
                name="claim_one_active",
            ),
            models.CheckConstraint(
                condition=quarter_step_check("hours"), name="claim_hours_quarter_steps"
            ),
            models.CheckConstraint(
                condition=models.Q(hours__lte=models.F("max_hours"))
                | models.Q(legacy_over_max=True),
                name="claim_hours_within_session_max",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="claim_revoked_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "status"]),
            # The transcript's page: one learner's active claims, newest first, read in
            # index order whatever the size of the ledger (docs/performance.md).
            models.Index(
                fields=["learner", "-participated_on", "-id"],
                condition=models.Q(status="active"),
                name="claim_learner_transcript",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.designation} {self.hours}"


class CreditBalance(models.Model):
    """Active hours a learner holds of one designation, across the activity's sessions.

    The row every claim of a conference, single program or home study updates inside its
    transaction with `claimed = claimed + x`: concurrent writers serialize on the row and
    the CHECK refuses a total above the designated maximum (docs/decisions.md). Series
    claim per session and need no balance: each claim row is checked on its own.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    designation = models.ForeignKey(
        CreditDesignation, on_delete=models.PROTECT, related_name="balances"
    )
    claimed = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    # The designation's maximum, copied on every write (a lowered maximum then holds).
    maximum = models.DecimalField(max_digits=5, decimal_places=2)
    # What existing rows already held above the maximum when the rule arrived (else 0);
    # an increase resets it, so only corrections downwards keep such a total.
    legacy_claimed = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "designation"], name="balance_unique"),
            models.CheckConstraint(
                condition=models.Q(claimed__gte=0), name="balance_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(claimed__lte=models.F("maximum"))
                | models.Q(claimed__lte=models.F("legacy_claimed")),
                name="balance_within_maximum",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}/{self.designation_id}: {self.claimed} of {self.maximum}"


class ExternalCredit(models.Model):
    """Credit a learner earned elsewhere (another system's history), shown on the transcript
    labelled "external". Not a claim: no session, no certificate, never in exports.

    `source_key` is the natural key of the imported record, so re-importing it changes nothing.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="external_credits"
    )
    # The publisher whose staff imported it.
    publisher = models.ForeignKey(
        "publishers.Publisher", on_delete=models.PROTECT, related_name="+"
    )
    activity_title = models.CharField(max_length=300)
    provider_name = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField()
    credit_type = models.ForeignKey(
        "accreditation.CreditType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The credit type as the other system wrote it (kept even when matched to a CreditType).
    credit_type_label = models.CharField(max_length=200)
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    source = models.CharField(max_length=300, help_text="Where the record came from.")
    source_key = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "source_key"], name="external_credit_once"),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0), name="external_credit_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.credit_type_label} {self.hours} (external)"


class TranscriptPdf(models.Model):
    """A learner's transcript PDF too long to lay out within a request, built by the outbox
    worker (`credits.transcript_pdf_build`) with its stage for the page to show."""

    class Stage(models.TextChoices):
        QUEUED = "queued", "Waiting for the worker"
        READING = "reading", "Reading your credit"
        LAYOUT = "layout", "Laying out the pages"
        WRITING = "writing", "Writing the PDF"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transcript_pdfs"
    )
    # The transcript's filters, as the page's query string had them (ISO dates, codes).
    params = models.JSONField(default=dict, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.QUEUED)
    rows = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    file = models.FileField(
        storage=private_storage_get, upload_to=private_upload_to("transcripts"), blank=True
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["learner", "-created_at"])]

    def __str__(self) -> str:
        return f"transcript PDF {self.pk} of {self.learner_id} ({self.stage})"

    @property
    def is_finished(self) -> bool:
        return self.stage in (self.Stage.DONE, self.Stage.FAILED)

    @property
    def step(self) -> int:
        """How far along, of STEPS, for a progress bar."""
        order = [self.Stage.QUEUED, self.Stage.READING, self.Stage.LAYOUT, self.Stage.WRITING]
        return order.index(self.Stage(self.stage)) if self.stage in order else len(order)

    STEPS = 4
