"""Demo reporting (`manage.py seed_demo`): a consenting ABIM diplomate with MOC points on
an activity registered in PARS, a pharmacist with home-study ACPE credit (pending for CPE
Monitor) and a technician without an NABP e-Profile ID (held, with the fix), so the
reporting dashboard shows real records on a fresh install. Safe to run again."""

import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from celedger.accounts.models import User
from celedger.accreditation.models import Credential, CreditType, Profession, Specialty
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.activities.services import activity_save, attendance_record
from celedger.credits.models import Claim
from celedger.credits.services import claim_award
from celedger.evaluations.demo import evaluate
from celedger.profiles.forms import ProfileInput
from celedger.profiles.models import LearnerProfile
from celedger.profiles.services import profile_create
from celedger.publishers.models import Publisher
from celedger.reporting.models import ActivityReporting, ReportingRecord
from celedger.reporting.records import records_recompute

MOC_TITLE = "Hypertension Update 2026 (ABIM MOC)"
ENDURING_TITLE = "Opioid Stewardship for the Care Team (online course)"
DIPLOMATE = "learner@example.org"
PHARMACIST = "pharmacist@example.org"
TECHNICIAN = "technician@example.org"
PASSWORD = "ce-ledger-demo"


def _moc_activity(publisher: Publisher) -> Activity:
    existing = Activity.objects.filter(publisher=publisher, title=MOC_TITLE).first()
    if existing is not None:
        return existing
    day = timezone.localdate(timezone=publisher.zone) - datetime.timedelta(days=10)
    activity = Activity(
        publisher=publisher,
        title=MOC_TITLE,
        description="Guideline-based blood pressure targets, with a self-assessment.",
        format=Activity.Format.LIVE,
        starts_on=day,
        ends_on=day,
        location="Lakeside Main Auditorium",
        status=Activity.Status.PUBLISHED,
    )
    designations = [
        CreditDesignation(credit_type=CreditType.objects.get(code=code), max_hours=Decimal("1.5"))
        for code in ("ama-pra-1", "moc-abim")
    ]
    activity_save(
        activity=activity,
        professions=Profession.objects.filter(code="physician"),
        designations=designations,
        first_session_times=(datetime.time(8, 0), datetime.time(9, 30)),
    )
    ActivityReporting.objects.create(
        activity=activity,
        accme_activity_id="201234567",
        commercial_support=False,
        moc_credit_types={"ABIM": "Medical Knowledge"},
    )
    return activity


def _technician() -> User:
    user = User.objects.filter(email__iexact=TECHNICIAN).first()
    if user is None:
        user = User.objects.create_user(email=TECHNICIAN, password=PASSWORD)
    EmailAddress.objects.update_or_create(
        user=user, email=TECHNICIAN, defaults={"verified": True, "primary": True}
    )
    if not LearnerProfile.objects.filter(user=user).exists():
        credential = Credential.objects.select_related("profession").get(abbreviation="CPhT")
        profile_create(
            user=user,
            actor=None,
            data=ProfileInput(
                first_name="Tay",
                last_name="Technician",
                credentials=[credential],
                profession=credential.profession,
                affiliation="Trinity Health Michigan",
                specialty=Specialty.objects.get(name="Pharmacy", parent=None),
                sub_specialty=None,
                address1="120 Main Street",
                address2="",
                city="Livonia",
                state="MI",
                postal_code="48154",
                country="US",
                phone=PhoneNumber.from_string("+17345550120"),
                status=LearnerProfile.Status.PRACTICING,
                license_number="4301000120",
                license_state="MI",
                nabp_eprofile_id="",  # missing: the record is held until it is added
                birth_month=9,
                birth_day=2,
                is_board_member=False,
                board=None,
                board_id="",
                board_consent=False,
            ),
        )
    return user


def _award(learner: User, session: Session, code: str) -> None:
    designation = CreditDesignation.objects.get(activity=session.activity, credit_type__code=code)
    if Claim.objects.filter(
        learner=learner, session=session, designation=designation, status="active"
    ).exists():
        return
    attendance_record(learner=learner, session=session)  # they took part
    evaluate(learner=learner, session=session)
    claim_award(
        actor=None,
        learner=learner,
        session=session,
        designation=designation,
        hours=designation.max_hours,
        reason="Demo data",
        override=True,  # the demo learners did not walk through the claim page
    )


def seed() -> list[str]:
    lhs = Publisher.objects.filter(code="lhs").first()
    users = User.objects
    diplomate = users.filter(email=DIPLOMATE).first()
    pharmacist = users.filter(email=PHARMACIST).first()
    enduring = Activity.objects.filter(title=ENDURING_TITLE).first()
    if lhs is None or diplomate is None or pharmacist is None or enduring is None:
        return []
    moc = _moc_activity(lhs)
    technician = _technician()
    moc_session = moc.sessions.order_by("starts_at").first()
    home_study = enduring.sessions.order_by("starts_at").first()
    assert moc_session is not None and home_study is not None
    _award(diplomate, moc_session, "ama-pra-1")
    _award(diplomate, moc_session, "moc-abim")
    _award(pharmacist, home_study, "acpe-p")
    _award(technician, home_study, "acpe-t")
    # Also done by the task worker on commit; done here so the pages show them at once.
    for user, activity in ((diplomate, moc), (pharmacist, enduring), (technician, enduring)):
        records_recompute(learner_id=user.pk, activity_id=activity.pk)
    records = ReportingRecord.objects.filter(publisher=lhs, is_current=True)
    return [
        f"Reporting: {records.count()} records at {lhs.code} "
        f"({records.filter(status='held').count()} held); {TECHNICIAN} (password {PASSWORD}) "
        "is a pharmacy technician whose missing NABP e-Profile ID holds one.",
    ]
