from django.conf import settings
from django.db import models

from celedger.activities.models import Activity, Session
from celedger.publishers.models import Publisher


class EvaluationForm(models.Model):
    """A versioned form; a form with responses is copied, never edited in place."""

    publisher = models.ForeignKey(
        Publisher,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="forms",
        help_text="Empty for the standard form shipped with CE Ledger.",
    )
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    # The first version of this form's lineage (itself for version 1).
    lineage = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    is_standard = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Question(models.Model):
    class Kind(models.TextChoices):
        AGREEMENT = "agreement", "Agreement scale (5 points)"
        RATING = "rating", "Rating 1–5"
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"
        YES_NO = "yes_no", "Yes / no"
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"

    form = models.ForeignKey(EvaluationForm, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=500, blank=True)
    required = models.BooleanField(default=True)
    choices = models.JSONField(default=list, blank=True, help_text="For single/multiple choice.")

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["form", "order"], name="question_unique_order")
        ]

    def __str__(self) -> str:
        return self.text


class ActivityEvaluation(models.Model):
    """How an activity is evaluated: a built-in form, an outside form, or none."""

    class Mode(models.TextChoices):
        BUILTIN = "builtin", "Built-in form"
        OUTSIDE = "outside", "Outside form (learner attests completion)"
        NONE = "none", "No evaluation"

    activity = models.OneToOneField(
        Activity, on_delete=models.CASCADE, primary_key=True, related_name="evaluation"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.BUILTIN)
    form = models.ForeignKey(EvaluationForm, null=True, blank=True, on_delete=models.PROTECT)
    outside_url = models.URLField(blank=True)
    per_session = models.BooleanField(
        default=False, help_text="A series evaluates each session; otherwise once per activity."
    )

    def __str__(self) -> str:
        return f"{self.activity}: {self.mode}"

    @staticmethod
    def default_per_session(activity: Activity) -> bool:
        """A series (grand rounds) evaluates each session; anything else once (issue 15)."""
        return activity.format == Activity.Format.RSS


class Response(models.Model):
    """One learner's evaluation of a session (or of the activity, once)."""

    form = models.ForeignKey(
        EvaluationForm, null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evaluation_responses"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="responses")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.CASCADE, related_name="responses"
    )
    outside_attested = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "session"],
                condition=models.Q(session__isnull=False),
                name="response_unique_per_session",
            ),
            models.UniqueConstraint(
                fields=["learner", "activity"],
                condition=models.Q(session__isnull=True),
                name="response_unique_per_activity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.activity}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # Scales and ratings (1-5) in number; yes/no as 1/0; choices and text in text/choices.
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    selected = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.number or self.text or self.selected}"
