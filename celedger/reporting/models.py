from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from celedger.accreditation.models import Board
from celedger.activities.models import Activity, CreditDesignation
from celedger.core.decimals import quarter_step_check
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
        # Batches of reporting records: each record remembers the file it went out in.
        CPE_MONITOR = "cpe_monitor", "CPE Monitor batch (ACPE / NABP)"
        PARS_MOC = "pars_moc", "PARS learner completions (JSON)"
        PARS_MOC_TAB = "pars_moc_tab", "PARS learner completions (batch template)"
        PARS_ACTIVITIES = "pars_activities", "PARS / JA-PARS activity data"

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.publisher.code}: {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def sends_records(self) -> bool:
        """A batch: its file sends reporting records, which then wait for the accreditor's
        answer. The credit claims and the activity data are files for the coordinator:
        nothing in them is tracked once downloaded."""
        return self.kind in (self.Kind.CPE_MONITOR, self.Kind.PARS_MOC, self.Kind.PARS_MOC_TAB)

    @property
    def total_label(self) -> str:
        """What `total` counts, in words: a batch counts reporting records (one may carry
        several claims), the activity data activities, the claims export claims."""
        Kind = self.Kind
        if self.kind == Kind.PARS_ACTIVITIES:
            return f"{self.total} activit{'y' if self.total == 1 else 'ies'}"
        noun = "claim" if self.kind == Kind.CREDIT_CLAIMS else "record"
        return f"{self.total} {noun}{'' if self.total == 1 else 's'}"

    @property
    def kind_label(self) -> str:
        try:
            return str(self.Kind(self.kind).label)
        except ValueError:
            return self.kind


# The board-specific MOC credit type values PARS takes, first = default. Sources and
# which values are unsourced: docs/reporting.md ("Board credit types").
BOARD_CREDIT_TYPES: dict[str, list[str]] = {
    "ABIM": ["Medical Knowledge", "Practice Assessment", "Patient Safety"],
    "ABP": ["Lifelong Learning and Self-Assessment"],
    "ABA": ["Lifelong Learning", "Patient Safety"],
    "ABS": ["Accredited CME", "Self-Assessment"],
    "ABPATH": ["Lifelong Learning", "Self-Assessment"],
    "ABOS": ["Lifelong Learning", "Self-Assessment"],
    "ABOHNS": ["Lifelong Learning", "Self-Assessment"],
    "ABTS": ["Lifelong Learning", "Self-Assessment"],
}


def board_schema_code(code: str) -> str:
    """The board as ACCME's schemas spell it (ABPath -> ABPATH)."""
    return code.upper()


class ActivityReporting(models.Model):
    """What PARS / JA-PARS ask about an activity that the activities app does not hold.

    Kept here (1:1 with Activity) so reporting fields never touch the activities app.
    """

    class Providership(models.TextChoices):
        DIRECT = "direct", "Directly provided"
        JOINT = "joint", "Jointly provided"

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="reporting")
    accme_activity_id = models.CharField(
        "ACCME activity ID",
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^\d{9}$", "The ACCME activity ID has 9 digits.")],
        help_text="The 9-digit ID PARS gave the activity (PARS → Activities).",
    )
    providership = models.CharField(
        max_length=10, choices=Providership.choices, default=Providership.DIRECT
    )
    joint_providers = models.TextField(
        blank=True, help_text="Non-accredited joint providers, one per line."
    )
    # None = not answered yet; integrity's disclosures list the supporters when present.
    commercial_support = models.BooleanField("commercial support received", null=True, blank=True)
    # Per board code, the MOC credit type the activity is registered for in PARS
    # (e.g. {"ABIM": "Medical Knowledge"}); boards missing here use BOARD_CREDIT_TYPES[0].
    moc_credit_types = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["accme_activity_id"],
                condition=~models.Q(accme_activity_id=""),
                name="activityreporting_unique_accme_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.accme_activity_id or '(no ACCME ID)'}"

    def moc_credit_type(self, board_code: str) -> str:
        code = board_schema_code(board_code)
        chosen = (self.moc_credit_types or {}).get(code)
        return chosen or BOARD_CREDIT_TYPES.get(code, ["Lifelong Learning"])[0]

    @property
    def joint_provider_list(self) -> list[str]:
        return [line.strip() for line in self.joint_providers.splitlines() if line.strip()]


class ReportingRecord(models.Model):
    """One learner credit to report: CPE Monitor per learner and UAN, PARS per learner,
    activity and board. Derived from active claims (services.records_recompute); a record
    already exported is never edited: a change makes a correction or deletion record.
    """

    class Channel(models.TextChoices):
        CPE_MONITOR = "cpe_monitor", "CPE Monitor (NABP)"
        PARS = "pars", "PARS (MOC)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        HELD = "held", "Held"
        EXPORTED = "exported", "Exported"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        CORRECTED = "corrected", "Corrected"

    class Action(models.TextChoices):
        ADD = "add", "Add"
        CORRECT = "correct", "Correction"
        DELETE = "delete", "Deletion"

    # Every index here is written again for each record a batch marks exported (the status
    # changes, so the UPDATE is never HOT): no index the others already cover or nothing
    # reads. Publisher lookups use ("publisher", "status"); boards are reference data.
    publisher = models.ForeignKey(
        Publisher, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reporting_records"
    )
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="+")
    designation = models.ForeignKey(CreditDesignation, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    uan = models.CharField("ACPE UAN", max_length=32, blank=True)
    board = models.ForeignKey(
        Board, null=True, blank=True, on_delete=models.PROTECT, db_index=False
    )
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.ADD)
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    # CPE Monitor: the date of participation; PARS: the completion date.
    participated_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Codes from reporting.checks.CHECKS; not empty exactly when the status is held.
    hold_reasons = models.JSONField(default=list, blank=True)
    # Not indexed: nothing looks records up by their file (jobs are never deleted), and a
    # batch would write an entry for each record it marks. The foreign key stays.
    exported_in = models.ForeignKey(
        ExportJob,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,
    )
    exported_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    # False once a correction or deletion record replaced this one.
    is_current = models.BooleanField(default=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "activity", "uan"],
                condition=models.Q(channel="cpe_monitor", is_current=True),
                name="record_one_current_cpe",
            ),
            models.UniqueConstraint(
                fields=["learner", "activity", "board"],
                condition=models.Q(channel="pars", is_current=True),
                name="record_one_current_pars",
            ),
            models.CheckConstraint(
                condition=models.Q(channel="cpe_monitor", board__isnull=True) & ~models.Q(uan="")
                | models.Q(channel="pars", board__isnull=False, uan=""),
                name="record_key_per_channel",
            ),
            models.CheckConstraint(
                condition=quarter_step_check("hours"),
                name="record_hours_quarter_steps",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["exported", "accepted", "rejected"])
                | models.Q(exported_in__isnull=False, exported_at__isnull=False),
                name="record_exported_has_file",
            ),
        ]
        indexes = [
            models.Index(fields=["publisher", "status"]),
            # What is still to send (batches, due soon, held): partial, so a record leaves
            # it when exported and a batch's UPDATE writes no entry in it.
            models.Index(
                fields=["publisher", "channel", "participated_on"],
                condition=models.Q(status__in=["pending", "held"], is_current=True),
                name="record_unsent",
            ),
        ]

    def __str__(self) -> str:
        key = self.uan if self.channel == self.Channel.CPE_MONITOR else str(self.board)
        return f"{self.channel} {self.learner_id} {key} {self.hours} ({self.status})"


class ResponseUpload(models.Model):
    """An accreditor's response or error file, read back to mark records accepted or
    rejected. Kept for the record; never served under /media/ (no view links to it)."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=12, choices=ReportingRecord.Channel.choices)
    file = models.FileField(
        storage=private_storage_get, upload_to=private_upload_to("reporting-responses")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # {"accepted": n, "rejected": n, "unmatched": [line, ...]}
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} response for {self.publisher_id} ({self.created_at:%Y-%m-%d})"
