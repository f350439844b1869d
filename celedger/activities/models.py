import datetime
import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from celedger.accreditation.models import CreditType, Profession
from celedger.core.decimals import is_quarter_step, quarter_step_check
from celedger.publishers.models import Publisher

# Event IDs: 6 characters without look-alikes (no I, L, O, 0, 1).
EVENT_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
EVENT_ID_LENGTH = 6
# Learners may say "I'm here" from a little before a session starts until it ends.
CHECK_IN_EARLY = datetime.timedelta(minutes=30)

# ACPE UAN: provider-(0000|9999 joint)-year-sequence-(L|H + topic 01..08 or 99)-(P|T).
UAN_RE = re.compile(r"^\d{4}-(?:0000|9999)-\d{2}-\d{3}-[LH](?:0[1-8]|99)-([PT])$")
UAN_SUFFIX_FOR_TYPE = {"acpe-p": "P", "acpe-t": "T"}


def uan_errors(*, uan: str, credit_type_code: str) -> str | None:
    """What is wrong with `uan` for a credit type ("" is fine for non-ACPE types)."""
    suffix = UAN_SUFFIX_FOR_TYPE.get(credit_type_code)
    if suffix:
        match = UAN_RE.match(uan)
        if not uan:
            return "ACPE credit needs its UAN."
        if not match:
            return "Enter the UAN as XXXX-XXXX-YY-NNN-FTT-P (e.g. 0123-0000-26-001-L01-P)."
        if match.group(1) != suffix:
            who = "pharmacists" if suffix == "P" else "pharmacy technicians"
            return f"A UAN for {who} ends in -{suffix}."
        return None
    if uan:
        return "Only ACPE credit takes a UAN; leave this empty."
    return None


class Activity(models.Model):
    class Structure(models.TextChoices):
        """How credit is counted (docs/credits.md, Activity structures)."""

        # One session; its credit is the designation's maximum.
        SINGLE = "single", "Single program"
        # Many sessions, one claim: the designation's maximum is for the whole activity.
        CONFERENCE = "conference", "Multi-session conference"
        # Regularly scheduled series: every session is its own credit event.
        SERIES = "series", "Regularly scheduled series (grand rounds)"
        # Enduring material, home study, journal: credit on the learner's completion date.
        HOME_STUDY = "home_study", "Home study / enduring material"

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
    structure = models.CharField(
        max_length=12, choices=Structure.choices, default=Structure.SINGLE
    )
    # A conference's own Event ID (besides one per session); unique with the sessions'
    # by the services that draw them (two tables: no single database constraint).
    event_id = models.CharField(
        "Event ID", max_length=EVENT_ID_LENGTH, unique=True, null=True, blank=True
    )
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

    @property
    def is_series(self) -> bool:
        return self.structure == self.Structure.SERIES

    @property
    def is_conference(self) -> bool:
        return self.structure == self.Structure.CONFERENCE

    @property
    def is_home_study(self) -> bool:
        return self.structure == self.Structure.HOME_STUDY

    @property
    def pools_sessions(self) -> bool:
        """True when the designation's maximum is shared by all sessions (not a series)."""
        return self.structure != self.Structure.SERIES

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


class CreditDesignation(models.Model):
    """Credit an activity offers: a credit type and its maximum hours (ACPE: with a UAN)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="designations")
    credit_type = models.ForeignKey(CreditType, on_delete=models.PROTECT, related_name="+")
    max_hours = models.DecimalField(max_digits=5, decimal_places=2)
    uan = models.CharField("ACPE UAN", max_length=24, blank=True)

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
        self.uan = (self.uan or "").strip().upper()
        code = self.credit_type.code if self.credit_type_id else ""
        problem = uan_errors(uan=self.uan, credit_type_code=code)
        if problem:
            errors["uan"] = problem
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
    # The session's own credit amount (a conference's or a series' session); empty for a
    # single program or home study, whose one session carries the designation's maximum.
    credit_hours = models.DecimalField(
        "credit for this session", max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="session_times_order"
            ),
            models.CheckConstraint(
                condition=models.Q(credit_hours__isnull=True) | quarter_step_check("credit_hours"),
                name="session_credit_quarter_steps",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.topic or self.activity.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:program", args=[self.event_id])

    def cap_for(self, designation: "CreditDesignation") -> Decimal:
        """The most one learner may claim of `designation` for this session alone."""
        if self.credit_hours is None:
            return designation.max_hours
        return min(self.credit_hours, designation.max_hours)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = "A session cannot end before it starts."
        if self.credit_hours is not None and not is_quarter_step(self.credit_hours):
            errors["credit_hours"] = "Use a positive number of hours in steps of 0.25 (e.g. 1.25)."
        if errors:
            raise ValidationError(errors)


class SessionUAN(models.Model):
    """A conference session's own ACPE UAN for one designation (ACPE lets each session of
    a conference be its own activity); without one, the designation's UAN applies."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="uans")
    designation = models.ForeignKey(
        CreditDesignation, on_delete=models.CASCADE, related_name="session_uans"
    )
    uan = models.CharField("ACPE UAN", max_length=24)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "designation"], name="session_uan_one_per_designation"
            )
        ]

    def __str__(self) -> str:
        return self.uan

    def clean(self) -> None:
        self.uan = (self.uan or "").strip().upper()
        code = self.designation.credit_type.code if self.designation_id else ""
        if code not in UAN_SUFFIX_FOR_TYPE:
            raise ValidationError({"designation": "Only ACPE credit takes a UAN."})
        problem = uan_errors(uan=self.uan, credit_type_code=code)
        if problem:
            raise ValidationError({"uan": problem})
        if (
            self.session_id
            and self.designation_id
            and self.session.activity_id != self.designation.activity_id
        ):
            raise ValidationError(
                {"designation": "That credit is not on this session's activity."}
            )


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
