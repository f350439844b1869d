"""Reads about tests: the learner's page state, the claim gates (TEAM.md interface 5),
the home-study completion date and the provider's results."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from celedger.accounts.models import User
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.activities.selectors import event_session_key
from celedger.assessments.models import Assessment, Attempt, AttemptAnswer, Item
from celedger.core.cache import cached_found, cached_reference
from celedger.publishers.models import Publisher

Kind = Assessment.Kind


def _items_prefetch() -> Prefetch:
    return Prefetch("items", queryset=Item.objects.prefetch_related("options"))


def active_assessment(
    *, activity: Activity, session: Session | None, kind: str
) -> Assessment | None:
    """The version learners of `session` take: the session's own, else the activity's."""
    scope = Q(session__isnull=True)
    if session is not None:
        scope |= Q(session=session)
    found = list(
        Assessment.objects.filter(scope, activity=activity, kind=kind, is_active=True)
        .select_related("session")
        .prefetch_related(_items_prefetch())
    )
    found.sort(key=lambda a: a.session_id is None)
    return found[0] if found else None


def _scope_passed(*, learner: User, assessment: Assessment) -> QuerySet[Attempt]:
    """Passed attempts on any post-test version for the same activity and session scope."""
    scope = (
        Q(assessment__session__isnull=True)
        if assessment.session_id is None
        else Q(assessment__session_id=assessment.session_id)
    )
    return Attempt.objects.filter(
        scope,
        learner=learner,
        passed=True,
        assessment__activity_id=assessment.activity_id,
        assessment__kind=Kind.POST,
    )


def test_url(*, session: Session, kind: str = Kind.POST) -> str:
    name = "assessments:take" if kind == Kind.POST else "assessments:take_pre"
    return reverse(name, args=[session.event_id])


# --- The learner's page ------------------------------------------------------------


@dataclass
class TestPage:
    session: Session
    activity: Activity
    kind: str
    assessment: Assessment | None
    items: list[Item]
    attempts: list[Attempt]
    passed: Attempt | None
    claim_url: str
    # An active pre-test the learner has not taken (offered before a first post-test try).
    pre_test_url: str = ""

    @property
    def attempts_left(self) -> int:
        if self.assessment is None:
            return 0
        return max(self.assessment.attempts_allowed - len(self.attempts), 0)

    @property
    def next_attempt_no(self) -> int:
        return len(self.attempts) + 1

    @property
    def can_attempt(self) -> bool:
        return bool(
            self.assessment is not None
            and self.items
            and self.passed is None
            and self.attempts_left > 0
        )

    @property
    def out_of_attempts(self) -> bool:
        return self.assessment is not None and self.passed is None and self.attempts_left == 0


def test_page(*, learner: User, session: Session, kind: str) -> TestPage:
    """What the learner's test page shows and allows. Queries: the test with questions and
    options (3), the learner's attempts on it (1), a pass on another version (0-1), an
    untaken pre-test before a first try (0-1)."""
    activity = session.activity
    assessment = active_assessment(activity=activity, session=session, kind=kind)
    attempts: list[Attempt] = []
    passed: Attempt | None = None
    if assessment is not None:
        attempts = list(Attempt.objects.filter(learner=learner, assessment=assessment))
        if kind == Kind.POST:
            passed = next((a for a in attempts if a.passed), None)
            if passed is None:
                passed = _scope_passed(learner=learner, assessment=assessment).first()
    pre_test_url = ""
    if kind == Kind.POST and assessment is not None and not attempts:
        pre = Assessment.objects.filter(
            Q(session__isnull=True) | Q(session=session),
            activity=activity,
            kind=Kind.PRE,
            is_active=True,
        ).exclude(attempts__learner=learner)
        if pre.exists():
            pre_test_url = test_url(session=session, kind=Kind.PRE)
    return TestPage(
        session=session,
        activity=activity,
        kind=kind,
        assessment=assessment,
        items=list(assessment.items.all()) if assessment else [],
        attempts=attempts,
        passed=passed,
        claim_url=reverse("credits:claim", args=[session.event_id]),
        pre_test_url=pre_test_url,
    )


@dataclass
class FeedbackRow:
    item: Item
    chosen: list[str]
    correct_answers: list[str]
    is_correct: bool


@dataclass
class ResultPage:
    page: TestPage
    attempt: Attempt
    rows: list[FeedbackRow]
    show_answers: bool


def result_page(*, learner: User, session: Session, kind: str, attempt_no: int) -> ResultPage:
    """One of the learner's own attempts with the feedback per question; 404 otherwise."""
    page = test_page(learner=learner, session=session, kind=kind)
    attempt = next((a for a in page.attempts if a.attempt_no == attempt_no), None)
    if attempt is None:
        raise Http404
    options = {o.pk: o.text for item in page.items for o in item.options.all()}
    answers = {a.item_id: a for a in AttemptAnswer.objects.filter(attempt=attempt)}
    rows = []
    for item in page.items:
        answer = answers.get(item.pk)
        rows.append(
            FeedbackRow(
                item=item,
                chosen=[options[i] for i in (answer.selected if answer else []) if i in options],
                correct_answers=[o.text for o in item.options.all() if o.is_correct],
                is_correct=bool(answer and answer.is_correct),
            )
        )
    # A pre-test gives no answers away: the post-test is to measure what was learned.
    return ResultPage(page=page, attempt=attempt, rows=rows, show_answers=kind == Kind.POST)


# --- Interface 5: claim gates and the completion date ---------------------------------


@dataclass(frozen=True)
class Gate:
    reason: str
    url: str


def post_test_scopes_key(activity_id: int) -> str:
    return f"activity-post-tests:{activity_id}"


def post_test_scopes(*, activity_id: int) -> list[int | None]:
    """The sessions (None: the whole activity) that an active post-test covers; cached,
    dropped when an assessment is saved or deleted (`assessments/apps.py`)."""

    def build() -> list[int | None]:
        return list(
            Assessment.objects.filter(
                activity_id=activity_id, kind=Kind.POST, is_active=True
            ).values_list("session_id", flat=True)
        )

    return cached_reference(post_test_scopes_key(activity_id), build)


def claim_gates(
    *,
    learner: User,
    activity: Activity,
    designations: Iterable[CreditDesignation],
    session: Session | None = None,
) -> dict[int, Gate]:
    """Designations (by id) the learner cannot claim yet because the post-test that gates
    them is not passed; empty when nothing waits. Queries: none when the activity has no
    active post-test for the session (cached, `post_test_scopes`); else 2-4."""
    scopes = post_test_scopes(activity_id=activity.pk)
    if not any(scope is None or (session and scope == session.pk) for scope in scopes):
        return {}
    assessment = (
        Assessment.objects.filter(activity=activity, kind=Kind.POST, is_active=True)
        .filter(
            Q(session__isnull=True) | Q(session=session) if session else Q(session__isnull=True)
        )
        .order_by(F("session_id").asc(nulls_last=True))
        .first()
    )
    if assessment is None:
        return {}
    wanted = {d.pk for d in designations}
    gated = set(assessment.gated_designations.filter(pk__in=wanted).values_list("pk", flat=True))
    if not gated or _scope_passed(learner=learner, assessment=assessment).exists():
        return {}
    target = session or Session.objects.filter(activity=activity).order_by("starts_at").first()
    url = test_url(session=target) if target else ""
    used = Attempt.objects.filter(learner=learner, assessment=assessment).count()
    if used >= assessment.attempts_allowed:
        reason = (
            f"Needs a passed post-test: you used all {assessment.attempts_allowed} attempts. "
            f"Contact {activity.publisher.name} if you think this is wrong."
        )
    else:
        reason = f"Pass the post-test ({assessment.pass_percent}% or more) to claim this credit."
    return {pk: Gate(reason=reason, url=url) for pk in gated}


def assessment_completed_on(*, learner: User, activity: Activity) -> datetime.date | None:
    """The day (publisher's time zone) the learner first passed a post-test of `activity`,
    or None: then the attestation date is the completion date (home study without a test)."""
    value = Attempt.objects.filter(
        learner=learner, passed=True, assessment__activity=activity, assessment__kind=Kind.POST
    ).aggregate(first=Min("completed_on"))["first"]
    return value  # type: ignore[no-any-return]


# --- Console -------------------------------------------------------------------------


def assessments_for_activity(*, activity: Activity) -> list[Assessment]:
    """Every version of the activity's tests with question, attempt and learner counts."""
    return list(
        Assessment.objects.filter(activity=activity)
        .select_related("session")
        .annotate(
            item_count=Count("items", distinct=True),
            attempt_count=Count("attempts", distinct=True),
            learner_count=Count("attempts__learner", distinct=True),
        )
        .order_by("kind", "session_id", "lineage_id", "-version")
    )


def assessment_get_for_staff(*, activity: Activity, pk: int) -> Assessment:
    """A test of this activity (the caller checked the staff member's access), else 404."""
    assessment = (
        Assessment.objects.filter(activity=activity, pk=pk)
        .select_related("session")
        .prefetch_related(_items_prefetch(), "gated_designations__credit_type")
        .annotate(attempt_count=Count("attempts"))
        .first()
    )
    if assessment is None:
        raise Http404
    assessment.activity = activity
    return assessment


def item_get_for_staff(*, assessment: Assessment, pk: int) -> Item:
    item = Item.objects.filter(assessment=assessment, pk=pk).first()
    if item is None:
        raise Http404
    item.assessment = assessment
    return item


@dataclass
class ItemResult:
    item: Item
    answered: int
    correct: int
    pre_answered: int | None = None
    pre_correct: int | None = None

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0

    @property
    def pre_percent(self) -> int | None:
        if not self.pre_answered or self.pre_correct is None:
            return None
        return round(100 * self.pre_correct / self.pre_answered)

    @property
    def change(self) -> int | None:
        pre = self.pre_percent
        return None if pre is None or not self.answered else self.percent - pre


@dataclass
class LearnerResult:
    learner_id: int
    name: str
    email: str
    attempts: int = 0
    best_percent: int = 0
    passed_on: datetime.date | None = None
    pre_percent: int | None = None


@dataclass
class ResultsPage:
    post: Assessment | None
    pre: Assessment | None
    items: list[ItemResult]
    learners: list[LearnerResult]
    learners_passed: int
    first_attempts: int = 0
    versions: list[Assessment] = field(default_factory=list)


def _first_attempt_tally(assessment_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Per question: (answered, correct) over learners' first attempts only, before any
    feedback revealed the answers."""
    tally: dict[int, tuple[int, int]] = {}
    rows = (
        AttemptAnswer.objects.filter(
            attempt__assessment_id__in=assessment_ids, attempt__attempt_no=1
        )
        .values_list("item_id")
        .annotate(n=Count("id"), right=Count("id", filter=Q(is_correct=True)))
        .order_by()
    )
    for item_id, n, right in rows:
        tally[item_id] = (n, right)
    return tally


def results_page(*, activity: Activity) -> ResultsPage:
    """Percent correct per post-test question (first attempts), the pre-test's percent for
    the same question text, and every learner's attempts. Queries: versions (1), questions
    (1), two tallies (2), attempts with learner names (1) — five, whatever the numbers."""
    versions = assessments_for_activity(activity=activity)
    post = next((a for a in versions if a.kind == Kind.POST and a.is_active), None) or next(
        (a for a in versions if a.kind == Kind.POST), None
    )
    pre = next((a for a in versions if a.kind == Kind.PRE and a.is_active), None) or next(
        (a for a in versions if a.kind == Kind.PRE), None
    )
    shown = [a.pk for a in (post, pre) if a is not None]
    items = list(Item.objects.filter(assessment_id__in=shown).order_by("order"))
    tally = _first_attempt_tally(shown)
    pre_by_text = {
        i.text.strip().lower(): tally.get(i.pk, (0, 0))
        for i in items
        if pre is not None and i.assessment_id == pre.pk
    }
    results = []
    for item in items:
        if post is None or item.assessment_id != post.pk:
            continue
        answered, correct = tally.get(item.pk, (0, 0))
        row = ItemResult(item=item, answered=answered, correct=correct)
        pre_counts = pre_by_text.get(item.text.strip().lower())
        if pre_counts is not None:
            row.pre_answered, row.pre_correct = pre_counts
        results.append(row)

    learners: dict[int, LearnerResult] = {}
    first_attempts = 0
    for attempt in (
        Attempt.objects.filter(assessment__activity=activity)
        .values(
            "learner_id",
            "learner__email",
            "learner__profile__first_name",
            "learner__profile__last_name",
            "assessment__kind",
            "attempt_no",
            "score_percent",
            "passed",
            "completed_on",
        )
        .order_by("learner__profile__last_name", "learner__email", "submitted_at")
    ):
        lid = attempt["learner_id"]
        person = learners.get(lid)
        if person is None:
            name = " ".join(
                p
                for p in (
                    attempt["learner__profile__first_name"],
                    attempt["learner__profile__last_name"],
                )
                if p
            )
            person = learners[lid] = LearnerResult(
                learner_id=lid, name=name, email=attempt["learner__email"]
            )
        if attempt["assessment__kind"] == Kind.PRE:
            person.pre_percent = attempt["score_percent"]
            continue
        person.attempts += 1
        first_attempts += attempt["attempt_no"] == 1
        person.best_percent = max(person.best_percent, attempt["score_percent"])
        if attempt["passed"] and person.passed_on is None:
            person.passed_on = attempt["completed_on"]
    return ResultsPage(
        post=post,
        pre=pre,
        items=results,
        learners=list(learners.values()),
        learners_passed=sum(1 for r in learners.values() if r.passed_on),
        first_attempts=first_attempts,
        versions=versions,
    )


EXPORT_HEAD = [
    "Learner",
    "Email",
    "Test",
    "Kind",
    "Version",
    "Attempt",
    "Submitted at",
    "Completed on",
    "Correct",
    "Questions",
    "Score (%)",
    "Passed",
]


def export_rows(*, activity: Activity) -> Iterator[list[str | int]]:
    """Every attempt of the activity's tests, one row each, streamed in one query; the
    views write them with `celedger.core.spreadsheets` (formula-safe cells)."""
    rows = (
        Attempt.objects.filter(assessment__activity=activity)
        .order_by("assessment__kind", "learner__email", "submitted_at")
        .values_list(
            "learner__profile__first_name",
            "learner__profile__last_name",
            "learner__email",
            "assessment__title",
            "assessment__kind",
            "assessment__version",
            "attempt_no",
            "submitted_at",
            "completed_on",
            "correct",
            "total",
            "score_percent",
            "passed",
        )
    )
    labels = dict(Kind.choices)
    for (
        first,
        last,
        email,
        title,
        kind,
        version,
        no,
        at,
        on,
        right,
        total,
        pct,
        ok,
    ) in rows.iterator(chunk_size=2000):
        yield [
            f"{first or ''} {last or ''}".strip(),
            email,
            title,
            labels.get(kind, kind),
            version,
            no,
            at.isoformat(timespec="seconds"),
            on.isoformat(),
            right,
            total,
            pct,
            ("yes" if ok else "no") if kind == Kind.POST else "",
        ]


def session_get_for_learner(*, event_id: str) -> Session:
    """A session of a published (or closed) activity by its stored Event ID; else 404.
    Cached by Event ID (`activities.selectors.event_session_key`)."""
    session = cached_found(
        event_session_key(event_id, "learner"),
        lambda: (
            Session.objects.select_related("activity", "activity__publisher")
            .filter(event_id=event_id)
            .exclude(activity__status=Activity.Status.DRAFT)
            .first()
        ),
    )
    if session is None:
        raise Http404
    return session


@dataclass
class OverviewRow:
    activity: Activity
    tests: list[Assessment]


def overview_for_publisher(*, publisher: Publisher) -> list[OverviewRow]:
    """The publisher's activities with their tests (two queries)."""
    listed = list(Activity.objects.filter(publisher=publisher).order_by("-starts_on", "title"))
    by_activity: dict[int, list[Assessment]] = defaultdict(list)
    for assessment in (
        Assessment.objects.filter(activity__in=[a.pk for a in listed])
        .annotate(attempt_count=Count("attempts"))
        .order_by("kind", "-version")
    ):
        by_activity[assessment.activity_id].append(assessment)
    return [OverviewRow(activity=a, tests=by_activity.get(a.pk, [])) for a in listed]
