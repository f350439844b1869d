"""Issue, refresh and revoke certificates; render their PDFs only when the claims change."""

import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from celedger.activities.models import Activity, CreditDesignation
from celedger.certificates.models import Certificate
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


def certificate_number(*, activity: Activity, learner: Any) -> str:
    # Deterministic and readable aloud; verification uses the separate secret code.
    return f"CE-{activity.pk:06d}-{learner.pk:07d}"


def verification_url(certificate: Certificate) -> str:
    path = reverse("certificates:verify", args=[certificate.verification_code])
    return f"{settings.SITE_URL}{path}"


def _active_claims(*, learner: Any, activity: Activity) -> list[Claim]:
    return list(
        Claim.objects.filter(
            learner=learner, session__activity=activity, status=Claim.Status.ACTIVE
        )
        .select_related("designation__credit_type", "session")
        .order_by("designation__credit_type__sort_order", "pk")
    )


def _profile(learner: Any) -> LearnerProfile | None:
    return (
        LearnerProfile.objects.filter(user=learner)
        .prefetch_related("credentials")
        .select_related("profession")
        .first()
    )


def certificate_fingerprint(*, claims: list[Claim], profile: LearnerProfile | None) -> str:
    """What the PDF shows that can change: the claims and the learner's identity."""
    parts = [f"{c.pk}:{c.designation_id}:{c.hours}" for c in claims]
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
    amount = f"{designation.max_hours.normalize():f}"
    text = template.replace("{provider}", publisher.name).replace("{amount}", amount)
    return text


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
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=2)
    return data_url(out.getvalue(), "image/png")


def _logo_data_url(publisher: Publisher) -> str:
    if not publisher.logo:
        return ""
    try:
        with publisher.logo.open("rb") as handle:
            content = handle.read()
    except OSError:
        return ""
    name = (publisher.logo.name or "").lower()
    mime = (
        "image/svg+xml"
        if name.endswith(".svg")
        else "image/jpeg"
        if name.endswith((".jpg", ".jpeg"))
        else "image/png"
    )
    return data_url(content, mime)


def certificate_render(
    *,
    certificate: Certificate,
    claims: list[Claim],
    profile: LearnerProfile | None,
) -> bytes:
    activity = certificate.activity
    publisher = activity.publisher
    url = verification_url(certificate)
    context = {
        "certificate": certificate,
        "activity": activity,
        "publisher": publisher,
        "profile": profile,
        "learner_email": certificate.learner.email,
        "lines": certificate_lines(claims=claims, publisher=publisher),
        "verify_url": url,
        "qr": _qr_data_url(url),
        "logo": _logo_data_url(publisher),
        "issued_on": timezone.localdate(certificate.issued_at or timezone.now()),
    }
    return render_pdf("certificates/certificate.html", context)


def certificate_issue(*, learner: Any, activity: Activity) -> Certificate | None:
    """The learner's certificate for `activity`, created, re-rendered, revoked or reinstated
    to match the active claims. None when the learner never had credit there."""
    claims = _active_claims(learner=learner, activity=activity)
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("activity__publisher", "learner")
            .filter(learner=learner, activity=activity)
            .first()
        )
        if certificate is None:
            if not claims:
                return None
            try:
                with transaction.atomic():
                    certificate = Certificate.objects.create(
                        learner=learner,
                        activity=activity,
                        number=certificate_number(activity=activity, learner=learner),
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
                    learner=learner, activity=activity
                )
            certificate.activity = activity
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
        pdf = certificate_render(certificate=certificate, claims=claims, profile=profile)
        old_name = certificate.pdf.name
        certificate.pdf.save(f"{certificate.number}.pdf", ContentFile(pdf), save=False)
        certificate.pdf_fingerprint = fingerprint
        certificate.save(update_fields=["pdf", "pdf_fingerprint"])
        if old_name and old_name != certificate.pdf.name:
            storage = certificate.pdf.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return certificate


def certificate_pdf_bytes(*, certificate: Certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        content: bytes = handle.read()
    return content


def certificate_totals(*, certificate: Certificate) -> list[tuple[str, str, Decimal]]:
    """Credit per type on the certificate (for the public verification page)."""
    sums: dict[str, tuple[str, Decimal]] = {}
    for claim in _active_claims(learner=certificate.learner, activity=certificate.activity):
        ct = claim.designation.credit_type
        unit, hours = sums.get(ct.name, (ct.unit, Decimal("0")))
        sums[ct.name] = (unit, hours + claim.hours)
    return [(name, unit, hours) for name, (unit, hours) in sums.items()]
