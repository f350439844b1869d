import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from celedger.accreditation.models import CreditType, Profession
from celedger.accreditation.phrases import credit_amount_phrase
from celedger.accreditation.uan import UanError, provider_numbers, uan_check, uan_parse
from celedger.core.decimals import is_quarter_step, quarter_step_check
from celedger.publishers.models import Publisher

# Event IDs: 6 characters without look-alikes (no I, L, O, 0, 1).
EVENT_ID_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
EVENT_ID_LENGTH = 6
# Learners may say "I'm here" from a little before a session starts until it ends.
CHECK_IN_EARLY = datetime.timedelta(minutes=30)

# ACPE UAN (celedger.accreditation.uan): the P/T letter each ACPE credit type needs.
UAN_SUFFIX_FOR_TYPE = {"acpe-p": "P", "acpe-t": "T"}

# ACPE's L (live, including live webinars) or H (home study) for each activity format
# (Activity.Format values); "other" is not known, so either letter is accepted.
ACPE_HOME_STUDY: dict[str, bool] = {
    "live": False,
    "rss": False,
    "internet_live": False,
    "enduring": True,
    "journal": True,
}


def uan_normalized(uan: str) -> str:
    """The UAN as stored (capitals, dashes) when it parses, else as typed, trimmed."""
    try:
        return str(uan_parse(uan))
    except UanError:
        return (uan or "").strip().upper()


def uan_errors(
    *, uan: str, credit_type_code: str, activity: "Activity | None" = None
) -> str | None:
    """What is wrong with `uan` for a credit type ("" is fine for non-ACPE types), naming
    the wrong part; with `activity`, also its publisher's ACPE/JA number and its format."""
    audience = UAN_SUFFIX_FOR_TYPE.get(credit_type_code)
    if not audience:
        return "Only ACPE credit takes a UAN; leave this empty." if uan.strip() else None
    if not uan.strip():
        return "ACPE credit needs its UAN."
    try:
        parsed = uan_parse(uan)
    except UanError as error:
        return str(error)
    publisher = activity.publisher if activity is not None and activity.publisher_id else None
    problems = uan_check(
        parsed,
        allowed_providers=provider_numbers(
            acpe_provider_number=publisher.acpe_provider_number,
            ja_provider_id=publisher.accme_provider_id,
        )
        if publisher
        else None,
        home_study=ACPE_HOME_STUDY.get(activity.format) if activity is not None else None,
        audience=audience,
    )
    return " ".join(problems) or None


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
    uan = models.CharField("ACPE UAN", max_length=32, blank=True)

    class AcpeActivityType(models.TextChoices):
        KNOWLEDGE = "knowledge", "Knowledge-based"
        APPLICATION = "application", "Application-based"
        CERTIFICATE = "certificate", "Certificate program"

    acpe_activity_type = models.CharField(
        "ACPE activity type",
        max_length=12,
        choices=AcpeActivityType.choices,
        blank=True,
        db_default="",
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
        self.uan = uan_normalized(self.uan)
        code = self.credit_type.code if self.credit_type_id else ""
        activity = (
            self.activity
            if self.activity_id or type(self).activity.is_cached(self)  # type: ignore[attr-defined]
            else None
        )
        problem = uan_errors(uan=self.uan, credit_type_code=code, activity=activity)
        if problem:
            errors["uan"] = problem
        if code in UAN_SUFFIX_FOR_TYPE:
            if not self.acpe_activity_type:
                errors["acpe_activity_type"] = (
                    "Choose the ACPE activity type (knowledge, application or certificate "
                    "program)."
                )
            if "uan" not in errors and self.pk and not self.uan_correction:
                # Claims carry the UAN to CPE Monitor: changing it is a correction
                # (certificates.services.designation_uan_correct), audited, never an edit.
                before = (
                    type(self).objects.filter(pk=self.pk).values_list("uan", flat=True).first()
                )
                if before and before != self.uan and self.claims.filter(status="active").exists():
                    errors["uan"] = (
                        f"Pharmacists have claimed credit under {before}: the UAN cannot be "
                        "edited. Ask an admin to correct it (the correction is audited and "
                        "re-issues their certificates)."
                    )
        else:
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

    def credit_phrase(self, designations: Iterable["CreditDesignation"]) -> str:
        """What this session offers of each designation, in its unit words ("1.5 AMA PRA
        Category 1 Credits™ · 1.5 ABIM Medical Knowledge MOC points")."""
        return " · ".join(
            credit_amount_phrase(d.credit_type, self.cap_for(d)) for d in designations
        )

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
    uan = models.CharField("ACPE UAN", max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "designation"], name="session_uan_one_per_designation"
            )
        ]

    def __str__(self) -> str:
        return self.uan

    def clean(self) -> None:
        self.uan = uan_normalized(self.uan)
        code = self.designation.credit_type.code if self.designation_id else ""
        if code not in UAN_SUFFIX_FOR_TYPE:
            raise ValidationError({"designation": "Only ACPE credit takes a UAN."})
        problem = uan_errors(
            uan=self.uan,
            credit_type_code=code,
            activity=self.session.activity if self.session_id else None,
        )
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
