"""ACCME Standards for Integrity and Independence (2020): who controls content, what they
disclosed, how relevant relationships were mitigated, commercial support, planning.

Disclosures, reviews and overrides are records an accreditor audits: nothing here is
deleted by the app (PROTECT on the way up), see docs/integrity.md.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower

from celedger.activities.models import Activity, Session
from celedger.core.files import private_storage_get, private_upload_to
from celedger.publishers.models import Publisher

DEFAULT_VALID_MONTHS = 12
DEFAULT_REMINDER_DAYS = 30
# Standard 3.1: "all their financial relationships ... within the prior 24 months".
LOOKBACK_MONTHS = 24


def content_role_token() -> str:
    # 256 random bits: the emailed link alone opens the disclosure form for that address.
    return secrets.token_urlsafe(32)


def agreement_upload_to(instance: "CommercialSupport", filename: str) -> str:
    # Kept for migration 0001; agreements now live in the private storage (core.files).
    return f"private/integrity/agreements/{secrets.token_urlsafe(24)}.pdf"


class IntegrityPolicy(models.Model):
    """A publisher's settings for disclosures: how long one stays valid, when to remind."""

    publisher = models.OneToOneField(
        Publisher, on_delete=models.CASCADE, related_name="integrity_policy"
    )
    disclosure_valid_months = models.PositiveSmallIntegerField(
        default=DEFAULT_VALID_MONTHS,
        help_text="A disclosure is reused for every activity during this many months.",
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        default=DEFAULT_REMINDER_DAYS,
        help_text="Remind people this many days before their disclosure expires.",
    )

    class Meta:
        verbose_name_plural = "integrity policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(disclosure_valid_months__gte=1, disclosure_valid_months__lte=24),
                name="policy_valid_months_1_24",
            )
        ]

    def __str__(self) -> str:
        return f"{self.publisher_id}: {self.disclosure_valid_months} months"


class Disclosure(models.Model):
    """One person's disclosure to one publisher, valid from submission to `valid_until`
    and reused across that publisher's activities. A newer one supersedes it."""

    class OwnerException(models.TextChoices):
        # Standard 3.2's three exceptions, in its own order (docs/integrity.md).
        NONE = "", "No exception applies"
        UNRELATED = (
            "unrelated",
            "The content is not related to the company's business lines or products",
        )
        BASIC_SCIENCE = (
            "basic_science",
            "The content is limited to basic science research or research methodology, "
            "with no care recommendations",
        )
        DEVICE_TECHNICIAN = (
            "device_technician",
            "A technician teaching the safe and proper use of a medical device, "
            "not recommending whether or when it is used",
        )

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disclosures"
    )
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="disclosures")
    has_relationships = models.BooleanField()
    is_owner_or_employee = models.BooleanField(
        "owner or employee of an ineligible company", default=False
    )
    owner_company = models.CharField(max_length=200, blank=True)
    owner_exception = models.CharField(
        max_length=20, choices=OwnerException.choices, blank=True, default=""
    )
    attested_at = models.DateTimeField()
    submitted_at = models.DateTimeField()
    valid_until = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["person", "publisher", "-valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_owner_or_employee=True) | Q(owner_exception=""),
                name="disclosure_exception_only_for_owners",
            ),
            models.CheckConstraint(
                condition=Q(is_owner_or_employee=False) | ~Q(owner_company=""),
                name="disclosure_owner_names_company",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.publisher_id} until {self.valid_until}"

    def is_current(self, on: datetime.date) -> bool:
        return self.valid_until >= on

    @property
    def is_excluded(self) -> bool:
        """Standard 3.2: an owner or employee may not take a role unless an exception applies."""
        return self.is_owner_or_employee and not self.owner_exception


class FinancialRelationship(models.Model):
    """A financial relationship with an ineligible company, as disclosed (Standard 3.1)."""

    class Nature(models.TextChoices):
        # Standard 3.1b's examples.
        EMPLOYEE = "employee", "Employee"
        RESEARCHER = "researcher", "Researcher"
        CONSULTANT = "consultant", "Consultant"
        ADVISOR = "advisor", "Advisor"
        SPEAKER = "speaker", "Speaker"
        CONTRACTOR = "contractor", "Independent contractor (including contracted research)"
        ROYALTIES = "royalties", "Royalties or patent beneficiary"
        EXECUTIVE = "executive", "Executive role"
        OWNERSHIP = "ownership", "Ownership interest (stocks, stock options)"
        OTHER = "other", "Other"

    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, related_name="relationships"
    )
    company = models.CharField("ineligible company", max_length=200)
    nature = models.CharField(max_length=20, choices=Nature.choices)
    nature_other = models.CharField("nature (other)", max_length=200, blank=True)
    has_ended = models.BooleanField("the relationship has ended", default=False)

    class Meta:
        ordering = ["company", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(company=""), name="relationship_names_company"),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.get_nature_display()})"

    @property
    def nature_text(self) -> str:
        if self.nature == self.Nature.OTHER and self.nature_other:
            return self.nature_other
        return str(self.get_nature_display())


class ContentRole(models.Model):
    """A person in control of an activity's (or one session's) content, invited by email;
    the account is linked when they open the emailed link with that address verified."""

    class Role(models.TextChoices):
        PLANNER = "planner", "Planner"
        FACULTY = "faculty", "Faculty"
        REVIEWER = "reviewer", "Reviewer"
        MODERATOR = "moderator", "Moderator"
        COMMITTEE = "committee", "Committee member"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="content_roles")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.PROTECT, related_name="content_roles"
    )
    role = models.CharField(max_length=12, choices=Role.choices)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    profession = models.CharField(
        max_length=100, blank=True, help_text="For IPCE: the profession this planner represents."
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="content_roles",
    )
    token = models.CharField(
        max_length=64, unique=True, default=content_role_token, editable=False
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    invited_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "activity",
                "role",
                Coalesce("session", 0),
                condition=Q(removed_at__isnull=True),
                name="content_role_unique_open",
                violation_error_message="This person already has this role here.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}) @ {self.activity_id}"


class RelationshipReview(models.Model):
    """A coordinator's finding on one disclosed relationship for one role: relevant to this
    content or not, and if relevant the mitigation steps taken (Standard 3.3, 3.4)."""

    class Mitigation(models.TextChoices):
        PEER_REVIEW = "peer_review", "Peer review of the content"
        EVIDENCE = "evidence", "Attestation that the content is evidence-based"
        DIVESTMENT = "divestment", "Divestment of the relationship"
        RECUSAL = "recusal", "Recusal from controlling the related content"
        OTHER = "other", "Other"

    content_role = models.ForeignKey(ContentRole, on_delete=models.PROTECT, related_name="reviews")
    relationship = models.ForeignKey(
        FinancialRelationship, on_delete=models.PROTECT, related_name="reviews"
    )
    is_relevant = models.BooleanField()
    mitigations = models.JSONField(default=list, blank=True)
    mitigation_other = models.CharField(max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_role", "relationship"], name="review_one_per_role_relationship"
            ),
        ]

    def __str__(self) -> str:
        return f"review {self.content_role_id}/{self.relationship_id}"

    @property
    def is_mitigated(self) -> bool:
        return not self.is_relevant or bool(self.mitigations)

    def mitigation_labels(self) -> list[str]:
        labels = dict(self.Mitigation.choices)
        out = [str(labels[m]) for m in self.mitigations if m in labels and m != "other"]
        if "other" in self.mitigations:
            out.append(self.mitigation_other or "Other")
        return out


class GateOverride(models.Model):
    """Publishing despite missing disclosures or mitigations: who, when and why (audited)."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="gate_overrides")
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="override_has_reason"),
        ]

    def __str__(self) -> str:
        return f"override {self.activity_id} at {self.created_at}"


class CommercialSupport(models.Model):
    """Financial or in-kind support from an ineligible company (Standard 4), with the
    signed written agreement; disclosed to learners."""

    class Kind(models.TextChoices):
        MONETARY = "monetary", "Monetary"
        IN_KIND = "in_kind", "In-kind"

    activity = models.ForeignKey(
        Activity, on_delete=models.PROTECT, related_name="commercial_supports"
    )
    supporter = models.CharField("supporter (ineligible company)", max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.DecimalField(
        "amount (USD)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    in_kind_description = models.CharField(max_length=300, blank=True)
    # Private storage, unguessable name free of the original (which may name a person):
    # served only by the access-checked support_agreement_view.
    agreement = models.FileField(
        storage=private_storage_get,
        upload_to=private_upload_to("integrity/agreements"),
        max_length=200,
    )
    agreement_signed_on = models.DateField("agreement signed on")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["supporter", "pk"]
        verbose_name_plural = "commercial support"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="monetary") | Q(amount__gt=0),
                name="support_monetary_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="support_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supporter} ({self.kind})"


class PlanningRecord(models.Model):
    """What an accreditor's activity file needs about planning (ACCME Criteria 2–11 core)."""

    activity = models.OneToOneField(
        Activity, on_delete=models.PROTECT, related_name="planning_record"
    )
    practice_gap = models.TextField("professional practice gap", blank=True)
    gap_sources = models.TextField("sources that identify the gap", blank=True)
    needs = models.TextField("educational needs (knowledge, competence, performance)", blank=True)
    changes_competence = models.BooleanField("competence", default=False)
    changes_performance = models.BooleanField("performance", default=False)
    changes_patient_outcomes = models.BooleanField("patient outcomes", default=False)
    evaluation_of_change = models.TextField("how change is evaluated", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"planning {self.activity_id}"

    def desired_changes(self) -> list[str]:
        out = []
        if self.changes_competence:
            out.append("competence")
        if self.changes_performance:
            out.append("performance")
        if self.changes_patient_outcomes:
            out.append("patient outcomes")
        return out
