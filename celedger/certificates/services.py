"""Issue, refresh and revoke certificates; render their PDFs only when the claims change."""

import datetime
import functools
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from celedger.accounts.models import User
from celedger.accreditation.phrases import credit_amount_phrase
from celedger.accreditation.statements import (
    StatementFacts,
    joint_accreditation_statement,
    statement_fill,
)
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.certificates.models import Certificate, CertificateVersion
from celedger.core.outbox import outbox_enqueue
from celedger.core.pdf import data_url, render_pdf
from celedger.core.services import audit_record
from celedger.credits.models import Claim
from celedger.profiles.models import LearnerProfile
from celedger.publishers.models import DesignationStatement, Publisher


@dataclass
class CertificateLine:
    designation: CreditDesignation
    hours: Decimal
    statement: str


def certificate_number(*, activity: Activity, learner: Any, session: Session | None = None) -> str:
    # Deterministic and readable aloud; verification uses the separate secret code. A
    # series session's certificate adds the session ("-S000123").
    number = f"CE-{activity.pk:06d}-{learner.pk:07d}"
    return f"{number}-S{session.pk:06d}" if session is not None else number


def verification_url(certificate: Certificate) -> str:
    path = reverse("certificates:verify", args=[certificate.verification_code])
    return f"{settings.SITE_URL}{path}"


def _active_claims(*, learner: Any, activity: Activity, session: Session | None) -> list[Claim]:
    """The claims a certificate shows: the activity's, or one series session's."""
    claims = Claim.objects.filter(
        learner=learner, session__activity=activity, status=Claim.Status.ACTIVE
    )
    if session is not None:
        claims = claims.filter(session=session)
    rows = list(
        claims.select_related("designation__credit_type", "session").order_by(
            "designation__credit_type__sort_order", "pk"
        )
    )
    for claim in rows:
        # The statement reads the activity's format: the one we have, not a query each.
        claim.designation.activity = activity
        claim.session.activity = activity
    return rows


def _profile(learner: Any) -> LearnerProfile | None:
    return (
        LearnerProfile.objects.filter(user=learner)
        .prefetch_related("credentials")
        .select_related("profession")
        .first()
    )


def certificate_fingerprint(*, claims: list[Claim], profile: LearnerProfile | None) -> str:
    """What the PDF shows that can change: the claims and the learner's identity."""
    # The credit itself, not the claim rows: a revoked and re-made claim for the same hours
    # is the same certificate. The UAN is printed, so a corrected UAN changes it too.
    parts = [f"{c.designation_id}:{c.session_id}:{c.hours}:{c.designation.uan}" for c in claims]
    if profile is not None:
        credentials = ",".join(sorted(c.abbreviation for c in profile.credentials.all()))
        parts.append(
            f"{profile.first_name}|{profile.last_name}|{credentials}|"
            f"{profile.license_number}|{profile.license_state}"
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def designation_statement(
    *, publisher: Publisher, designation: CreditDesignation, overrides: dict[int, str]
) -> str:
    """The publisher's wording for the credit type, else the default; placeholders filled."""
    template = (
        overrides.get(designation.credit_type_id) or designation.credit_type.designation_statement
    )
    return statement_fill(
        template,
        StatementFacts(
            provider=publisher.name,
            credit_type=designation.credit_type,
            amount=designation.max_hours,
            activity_format=designation.activity.format,
            uan=designation.uan,
            acpe_activity_type=designation.acpe_activity_type,
        ),
    )


def accreditation_statements(*, publisher: Publisher) -> list[str]:
    """The accreditation statements a publisher's certificates carry: a jointly accredited
    publisher's always include Joint Accreditation's, whatever else it typed."""
    typed = publisher.accreditation_statement.strip()
    if not publisher.is_jointly_accredited:
        return [typed] if typed else []
    joint = joint_accreditation_statement(provider=publisher.name)
    return [joint] + ([typed] if typed and typed != joint else [])


def certificate_lines(*, claims: list[Claim], publisher: Publisher) -> list[CertificateLine]:
    overrides = dict(
        DesignationStatement.objects.filter(publisher=publisher).values_list(
            "credit_type_id", "statement"
        )
    )
    lines: dict[int, CertificateLine] = {}
    for claim in claims:
        line = lines.get(claim.designation_id)
        if line is None:
            lines[claim.designation_id] = CertificateLine(
                designation=claim.designation,
                hours=claim.hours,
                statement=designation_statement(
                    publisher=publisher, designation=claim.designation, overrides=overrides
                ),
            )
        else:
            line.hours += claim.hours
    return list(lines.values())


def _qr_data_url(url: str) -> str:
    # One pixel a module, scaled up in the PDF without smoothing (`image-rendering:
    # pixelated` in the style): a quarter of the PNG work and of WeasyPrint's decoding. A
    # fixed mask skips scoring all eight, most of segno's time; any mask reads the same.
    out = io.BytesIO()
    segno.make(url, error="m", mask=0).save(out, kind="png", scale=1, border=2)
    return data_url(out.getvalue(), "image/png")


def _logo_data_url(publisher: Publisher) -> str:
    if not publisher.logo:
        return ""
    return _logo_data_url_stored(publisher.logo.name)


@functools.lru_cache(maxsize=64)
def _logo_data_url_stored(name: str) -> str:
    """The logo stored under `name`, read once per process: a new logo is stored under a
    new name (the storage never overwrites), so the name is its version."""
    storage = Publisher._meta.get_field("logo").storage
    try:
        with storage.open(name, "rb") as handle:
            content = handle.read()
    except OSError:
        return ""
    name = name.lower()
    mime = (
        "image/svg+xml"
        if name.endswith(".svg")
        else "image/jpeg"
        if name.endswith((".jpg", ".jpeg"))
        else "image/png"
    )
    return data_url(content, mime)


def certificate_credit(lines: list[CertificateLine]) -> list[dict[str, str]]:
    """The credit a version shows, as kept with it and compared with the next one."""
    return [
        {
            "type": line.designation.credit_type.name,
            "amount": credit_amount_phrase(line.designation.credit_type, line.hours),
            "uan": line.designation.uan,
        }
        for line in lines
    ]


def certificate_changes(
    *, before: list[dict[str, str]] | None, after: list[dict[str, str]]
) -> str:
    """What changed between two versions' credit, in words for the learner and auditor."""
    if before is None:
        return ""
    old = {item["type"]: item for item in before}
    new = {item["type"]: item for item in after}
    changes = []
    for name, item in new.items():
        was = old.get(name)
        if was is None:
            changes.append(f"Added {item['amount']}.")
            continue
        if was["amount"] != item["amount"]:
            changes.append(f"{name}: {was['amount']} → {item['amount']}.")
        if was.get("uan", "") != item.get("uan", ""):
            changes.append(f"{name}: UAN {was.get('uan') or '—'} → {item.get('uan') or '—'}.")
    for name, item in old.items():
        if name not in new:
            changes.append(f"Removed {item['amount']}.")
    if not changes:
        return "The learner's name, credentials or license as printed changed; credit did not."
    return " ".join(changes)


# The certificate's style, parsed once per process (`core.pdf`); its `@page` rule stays in
# the template.
STYLESHEETS = ("credits/pdf_style.css", "certificates/certificate.css")


def certificate_render(
    *,
    certificate: Certificate,
    lines: list[CertificateLine],
    profile: LearnerProfile | None,
    previous: CertificateVersion | None,
    session_date: datetime.date | None = None,
) -> bytes:
    activity = certificate.activity
    publisher = activity.publisher
    url = verification_url(certificate)
    context = {
        "certificate": certificate,
        "activity": activity,
        # A series session's certificate names the session: its topic and date.
        "session": certificate.session if certificate.session_id else None,
        "session_date": session_date,
        "publisher": publisher,
        "profile": profile,
        "learner_email": certificate.learner.email,
        "lines": lines,
        "accreditation_statements": accreditation_statements(publisher=publisher),
        "previous": previous,
        "verify_url": url,
        "qr": _qr_data_url(url),
        "logo": _logo_data_url(publisher),
        "issued_on": timezone.localdate(timezone=publisher.zone),
    }
    return render_pdf("certificates/certificate.html", context, stylesheets=STYLESHEETS)


def certificate_sample_html() -> str:
    """A certificate as the worker's warm-up renders it (`core.pdf.warm_up`): the real
    template, style, fonts and images (a logo and the QR code), from unsaved objects, no
    database."""
    from celedger.accreditation.models import CreditType

    publisher = Publisher(name="CE Ledger", signer_name="Warm-up", signer_title="Director")
    activity = Activity(publisher=publisher, title="Warm-up", starts_on=datetime.date.today())
    activity.ends_on = activity.starts_on
    credit_type = CreditType(name="Credit", unit_singular="credit", unit="credits")
    designation = CreditDesignation(
        activity=activity,
        credit_type=credit_type,
        max_hours=Decimal("1.5"),
        uan="0000-0",
        acpe_activity_type="",
    )
    certificate = Certificate(activity=activity, number="CE-000000-0000000", version=2)
    url = f"{settings.SITE_URL}/certificates/verify/{'x' * 22}/"
    context = {
        "certificate": certificate,
        "activity": activity,
        "session": None,
        "publisher": publisher,
        "profile": None,
        "learner_email": "learner@example.org",
        "lines": [CertificateLine(designation=designation, hours=Decimal("1.5"), statement="-")],
        "accreditation_statements": ["Accredited."],
        "previous": None,
        "verify_url": url,
        "qr": _qr_data_url(url),
        "logo": _qr_data_url("logo"),
        "issued_on": activity.starts_on,
    }
    return render_to_string("certificates/certificate.html", context)


def _credit_event(activity: Activity, session: Session | None) -> Session | None:
    """The session a certificate is for: only a series session has its own."""
    if not activity.is_series:
        return None
    if session is not None and session.activity_id != activity.pk:
        raise ValueError("The session is not one of the activity's.")
    return session


def certificate_for_download(
    *, learner: Any, activity: Activity, session: Session | None = None
) -> Certificate | None:
    """The certificate to send for a download: the stored copy, read without a lock, when
    it matches the claims and the learner as they are now (or stays revoked with no claims
    left); otherwise `certificate_issue`, which locks and renders (the first download, or
    one racing the outbox worker's refresh). Queries when current: 4, no writes."""
    session = _credit_event(activity, session)
    scope = Q(session=session) if session is not None else Q(session__isnull=True)
    certificate = (
        Certificate.objects.select_related("activity__publisher", "learner")
        .filter(scope, learner=learner, activity=activity)
        .first()
    )
    if certificate is not None and certificate.pdf:
        claims = _active_claims(learner=learner, activity=activity, session=session)
        if not claims and certificate.revoked_at is not None:
            return certificate
        if claims and certificate.revoked_at is None:
            profile = _profile(learner)
            if certificate_fingerprint(claims=claims, profile=profile) == (
                certificate.pdf_fingerprint
            ):
                return certificate
    return certificate_issue(learner=learner, activity=activity, session=session)


def certificate_issue(
    *, learner: Any, activity: Activity, session: Session | None = None
) -> Certificate | None:
    """The learner's certificate for one credit event, created, re-rendered, revoked or
    reinstated to match its active claims. None when the learner never had credit there.

    The credit event is the activity, except in a series, where it is `session`: a series
    without `session` only refreshes a whole-series certificate issued before per-session
    ones (never creates one). `session` is ignored for other structures."""
    session = _credit_event(activity, session)
    claims = _active_claims(learner=learner, activity=activity, session=session)
    scope = Q(session=session) if session is not None else Q(session__isnull=True)
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("activity__publisher", "learner")
            .filter(scope, learner=learner, activity=activity)
            .first()
        )
        if certificate is None:
            if not claims or (activity.is_series and session is None):
                return None
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(
                        learner=learner,
                        activity=activity,
                        session=session,
                        number=certificate_number(
                            activity=activity, learner=learner, session=session
                        ),
                    )
                audit_record(
                    actor=None,
                    action="certificate.issue",
                    obj=certificate,
                    new={"number": certificate.number},
                )
            except IntegrityError:
                # Another request issued it first; use theirs.
                certificate = Certificate.objects.select_for_update().get(
                    scope, learner=learner, activity=activity
                )
            certificate.activity = activity
        if session is not None:
            certificate.session = session
        if not claims:
            if certificate.revoked_at is None:
                certificate.revoked_at = timezone.now()
                certificate.save(update_fields=["revoked_at"])
                audit_record(
                    actor=None,
                    action="certificate.revoke",
                    obj=certificate,
                    new={"revoked_at": certificate.revoked_at},
                    reason="No active claims remain.",
                )
            return certificate
        if certificate.revoked_at is not None:
            audit_record(
                actor=None,
                action="certificate.reinstate",
                obj=certificate,
                old={"revoked_at": certificate.revoked_at},
                new={"revoked_at": None},
            )
            certificate.revoked_at = None
            certificate.save(update_fields=["revoked_at"])
        profile = _profile(learner)
        fingerprint = certificate_fingerprint(claims=claims, profile=profile)
        if fingerprint == certificate.pdf_fingerprint and certificate.pdf:
            return certificate
        certificate_version_add(
            certificate=certificate, claims=claims, profile=profile, fingerprint=fingerprint
        )
    return certificate


def certificates_refresh(*, learner: Any, activity: Activity) -> list[Certificate]:
    """Every certificate of the learner's credit in `activity`, each brought in line with
    its claims (`certificate_issue`): one for the activity, or, in a series, one per
    session claimed or certified before (and a whole-series one issued before those)."""
    if not activity.is_series:
        certificate = certificate_issue(learner=learner, activity=activity)
        return [certificate] if certificate is not None else []
    claimed = Claim.objects.filter(
        learner=learner, session__activity=activity, status=Claim.Status.ACTIVE
    ).values("session_id")
    certified = Certificate.objects.filter(
        learner=learner, activity=activity, session__isnull=False
    ).values("session_id")
    sessions = Session.objects.filter(
        Q(pk__in=claimed) | Q(pk__in=certified), activity=activity
    ).order_by("starts_at", "pk")
    issued = [
        certificate_issue(learner=learner, activity=activity, session=session)
        for session in sessions
    ]
    issued.append(certificate_issue(learner=learner, activity=activity))
    return [certificate for certificate in issued if certificate is not None]


def certificate_version_add(
    *,
    certificate: Certificate,
    claims: list[Claim],
    profile: LearnerProfile | None,
    fingerprint: str,
) -> CertificateVersion:
    """Issue the next version of a (locked) certificate: render, keep the PDF beside the
    earlier ones, say what changed, audit a re-issue."""
    lines = certificate_lines(claims=claims, publisher=certificate.activity.publisher)
    credit = certificate_credit(lines)
    # Version 0 has never been rendered: no earlier version to read.
    previous = certificate.versions.order_by("-version").first() if certificate.version else None
    changes = certificate_changes(
        before=previous.credit if previous and previous.credit else None, after=credit
    )
    if previous is not None and not previous.credit:
        changes = "Re-issued with the credit shown; the earlier version predates version records."
    certificate.version = (previous.version if previous else 0) + 1
    pdf = certificate_render(
        certificate=certificate,
        lines=lines,
        profile=profile,
        previous=previous,
        # A series session's claims are all for the session's date.
        session_date=claims[0].participated_on if certificate.session_id and claims else None,
    )
    version = CertificateVersion(
        certificate=certificate,
        version=certificate.version,
        fingerprint=fingerprint,
        credit=credit,
        changes=changes,
    )
    version.pdf.save(
        f"{certificate.number}-v{certificate.version}.pdf", ContentFile(pdf), save=False
    )
    version.save()
    certificate.pdf.name = version.pdf.name
    certificate.pdf_fingerprint = fingerprint
    certificate.save(update_fields=["pdf", "pdf_fingerprint", "version"])
    if previous is not None:
        audit_record(
            actor=None,
            action="certificate.reissue",
            obj=certificate,
            old={"version": previous.version, "credit": previous.credit},
            new={"version": version.version, "credit": credit},
            reason=changes,
        )
    return version


def certificate_pdf_bytes(*, certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        content: bytes = handle.read()
    return content


def designation_uan_correct(
    *, actor: User, designation: CreditDesignation, uan: str, reason: str
) -> CreditDesignation:
    """Correct the UAN of an ACPE designation that pharmacists have already claimed under:
    validated like any UAN, audited with the old and new number and the reason, and every
    affected learner's certificate re-issued (the claims report the new UAN from now on)."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the UAN is corrected (it is audited)."})
    with transaction.atomic():
        locked = (
            CreditDesignation.objects.select_for_update()
            .select_related("activity__publisher", "credit_type")
            .get(pk=designation.pk)
        )
        old = locked.uan
        locked.uan = uan
        locked.uan_correction = True
        locked.full_clean()
        if locked.uan == old:
            return locked
        locked.save(update_fields=["uan"])
        audit_record(
            actor=actor,
            action="designation.uan_correct",
            obj=locked,
            old={"uan": old},
            new={"uan": locked.uan},
            reason=reason.strip(),
        )
        learner_ids = sorted(
            set(
                Claim.objects.filter(designation=locked, status=Claim.Status.ACTIVE).values_list(
                    "learner_id", flat=True
                )
            )
        )
        # Through the outbox, in this transaction: the re-issue is never lost to a failed
        # queue or worker (issue 9).
        for learner_id in learner_ids:
            outbox_enqueue(
                kind="certificates.refresh_and_email",
                payload={"learner_id": learner_id, "activity_id": locked.activity_id},
            )
    return locked
