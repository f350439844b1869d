import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from celedger.accreditation.models import Profession
from celedger.activities.models import CreditDesignation, Session
from celedger.core.decimals import quarter_step_check
from celedger.core.files import private_storage_get, private_upload_to
from celedger.publishers.models import Publisher


def new_token() -> str:
    # 256 random bits: the emailed link alone opens the page, so it must not be guessable.
    return secrets.token_urlsafe(32)


class WalkIn(models.Model):
    """An account staff created for someone without one (walk-in form or an import row).

    Holds what staff typed until the person claims the account through the emailed link,
    which pre-fills their profile. One per account; `claimed_at` set once claimed.
    """

    CLAIM_LINK_DAYS = 30

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="walk_in"
    )
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    profession = models.ForeignKey(
        Profession, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    license_number = models.CharField(max_length=40, blank=True)
    license_state = models.CharField(max_length=100, blank=True)
    nabp_eprofile_id = models.CharField(max_length=7, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # When the claim link was (last) sent: it works for CLAIM_LINK_DAYS from then.
    sent_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"walk-in {self.user}"

    @property
    def link_expires_at(self) -> datetime.datetime:
        return self.sent_at + datetime.timedelta(days=self.CLAIM_LINK_DAYS)


class PendingAward(models.Model):
    """Credit staff entered on the walk-in form, waiting for the learner to accept it.

    The walk-in form never says whether an email already has an account, so credit for an
    address lands only when the person behind it follows the emailed link and attests.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the learner"
        ACCEPTED = "accepted", "Accepted"
        CANCELLED = "cancelled", "Cancelled"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_awards"
    )
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="+")
    designation = models.ForeignKey(CreditDesignation, on_delete=models.PROTECT, related_name="+")
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "session", "designation"],
                condition=Q(status="pending"),
                name="pending_award_one_open",
                violation_error_message="This credit is already waiting for this learner.",
            ),
            models.CheckConstraint(
                condition=quarter_step_check("hours"), name="pending_award_hours_quarter_steps"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.designation} {self.hours} ({self.status})"


class ImportJob(models.Model):
    """One uploaded file: attendance, awarded credit or a learner's past credit (historical)."""

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", "Attendance (sign-in sheet, Zoom report)"
        CREDIT = "credit", "Awarded credit (another system's export)"
        HISTORICAL = "historical", "Historical credit (past credit from another system)"

    class Status(models.TextChoices):
        MAPPING = "mapping", "Columns to check"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    designation = models.ForeignKey(
        CreditDesignation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    default_hours = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Private storage (names, emails, license numbers), unguessable name; no URL serves it.
    file = models.FileField(storage=private_storage_get, upload_to=private_upload_to("imports"))
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    # Target field -> column header of the file ("" = not in the file).
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.MAPPING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Outcome counts: added, unchanged, error.
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="historical") | Q(session__isnull=False),
                name="import_session_unless_historical",
            ),
            models.CheckConstraint(
                condition=~Q(kind="credit") | Q(designation__isnull=False),
                name="import_credit_has_designation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} import {self.file_name} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportRow(models.Model):
    """What happened to one row of an import: the per-row record staff can read back."""

    class Outcome(models.TextChoices):
        ADDED = "added", "Added"
        UNCHANGED = "unchanged", "Already there"
        ERROR = "error", "Not imported"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_row_once")
        ]

    def __str__(self) -> str:
        return f"row {self.row_number}: {self.outcome}"


class ReminderSettings(models.Model):
    """A publisher's reminder schedule: days before the claim window closes."""

    publisher = models.OneToOneField(
        Publisher, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    enabled = models.BooleanField("send claim reminders", default=True)
    # Comma-separated whole days, largest first, e.g. "7,1".
    claim_days_before = models.CharField(max_length=40, default="7,1")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reminders for {self.publisher.code}: {self.claim_days_before}"

    @property
    def days(self) -> list[int]:
        return sorted(
            {
                int(part)
                for part in self.claim_days_before.split(",")
                if part.strip().isascii() and part.strip().isdigit()
            },
            reverse=True,
        )


class ReminderPreference(models.Model):
    """A learner's choice about reminders (never about certificates, which always go)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    opted_out_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user}: {'opted out' if self.opted_out_at else 'reminders on'}"


class ReminderSent(models.Model):
    """One reminder email sent: the row that makes `send_reminders` safe to run hourly."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "Claim before the window closes"
        # Before reminders read the held reporting records (kept for the rows sent then).
        NABP_DATA = "nabp", "NABP data needed for CPE Monitor"

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # A claim reminder is about a session; a held-record reminder about a reporting record.
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reporting_record = models.ForeignKey(
        "reporting.ReportingRecord",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The kind plus the days before the deadline: "claim-7" (claim window closes), "held-1"
    # (a reporting record held for the learner's data is due).
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "session", "kind"],
                condition=Q(session__isnull=False),
                name="reminder_sent_once",
            ),
            models.UniqueConstraint(
                fields=["learner", "reporting_record", "kind"],
                condition=Q(reporting_record__isnull=False),
                name="reminder_sent_once_per_record",
            ),
            models.CheckConstraint(
                condition=Q(session__isnull=False, reporting_record__isnull=True)
                | Q(session__isnull=True, reporting_record__isnull=False),
                name="reminder_sent_about_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.kind} to {self.learner_id} for {self.session_id or self.reporting_record_id}"
        )


class AccountMerge(models.Model):
    """Site staff merged `source` into `target`; `moved` counts what changed owner."""

    source = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved = models.JSONField(default=dict)
    performed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-performed_at"]
        permissions = [("merge_accounts", "Can merge learner accounts")]
        constraints = [
            models.UniqueConstraint(fields=["source"], name="merge_source_once"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="merge_two_accounts"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"
