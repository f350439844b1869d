"""Demo publishers and their staff (`manage.py seed_demo`); safe to run again."""

from typing import Any

from django.contrib.auth import get_user_model

from celedger.publishers.models import Publisher, StaffMembership

DEMO_PASSWORD = "ce-ledger-demo"
PUBLISHERS: list[dict[str, Any]] = [
    {
        "code": "lhs",
        "name": "Lakeside Health System",
        "contact_email": "cme@lakeside.example.org",
        "liaison_name": "Jordan Reyes",
        "time_zone": "America/Detroit",
        "accreditation_statement": (
            "In support of improving patient care, Lakeside Health System is jointly "
            "accredited by the Accreditation Council for Continuing Medical Education "
            "(ACCME), the Accreditation Council for Pharmacy Education (ACPE), and the "
            "American Nurses Credentialing Center (ANCC), to provide continuing education "
            "for the healthcare team."
        ),
        "is_jointly_accredited": True,
        "accme_provider_id": "4008123",
        "acpe_provider_number": "0123",
        "signer_name": "Dana Whitfield, MD",
        "signer_title": "Director, Interprofessional Continuing Education",
    },
    {
        "code": "glps",
        "name": "Great Lakes Pharmacy Society",
        "contact_email": "ce@glps.example.org",
        "liaison_name": "Morgan Patel, PharmD",
        "time_zone": "America/Chicago",
        "accreditation_statement": (
            "The Great Lakes Pharmacy Society is accredited by the Accreditation Council "
            "for Pharmacy Education as a provider of continuing pharmacy education."
        ),
        "acpe_provider_number": "0456",
        "signer_name": "Morgan Patel, PharmD",
        "signer_title": "Director of Continuing Pharmacy Education",
    },
]
STAFF = [
    ("admin@example.org", StaffMembership.Role.ADMIN),
    ("coordinator@example.org", StaffMembership.Role.COORDINATOR),
]


def _user(email: str, *, superuser: bool = False) -> Any:
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # profiles.demo normally creates these; this keeps the seed working on its own.
        user = User(email=email, is_staff=superuser, is_superuser=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"primary": True, "verified": True}
        )
    return user


def seed() -> list[str]:
    """Publishers and staff; prints nothing (the activities seed prints the portals)."""
    for data in PUBLISHERS:
        publisher, _ = Publisher.objects.get_or_create(code=data["code"], defaults=data)
        for email, role in STAFF:
            StaffMembership.objects.get_or_create(
                user=_user(email, superuser=role == StaffMembership.Role.ADMIN),
                publisher=publisher,
                defaults={"role": role},
            )
    return []
