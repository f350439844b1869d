"""Demo integrity records (`manage.py seed_demo`, after the activities demo): a conference
with disclosures in every state (none, mitigated, not relevant, missing), commercial
support with its agreement and a planning record; and disclosures on the live demo
program so learners see them on its page. Safe to run again."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from celedger.accounts.models import User
from celedger.activities import demo as activities_demo
from celedger.activities.models import Activity, Session
from celedger.activities.services import activity_save, session_create
from celedger.core.pdf import html_to_pdf
from celedger.integrity.models import ContentRole, PlanningRecord
from celedger.integrity.services import (
    PLANNING_FIELDS,
    RelationshipInput,
    content_role_add,
    disclosure_submit,
    planning_save,
    review_save,
    support_add,
)
from celedger.publishers import demo as publishers_demo
from celedger.publishers.models import Publisher

CONFERENCE_TITLE = "Lakeside Critical Care Conference"


def _person(email: str) -> User:
    user: User = publishers_demo._user(email)
    return user


def _add(
    activity: Activity,
    actor: User,
    email: str,
    name: str,
    role: str,
    *,
    session: Session | None = None,
    profession: str = "",
) -> ContentRole:
    existing = ContentRole.objects.filter(
        activity=activity, email=email, role=role, removed_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    _person(email)  # an account with a verified address: linked at once
    return content_role_add(
        activity=activity,
        role=role,
        name=name,
        email=email,
        actor=actor,
        session=session,
        profession=profession,
    )


def _disclose(role: ContentRole, relationships: list[RelationshipInput]) -> None:
    if role.person is not None and not role.person.disclosures.exists():
        disclosure_submit(
            person=role.person,
            publisher=role.activity.publisher,
            relationships=relationships,
            attested=True,
        )


def _review(role: ContentRole, actor: User, *, relevant: bool) -> None:
    disclosure = role.person.disclosures.first() if role.person else None
    if disclosure is None:
        return
    for relationship in disclosure.relationships.all():
        review_save(
            content_role=role,
            relationship=relationship,
            is_relevant=relevant,
            mitigations=["peer_review", "evidence"] if relevant else [],
            mitigation_other="",
            actor=actor,
        )


def seed() -> list[str]:
    activities_demo.seed()
    lhs = Publisher.objects.get(code="lhs")
    coordinator = _person("coordinator@example.org")
    today = timezone.localdate(timezone=lhs.zone)

    conference = Activity.objects.filter(publisher=lhs, title=CONFERENCE_TITLE).first()
    if conference is None:
        starts = today + datetime.timedelta(days=21)
        conference = Activity(
            publisher=lhs,
            title=CONFERENCE_TITLE,
            description="Two days of updates in critical care for the whole ICU team.",
            objectives="Apply the 2026 sepsis guideline\nChoose vasopressors by evidence",
            format=Activity.Format.LIVE,
            starts_on=starts,
            ends_on=starts + datetime.timedelta(days=1),
            location="Lakeside Conference Center",
            is_ipce=True,
            status=Activity.Status.DRAFT,
        )
        activity_save(activity=conference, professions=[])
        for day, hour, topic in [(1, 13, "Vasopressors in septic shock"), (1, 15, "ICU delirium")]:
            start = datetime.datetime.combine(
                starts + datetime.timedelta(days=day), datetime.time(hour), tzinfo=lhs.zone
            )
            session_create(
                activity=conference,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                topic=topic,
            )
    sessions = list(conference.sessions.order_by("starts_at"))

    planner = _add(
        conference,
        coordinator,
        "planner.demo@example.org",
        "Dr. Priya Natarajan",
        "planner",
        profession="Physician",
    )
    _disclose(planner, [])  # none
    mitigated = _add(
        conference,
        coordinator,
        "faculty.demo@example.org",
        "Dr. Marcus Webb",
        "faculty",
        session=sessions[-2] if len(sessions) > 1 else None,
    )
    _disclose(mitigated, [RelationshipInput(company="Vasopharm Inc.", nature="consultant")])
    _review(mitigated, coordinator, relevant=True)
    reviewer = _add(
        conference,
        coordinator,
        "reviewer.demo@example.org",
        "Jordan Lee, PharmD",
        "reviewer",
    )
    _disclose(
        reviewer, [RelationshipInput(company="OrthoDevices LLC", nature="speaker", has_ended=True)]
    )
    _review(reviewer, coordinator, relevant=False)
    if not ContentRole.objects.filter(
        activity=conference, email="missing.demo@example.org"
    ).exists():
        # No account: the request waits in the (console) mail; this disclosure is missing.
        content_role_add(
            activity=conference,
            role="faculty",
            name="Dr. Sam Okafor",
            email="missing.demo@example.org",
            actor=coordinator,
            session=sessions[-1] if sessions else None,
        )
    if not conference.commercial_supports.exists():
        agreement = html_to_pdf(
            "<h1>Letter of agreement for commercial support</h1>"
            f"<p>{CONFERENCE_TITLE}: Vasopharm Inc. and Lakeside Health System (demo).</p>"
        )
        support_add(
            activity=conference,
            supporter="UltraSound Medical",
            kind="in_kind",
            amount=None,
            in_kind_description="Ultrasound units for the hands-on workshop",
            agreement=SimpleUploadedFile("agreement.pdf", agreement),
            agreement_signed_on=today,
            actor=coordinator,
        )
        support_add(
            activity=conference,
            supporter="Vasopharm Inc.",
            kind="monetary",
            amount=Decimal("7500.00"),
            in_kind_description="",
            agreement=SimpleUploadedFile("agreement.pdf", agreement),
            agreement_signed_on=today,
            actor=coordinator,
        )
    if not PlanningRecord.objects.filter(activity=conference).exists():
        record = PlanningRecord(
            activity=conference,
            practice_gap="Vasopressors are started late and titrated inconsistently "
            "in septic shock.",
            gap_sources="Lakeside ICU sepsis registry 2025; "
            "Surviving Sepsis Campaign 2021 guideline.",
            needs="Competence in choosing and titrating vasopressors; team handoffs.",
            changes_competence=True,
            changes_performance=True,
            evaluation_of_change="Registry: time to vasopressor, 3 months before and after.",
        )
        planning_save(record=record, actor=coordinator, before=dict.fromkeys(PLANNING_FIELDS))

    # The live demo program: learners see its disclosure on the program page.
    live = Activity.objects.filter(publisher=lhs, title=activities_demo.LIVE_TITLE).first()
    if live is not None:
        _add(live, coordinator, "planner.demo@example.org", "Dr. Priya Natarajan", "planner")
        speaker = _add(live, coordinator, "faculty.demo@example.org", "Dr. Marcus Webb", "faculty")
        _review(speaker, coordinator, relevant=True)
    return [
        f"Integrity demo: “{CONFERENCE_TITLE}” (draft) has disclosures none, mitigated, not "
        "relevant and missing: Provider console → the conference → Integrity."
    ]
