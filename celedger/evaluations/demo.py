"""Demo evaluations (`manage.py seed_demo`): the standard form on every demo activity
without a setup, and a few answers from the demo nurse and pharmacist on sessions that
already happened. Safe to run again."""

from django.utils import timezone

from celedger.accounts.models import User
from celedger.activities.models import Activity, Attendance, Session
from celedger.evaluations.models import ActivityEvaluation, EvaluationForm, Question, Response
from celedger.evaluations.services import response_submit

# The demo physician (learner@example.org) is left to walk through the evaluation.
RESPONDENTS = {
    "nurse@example.org": (5, "yes", "Start the sepsis bundle checklist at triage."),
    "pharmacist@example.org": (4, "no", ""),
}


def _answers(form: EvaluationForm, score: int, change: str, plan: str) -> dict[int, object]:
    answers: dict[int, object] = {}
    for q in form.questions.all():
        if q.kind in (Question.Kind.AGREEMENT, Question.Kind.RATING):
            answers[q.pk] = score
        elif q.kind == Question.Kind.YES_NO:
            answers[q.pk] = 1 if change == "yes" else 0
        elif q.kind == Question.Kind.MULTIPLE:
            answers[q.pk] = q.choices[:1]
        elif q.kind == Question.Kind.LONG_TEXT and q.order == 5:
            answers[q.pk] = plan
    return answers


def evaluate(*, learner: User, session: Session) -> None:
    """The learner's evaluation where the session's activity asks for one (per session or
    once for the activity), so a demo claim awarded after it carries no "Not evaluated"
    flag on the roster. Nothing when it is answered already or none is asked for."""
    setup = ActivityEvaluation.objects.filter(activity_id=session.activity_id).first()
    if setup is None or setup.mode != ActivityEvaluation.Mode.BUILTIN or setup.form is None:
        return
    target = session if setup.per_session else None
    if Response.objects.filter(
        learner=learner, activity_id=session.activity_id, session=target
    ).exists():
        return
    response_submit(
        learner=learner,
        activity=session.activity,
        session=target,
        form=setup.form,
        answers=_answers(setup.form, 5, "yes", "Use it on the ward this month."),
    )


def seed() -> list[str]:
    standard = EvaluationForm.objects.filter(is_standard=True).first()
    if standard is None:
        return []
    lines: list[str] = []
    attached = 0
    for activity in Activity.objects.filter(evaluation__isnull=True):
        ActivityEvaluation.objects.create(
            activity=activity,
            mode=ActivityEvaluation.Mode.BUILTIN,
            form=standard,
            per_session=ActivityEvaluation.default_per_session(activity),
        )
        attached += 1
    if attached:
        lines.append(f"Evaluations: standard form attached to {attached} activities.")

    learners = {u.email: u for u in User.objects.filter(email__in=RESPONDENTS)}
    past = (
        Session.objects.filter(
            starts_at__lt=timezone.now(),
            activity__evaluation__mode=ActivityEvaluation.Mode.BUILTIN,
        )
        .select_related("activity__evaluation__form")
        .order_by("-starts_at")[:3]
    )
    created = 0
    for session in past:
        setup = session.activity.evaluation
        if setup.form is None:
            continue
        # A series is evaluated per session, anything else once for the activity.
        target = session if setup.per_session else None
        for email, (score, change, plan) in RESPONDENTS.items():
            learner = learners.get(email)
            answered = Response.objects.filter(
                learner=learner, activity=session.activity, session=target
            )
            if learner is None or answered.exists():
                continue
            Attendance.objects.get_or_create(session=session, learner=learner)
            response_submit(
                learner=learner,
                activity=session.activity,
                session=target,
                form=setup.form,
                answers=_answers(setup.form, score, change, plan),
            )
            created += 1
    if created:
        lines.append(f"Evaluations: {created} demo responses.")
    return lines
