"""Writes for integrity; every one is audited (core.services.audit_record) in its transaction."""

import calendar
import datetime
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from celedger.activities.models import Activity, Session
from celedger.core.services import audit_changes, audit_record
from celedger.integrity.models import (
    CommercialSupport,
    ContentRole,
    Disclosure,
    FinancialRelationship,
    GateOverride,
    IntegrityPolicy,
    PlanningRecord,
    RelationshipReview,
)
from celedger.integrity.selectors import (
    InviteeCheck,
    disclosures_due_for_reminder,
    invitee_check,
    policy_for,
)
from celedger.publishers.models import Publisher

if TYPE_CHECKING:
    from celedger.accounts.models import User


def _send_request(role: ContentRole) -> None:
    # In the caller's transaction: the outbox delivers it after commit, with retries.
    from celedger.integrity.emails import disclosure_request_send

    disclosure_request_send(content_role=role)


def policy_update(
    *, publisher: Publisher, valid_months: int, reminder_days: int, actor: "User"
) -> IntegrityPolicy:
    """Set how long a disclosure stays valid (1–24 months) and when reminders go out."""
    policy = policy_for(publisher=publisher)
    before = {
        "valid_months": policy.disclosure_valid_months,
        "reminder_days": policy.reminder_days_before,
    }
    policy.disclosure_valid_months = valid_months
    policy.reminder_days_before = reminder_days
    policy.full_clean(exclude=["publisher"])
    with transaction.atomic():
        policy.save()
        audit_changes(
            actor=actor,
            action="integrity.policy_update",
            obj=policy,
            before=before,
            after={"valid_months": valid_months, "reminder_days": reminder_days},
        )
    return policy


def content_role_add(
    *,
    activity: Activity,
    role: str,
    name: str,
    email: str,
    actor: "User",
    session: Session | None = None,
    profession: str = "",
) -> ContentRole:
    """Record a person in control of content and email them the disclosure link. An account
    with that address, verified, is linked at once (a current disclosure then counts)."""
    email = email.strip()
    content_role = ContentRole(
        activity=activity,
        session=session,
        role=role,
        name=name.strip(),
        email=email,
        profession=profession.strip(),
        invited_by=actor,
        invited_at=timezone.now(),
    )
    verified = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    if verified is not None:
        content_role.person = verified.user
    content_role.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            content_role.save()
            audit_record(
                actor=actor,
                action="integrity.role_add",
                obj=content_role,
                new={
                    "activity": activity.pk,
                    "session": session.pk if session else None,
                    "role": role,
                    "email": email,
                    "linked": content_role.person_id is not None,
                },
            )
            _send_request(content_role)
    except IntegrityError:
        raise ValidationError({"email": "This person already has this role here."}) from None
    return content_role


def content_role_resend(*, content_role: ContentRole, actor: "User") -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="integrity.role_resend",
            obj=content_role,
            new={"email": content_role.email},
        )
        _send_request(content_role)


def content_role_remove(*, content_role: ContentRole, actor: "User", reason: str = "") -> None:
    """Take a person off the activity; the row and its reviews stay for the record."""
    with transaction.atomic():
        content_role.removed_at = timezone.now()
        content_role.save(update_fields=["removed_at"])
        audit_record(
            actor=actor,
            action="integrity.role_remove",
            obj=content_role,
            old={"email": content_role.email, "role": content_role.role},
            reason=reason,
        )


def content_role_link(*, content_role: ContentRole, user: "User") -> ContentRole:
    """Link the invited person's account to the role (their verified address matches)."""
    check = invitee_check(role=content_role, user=user)
    if check == InviteeCheck.OTHER_EMAIL:
        raise ValidationError("This request was sent to another email address.")
    if check == InviteeCheck.UNVERIFIED:
        raise ValidationError("Confirm your email address first, then open the link again.")
    if check != InviteeCheck.MATCH:
        raise ValidationError("Sign in to continue.")
    if content_role.removed_at is not None:
        raise ValidationError("This request was withdrawn by the provider.")
    if content_role.person_id == user.pk:
        return content_role
    with transaction.atomic():
        content_role.person = user
        content_role.save(update_fields=["person"])
        audit_record(
            actor=user, action="integrity.role_link", obj=content_role, new={"user": user.email}
        )
    return content_role


def account_create_for_role(*, content_role: ContentRole, password: str) -> "User":
    """An account for an invited person who has none: the emailed link proves the address,
    so it is created verified, without a learner profile (faculty need none)."""
    if content_role.removed_at is not None:
        raise ValidationError("This request was withdrawn by the provider.")
    User = get_user_model()
    first, _, last = content_role.name.partition(" ")
    with transaction.atomic():
        if User.objects.filter(email__iexact=content_role.email).exists():
            raise ValidationError("An account with this address exists already: sign in.")
        user = User.objects.create_user(
            email=content_role.email, password=password, first_name=first, last_name=last
        )
        EmailAddress.objects.create(
            user=user, email=content_role.email, verified=True, primary=True
        )
        content_role.person = user
        content_role.save(update_fields=["person"])
        audit_record(
            actor=user,
            action="integrity.account_create",
            obj=content_role,
            new={"user": user.email},
        )
    return user


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@dataclass
class RelationshipInput:
    company: str
    nature: str
    nature_other: str = ""
    has_ended: bool = False


def disclosure_submit(
    *,
    person: "User",
    publisher: Publisher,
    relationships: list[RelationshipInput],
    attested: bool,
    is_owner_or_employee: bool = False,
    owner_company: str = "",
    owner_exception: str = "",
) -> Disclosure:
    """A new disclosure, valid for the publisher's period from today; it replaces any
    earlier one for every activity of that publisher (Standard 3.1)."""
    if not attested:
        raise ValidationError({"attest": "Confirm that the disclosure is complete and true."})
    now = timezone.now()
    today = timezone.localdate(timezone=publisher.zone)
    policy = policy_for(publisher=publisher)
    disclosure = Disclosure(
        person=person,
        publisher=publisher,
        has_relationships=bool(relationships),
        is_owner_or_employee=is_owner_or_employee,
        owner_company=owner_company.strip() if is_owner_or_employee else "",
        owner_exception=owner_exception if is_owner_or_employee else "",
        attested_at=now,
        submitted_at=now,
        valid_until=add_months(today, policy.disclosure_valid_months),
    )
    if is_owner_or_employee and not disclosure.owner_company:
        raise ValidationError({"owner_company": "Name the ineligible company."})
    disclosure.full_clean(exclude=["person", "publisher"])
    rows = [
        FinancialRelationship(
            company=r.company.strip(),
            nature=r.nature,
            nature_other=r.nature_other.strip(),
            has_ended=r.has_ended,
        )
        for r in relationships
    ]
    for row in rows:
        row.full_clean(exclude=["disclosure"])
    with transaction.atomic():
        disclosure.save()
        for row in rows:
            row.disclosure = disclosure
        FinancialRelationship.objects.bulk_create(rows)
        audit_record(
            actor=person,
            action="integrity.disclosure_submit",
            obj=disclosure,
            new={
                "publisher": publisher.code,
                "relationships": [
                    f"{r.company}: {r.nature}{' (ended)' if r.has_ended else ''}" for r in rows
                ],
                "owner_or_employee": is_owner_or_employee,
                "owner_exception": disclosure.owner_exception,
                "valid_until": disclosure.valid_until.isoformat(),
            },
        )
    return disclosure


def review_save(
    *,
    content_role: ContentRole,
    relationship: FinancialRelationship,
    is_relevant: bool,
    mitigations: list[str],
    mitigation_other: str,
    actor: "User",
) -> RelationshipReview:
    """Record whether a relationship is relevant to this role's content and, if so, how it
    was mitigated (Standard 3.3–3.4). A relevant one needs at least one step."""
    valid = {choice for choice, _ in RelationshipReview.Mitigation.choices}
    mitigations = [m for m in mitigations if m in valid] if is_relevant else []
    if is_relevant and not mitigations:
        raise ValidationError({"mitigations": "Choose at least one mitigation step."})
    if "other" in mitigations and not mitigation_other.strip():
        raise ValidationError({"mitigation_other": "Describe the other mitigation step."})
    with transaction.atomic():
        review = (
            RelationshipReview.objects.select_for_update()
            .filter(content_role=content_role, relationship=relationship)
            .first()
        )
        before = (
            {
                "relevant": review.is_relevant,
                "mitigations": review.mitigations,
                "other": review.mitigation_other,
            }
            if review
            else {}
        )
        if review is None:
            review = RelationshipReview(content_role=content_role, relationship=relationship)
        review.is_relevant = is_relevant
        review.mitigations = mitigations
        review.mitigation_other = mitigation_other.strip() if "other" in mitigations else ""
        review.reviewed_by = actor
        review.reviewed_at = timezone.now()
        review.save()
        audit_record(
            actor=actor,
            action="integrity.review",
            obj=review,
            old=before,
            new={
                "person": content_role.email,
                "company": relationship.company,
                "relevant": is_relevant,
                "mitigations": mitigations,
                "other": review.mitigation_other,
            },
        )
    return review


def override_create(*, activity: Activity, reason: str, actor: "User") -> GateOverride:
    """Allow publishing despite missing disclosures or mitigations; needs a reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give the reason for publishing anyway."})
    with transaction.atomic():
        override = GateOverride.objects.create(
            activity=activity, reason=reason, created_by=actor, created_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action="integrity.override",
            obj=override,
            new={"activity": activity.pk},
            reason=reason,
        )
    return override


def override_withdraw(*, override: GateOverride, actor: "User") -> None:
    with transaction.atomic():
        override.withdrawn_at = timezone.now()
        override.save(update_fields=["withdrawn_at"])
        audit_record(
            actor=actor,
            action="integrity.override_withdraw",
            obj=override,
            old={"reason": override.reason},
        )


PDF_MAGIC = b"%PDF-"
MAX_AGREEMENT_BYTES = 20 * 1024 * 1024


def support_add(
    *,
    activity: Activity,
    supporter: str,
    kind: str,
    amount: Decimal | None,
    in_kind_description: str,
    agreement: UploadedFile,
    agreement_signed_on: datetime.date,
    actor: "User",
) -> CommercialSupport:
    """Commercial support with its signed written agreement (a PDF) (Standard 4)."""
    if agreement.size and agreement.size > MAX_AGREEMENT_BYTES:
        raise ValidationError({"agreement": "The agreement is larger than 20 MB."})
    head = agreement.read(5)
    agreement.seek(0)
    if head != PDF_MAGIC:
        raise ValidationError({"agreement": "Upload the signed agreement as a PDF file."})
    support = CommercialSupport(
        activity=activity,
        supporter=supporter.strip(),
        kind=kind,
        amount=amount,
        in_kind_description=in_kind_description.strip(),
        agreement_signed_on=agreement_signed_on,
        created_by=actor,
        created_at=timezone.now(),
    )
    if kind == CommercialSupport.Kind.MONETARY and not amount:
        raise ValidationError({"amount": "Monetary support needs its amount."})
    if kind == CommercialSupport.Kind.IN_KIND and not support.in_kind_description:
        raise ValidationError({"in_kind_description": "Describe what was given in kind."})
    support.agreement.save("agreement.pdf", agreement, save=False)
    support.full_clean(exclude=["activity"])
    with transaction.atomic():
        support.save()
        audit_record(
            actor=actor,
            action="integrity.support_add",
            obj=support,
            new={
                "activity": activity.pk,
                "supporter": support.supporter,
                "kind": kind,
                "amount": amount,
                "signed_on": agreement_signed_on.isoformat(),
            },
        )
    return support


PLANNING_FIELDS = [
    "practice_gap",
    "gap_sources",
    "needs",
    "changes_competence",
    "changes_performance",
    "changes_patient_outcomes",
    "evaluation_of_change",
]


def planning_save(
    *, record: PlanningRecord, actor: "User", before: dict[str, object]
) -> PlanningRecord:
    """Save the planning record (its fields set by the caller); changes are audited."""
    record.updated_by = actor
    record.updated_at = timezone.now()
    record.full_clean(exclude=["activity"])
    with transaction.atomic():
        record.save()
        audit_changes(
            actor=actor,
            action="integrity.planning",
            obj=record,
            before=before,
            after={f: getattr(record, f) for f in PLANNING_FIELDS},
        )
    return record


def reminders_send(*, on: datetime.date | None = None) -> int:
    """Email everyone whose disclosure expires within their publisher's reminder period
    (once per disclosure). Returns how many were sent. Run daily (manage.py command)."""
    from celedger.integrity.emails import disclosure_reminder_send

    on = on or timezone.localdate()
    sent = 0
    for disclosure in disclosures_due_for_reminder(on=on):
        with transaction.atomic():
            locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
            if locked.reminded_at is not None:
                continue
            locked.reminded_at = timezone.now()
            locked.save(update_fields=["reminded_at"])
            audit_record(
                actor=None,
                action="integrity.reminder",
                obj=locked,
                new={
                    "to": disclosure.person.email,
                    "valid_until": disclosure.valid_until.isoformat(),
                },
            )
            disclosure_reminder_send(disclosure=disclosure)
        sent += 1
    return sent


def activity_file_zip(*, activity: Activity, pdf: bytes) -> bytes:
    """The audit file: the activity PDF plus every signed agreement, as one ZIP."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"activity-{activity.pk}.pdf", pdf)
        for n, support in enumerate(CommercialSupport.objects.filter(activity=activity), 1):
            with support.agreement.open("rb") as handle:
                safe = "".join(c if c.isalnum() else "-" for c in support.supporter)[:40]
                archive.writestr(f"agreements/{n:02d}-{safe}.pdf", handle.read())
    return buffer.getvalue()
