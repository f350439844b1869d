"""Pre- and post-tests of an activity (or one session), their questions and learners'
attempts. A test with attempts is kept as answered: it is copied to change it."""

from django.conf import settings
from django.db import models

from celedger.activities.models import Activity, CreditDesignation, Session


class Assessment(models.Model):
    """One version of a pre-test (ungraded) or post-test (pass mark, attempts allowed)."""

    class Kind(models.TextChoices):
        PRE = "pre", "Pre-test (not graded)"
        POST = "post", "Post-test"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="assessments")
    # Empty: the test is the whole activity's; set: only that session's learners take it.
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="assessments"
    )
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.POST)
    title = models.CharField(max_length=200)
    pass_percent = models.PositiveSmallIntegerField(
        "pass mark (%)", default=70, help_text="The share of questions a learner must get right."
    )
    attempts_allowed = models.PositiveSmallIntegerField(default=3)
    version = models.PositiveIntegerField(default=1)
    # The first version of this test's lineage (itself for version 1).
    lineage = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    # Learners take the active version; a copy stays a draft until it is made active.
    is_active = models.BooleanField(default=False)
    # Credit that needs this post-test passed before it can be claimed.
    gated_designations = models.ManyToManyField(
        CreditDesignation, blank=True, related_name="gating_assessments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_percent__gte=1, pass_percent__lte=100),
                name="assessment_pass_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(attempts_allowed__gte=1, attempts_allowed__lte=50),
                name="assessment_attempts_range",
            ),
            models.UniqueConstraint(
                fields=["activity", "kind"],
                condition=models.Q(is_active=True, session__isnull=True),
                name="assessment_one_active_per_activity",
            ),
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=models.Q(is_active=True, session__isnull=False),
                name="assessment_one_active_per_session",
            ),
            models.UniqueConstraint(
                fields=["lineage", "version"], name="assessment_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def is_graded(self) -> bool:
        return self.kind == self.Kind.POST


class Item(models.Model):
    """A question of a test, with the feedback shown after submitting (the "why")."""

    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice (one correct answer)"
        MULTIPLE = "multiple", "Multiple choice (all correct answers)"
        TRUE_FALSE = "true_false", "True / false"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    text = models.CharField("question", max_length=1000)
    feedback = models.TextField(
        "why (feedback)", help_text="Shown with the correct answer after the learner submits."
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "order"], name="item_unique_order")
        ]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "order"], name="option_unique_order")
        ]

    def __str__(self) -> str:
        return self.text


class Attempt(models.Model):
    """One submitted attempt; numbered per learner and test version, never replaced."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_attempts"
    )
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="attempts")
    attempt_no = models.PositiveSmallIntegerField()
    correct = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    score_percent = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    submitted_at = models.DateTimeField()
    # The learner's completion date in the publisher's time zone (home-study credit date).
    completed_on = models.DateField()

    class Meta:
        ordering = ["assessment_id", "attempt_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "assessment", "attempt_no"], name="attempt_unique_number"
            ),
            models.CheckConstraint(
                condition=models.Q(attempt_no__gte=1), name="attempt_number_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(correct__lte=models.F("total")), name="attempt_correct_le_total"
            ),
        ]
        indexes = [models.Index(fields=["assessment", "learner"])]

    def __str__(self) -> str:
        return (
            f"{self.learner_id} #{self.attempt_no} on {self.assessment_id}: {self.score_percent}%"
        )


class AttemptAnswer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    # The option ids the learner ticked (a list: one query writes a whole attempt).
    selected = models.JSONField(default=list, blank=True)
    is_correct = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attempt", "item"], name="attempt_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.item_id}: {self.is_correct}"
