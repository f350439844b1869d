from decimal import Decimal

from django.db import models


class Profession(models.Model):
    """Physician, Nurse, Pharmacist, ... (Joint Accreditation professions)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Credential(models.Model):
    """A post-nominal (MD, RN, PharmD, CPhT ...) and the profession it implies."""

    abbreviation = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    profession = models.ForeignKey(
        Profession, on_delete=models.PROTECT, related_name="credentials"
    )
    # A degree such as PhD or MS says nothing about the profession (a PhD may be a chemist,
    # a nurse or a psychologist): credit then follows the profession the learner chose.
    implies_profession = models.BooleanField(
        default=True,
        db_default=True,
        help_text="Off for degrees that do not decide a profession (PhD, MS, MPH …).",
    )

    class Meta:
        ordering = ["abbreviation"]

    def __str__(self) -> str:
        return self.abbreviation


class Board(models.Model):
    """An ABMS member board that takes MOC completions through ACCME (PARS)."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=200)
    reports_through_pars = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class CreditType(models.Model):
    """A kind of credit (AMA PRA Category 1 Credit™, ANCC contact hours, ACPE, MOC ...),
    with the accreditor's rules for claiming it (docs/credits.md cites each)."""

    class PartialCredit(models.TextChoices):
        # AMA PRA: "commensurate with the extent of their participation".
        LEARNER_CHOOSES = "learner_chooses", "Learner claims any amount up to the maximum"
        # ANCC: the contact hours of the sessions attended, no lower amount.
        SESSIONS_ATTENDED = "sessions_attended", "Sum of the sessions attended"
        # ACPE (the UAN's hours), ABP MOC: all of the designated amount or none.
        NOT_ALLOWED = "not_allowed", "Only the full designated amount"

    class PostTest(models.TextChoices):
        NEVER = "never", "Not required"
        ALWAYS = "always", "Always required"
        HOME_STUDY = "home_study", "Required for home study / enduring formats"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=60)
    unit_singular = models.CharField(
        max_length=60,
        default="hour",
        db_default="hour",
        help_text='The unit after "1", e.g. "contact hour".',
    )
    unit = models.CharField(
        "unit (plural)",
        max_length=60,
        default="hours",
        help_text='The unit after any other amount, e.g. "contact hours", "MOC points".',
    )
    partial_credit = models.CharField(
        max_length=20,
        choices=PartialCredit.choices,
        default=PartialCredit.LEARNER_CHOOSES,
        db_default=PartialCredit.LEARNER_CHOOSES,
    )
    post_test = models.CharField(
        "passed post-test needed",
        max_length=12,
        choices=PostTest.choices,
        default=PostTest.NEVER,
        db_default=PostTest.NEVER,
    )
    accreditor = models.CharField(max_length=60)
    designation_statement = models.TextField(
        blank=True, help_text="Default wording; {provider} and {amount} are filled in."
    )
    professions = models.ManyToManyField(Profession, related_name="credit_types", blank=True)
    # MOC points are per board; only diplomates of that board who consent receive them.
    board = models.ForeignKey(Board, null=True, blank=True, on_delete=models.PROTECT)
    # ACPE needs the NABP e-Profile ID and birth MMDD for CPE Monitor.
    requires_nabp = models.BooleanField(default=False)
    # IPCE credit goes to anyone on a team-planned activity.
    is_ipce = models.BooleanField(default=False)
    # Certificate of participation: anyone without a profession-specific type.
    is_participation = models.BooleanField(default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def allows_partial(self) -> bool:
        """May the learner claim less than the sessions they attended add up to?"""
        return self.partial_credit == self.PartialCredit.LEARNER_CHOOSES

    @property
    def allows_session_subset(self) -> bool:
        """May a learner claim for some of a designation's sessions only?"""
        return self.partial_credit != self.PartialCredit.NOT_ALLOWED

    def needs_passed_post_test(self, *, home_study: bool) -> bool:
        """Whether a passed post-test gates this credit (home_study: the activity's format is
        enduring, internet enduring or journal-based, i.e. ACPE's "H")."""
        if self.post_test == self.PostTest.ALWAYS:
            return True
        return self.post_test == self.PostTest.HOME_STUDY and home_study

    def unit_for(self, amount: Decimal) -> str:
        return self.unit_singular if amount == 1 else self.unit


class Specialty(models.Model):
    """A specialty; a row with a parent is a sub-specialty of it."""

    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="subspecialties"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"
        constraints = [
            models.UniqueConstraint(fields=["name", "parent"], name="specialty_unique_in_parent")
        ]

    def __str__(self) -> str:
        return self.name
