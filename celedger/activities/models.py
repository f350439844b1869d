from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from celedger.accreditation.models import CreditType, Profession
from celedger.accreditation.uan import UanError, provider_numbers, uan_check, uan_parse
from celedger.core.decimals import is_quarter_step, quarter_step_check
from celedger.publishers.models import Publisher

# Event IDs: 6 characters without look-alikes (no I, L, O, 0, 1).
EVENT_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
EVENT_ID_LENGTH = 6

# ACPE UAN (celedger.accreditation.uan): the P/T letter each ACPE credit type needs.
UAN_SUFFIX_FOR_TYPE = {"acpe-p": "P", "acpe-t": "T"}


class Activity(models.Model):
    class Format(models.TextChoices):
        LIVE = "live", "Live course"
        RSS = "rss", "Regularly scheduled series"
        INTERNET_LIVE = "internet_live", "Internet live"
        ENDURING = "enduring", "Enduring material"
        JOURNAL = "journal", "Journal-based"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    objectives = models.TextField("learning objectives", blank=True, help_text="One per line.")
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.LIVE)
    starts_on = models.DateField()
    ends_on = models.DateField()
    location = models.CharField(max_length=300, blank=True)
    url = models.URLField("online URL", blank=True)
    target_professions = models.ManyToManyField(Profession, blank=True, related_name="+")
    is_ipce = models.BooleanField("planned by and for the healthcare team (IPCE)", default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Empty means the default window: from session start to 30 days after its end.
    claim_opens_at = models.DateTimeField(null=True, blank=True)
    claim_closes_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "title"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="activity_dates_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The end date cannot be before the start date."
        if (
            self.claim_opens_at
            and self.claim_closes_at
            and self.claim_closes_at <= self.claim_opens_at
        ):
            errors["claim_closes_at"] = "Claiming must close after it opens."
        if errors:
            raise ValidationError(errors)


# ACPE's L (live, including live webinars) or H (home study) for each activity format;
# "other" is not known, so either letter is accepted.
ACPE_HOME_STUDY: dict[str, bool] = {
    Activity.Format.LIVE: False,
    Activity.Format.RSS: False,
    Activity.Format.INTERNET_LIVE: False,
    Activity.Format.ENDURING: True,
    Activity.Format.JOURNAL: True,
}


class CreditDesignation(models.Model):
    """Credit an activity offers: a credit type and its maximum hours (ACPE: with a UAN)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="designations")
    credit_type = models.ForeignKey(CreditType, on_delete=models.PROTECT, related_name="+")
    max_hours = models.DecimalField(max_digits=5, decimal_places=2)
    uan = models.CharField("ACPE UAN", max_length=32, blank=True)

    class AcpeActivityType(models.TextChoices):
        KNOWLEDGE = "knowledge", "Knowledge-based"
        APPLICATION = "application", "Application-based"
        CERTIFICATE = "certificate", "Certificate program"

    acpe_activity_type = models.CharField(
        "ACPE activity type", max_length=12, choices=AcpeActivityType.choices, blank=True
    )
    # Set by the audited correction service only; a form never sets it.
    uan_correction = False

    class Meta:
        ordering = ["credit_type__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "credit_type"], name="designation_unique_type"
            ),
            models.CheckConstraint(
                condition=quarter_step_check("max_hours"), name="designation_hours_quarter_steps"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_type.short_name}: {self.max_hours}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.max_hours is not None and not is_quarter_step(self.max_hours):
            errors["max_hours"] = "Use a positive number of hours in steps of 0.25 (e.g. 1.25)."
        typed = (self.uan or "").strip()
        code = self.credit_type.code if self.credit_type_id else ""
        audience = UAN_SUFFIX_FOR_TYPE.get(code)
        if audience:
            if not self.acpe_activity_type:
                errors["acpe_activity_type"] = (
                    "Choose the ACPE activity type (knowledge, application or certificate "
                    "program)."
                )
            if not typed:
                errors["uan"] = "ACPE credit needs its UAN."
            else:
                try:
                    uan = uan_parse(typed)
                except UanError as error:
                    errors["uan"] = str(error)
                else:
                    self.uan = str(uan)
                    descriptor = type(self).activity
                    activity = (
                        self.activity
                        if self.activity_id or descriptor.is_cached(self)  # type: ignore[attr-defined]
                        else None
                    )
                    publisher = activity.publisher if activity and activity.publisher_id else None
                    problems = uan_check(
                        uan,
                        allowed_providers=provider_numbers(
                            acpe_provider_number=publisher.acpe_provider_number,
                            ja_provider_id=publisher.accme_provider_id,
                        )
                        if publisher
                        else None,
                        home_study=ACPE_HOME_STUDY.get(activity.format) if activity else None,
                        audience=audience,
                    )
                    if problems:
                        errors["uan"] = " ".join(problems)
            if "uan" not in errors and self.pk and not self.uan_correction:
                # Claims carry the UAN to CPE Monitor: changing it is a correction
                # (certificates.services.designation_uan_correct), audited, never an edit.
                stored = type(self).objects.filter(pk=self.pk).values_list("uan", flat=True)
                before = stored.first()
                if before and before != self.uan and self.claims.filter(status="active").exists():
                    errors["uan"] = (
                        f"Pharmacists have claimed credit under {before}: the UAN cannot be "
                        "edited. Ask an admin to correct it (the correction is audited and "
                        "re-issues their certificates)."
                    )
        else:
            self.uan = typed.upper()
            if self.uan:
                errors["uan"] = "Only ACPE credit takes a UAN; leave this empty."
            self.acpe_activity_type = ""
        if errors:
            raise ValidationError(errors)


class Session(models.Model):
    """One occurrence of an activity, with its own Event ID, link and QR code."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    topic = models.CharField(max_length=300, blank=True)
    speaker = models.CharField(max_length=200, blank=True)
    event_id = models.CharField("Event ID", max_length=EVENT_ID_LENGTH, unique=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="session_times_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.topic or self.activity.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:program", args=[self.event_id])

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "A session cannot end before it starts."})


class Attendance(models.Model):
    """A learner's check-in to a session (reaching its page while signed in)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendances"
    )
    checked_in_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "learner"], name="attendance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner} @ {self.session.event_id}"
