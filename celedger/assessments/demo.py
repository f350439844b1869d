"""Demo test (`manage.py seed_demo`): the demo home-study course gets an active post-test
that gates its ACPE (and any MOC) credit by default. Safe to run again."""

from celedger.activities import demo as activities_demo
from celedger.activities.models import Activity
from celedger.assessments import services
from celedger.assessments.models import Assessment, Item

QUESTIONS: list[tuple[str, str, list[tuple[str, bool]], str]] = [
    (
        Item.Kind.SINGLE,
        "What dose does one spray of the FDA-approved naloxone nasal spray deliver?",
        [("0.4 mg", False), ("2 mg", False), ("4 mg", True)],
        "The over-the-counter nasal spray (Narcan) delivers 4 mg per spray; 0.4 mg is a "
        "typical intravenous or intramuscular starting dose (FDA labeling).",
    ),
    (
        Item.Kind.MULTIPLE,
        "Which findings suggest opioid toxicity?",
        [
            ("Pinpoint pupils", True),
            ("Slow or shallow breathing", True),
            ("Unresponsiveness", True),
            ("Dilated pupils and agitation", False),
        ],
        "The classic triad is miosis, respiratory depression and a depressed level of "
        "consciousness; dilated pupils and agitation point to stimulants or withdrawal.",
    ),
    (
        Item.Kind.TRUE_FALSE,
        "The CDC's 2022 guideline says clinicians should offer naloxone when a patient's "
        "risk of overdose is increased, for example at 50 MME a day or more.",
        [("True", True), ("False", False)],
        "CDC Clinical Practice Guideline for Prescribing Opioids for Pain (2022), "
        "recommendation 8: offer naloxone when factors increase the risk of overdose, such "
        "as a history of overdose, substance use disorder, higher dosages (≥ 50 MME/day) "
        "or concurrent benzodiazepine use.",
    ),
]


def seed() -> list[str]:
    activity = Activity.objects.filter(title=activities_demo.ENDURING_TITLE).first()
    if activity is None or Assessment.objects.filter(activity=activity).exists():
        return []
    test = services.assessment_create(
        activity=activity,
        kind=Assessment.Kind.POST,
        title="Opioid stewardship: post-test",
        pass_percent=70,
        attempts_allowed=3,
    )
    for kind, text, options, feedback in QUESTIONS:
        services.item_add(
            assessment=test, kind=kind, text=text, options=options, feedback=feedback
        )
    services.assessment_activate(assessment=test)
    session = activity.sessions.order_by("starts_at").first()
    where = f" → /e/{session.event_id}/test/" if session else ""
    return [f"Home-study post-test (pass mark 70%, 3 attempts) on “{activity.title}”{where}"]
