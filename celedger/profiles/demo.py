"""Demo people: three learners with complete profiles, a coordinator and an admin."""

from typing import Any

from allauth.account.models import EmailAddress
from phonenumber_field.phonenumber import PhoneNumber

from celedger.accounts.models import User
from celedger.accreditation.models import Board, Credential, Specialty
from celedger.profiles.forms import ProfileInput
from celedger.profiles.models import LearnerProfile
from celedger.profiles.services import profile_create

PASSWORD = "ce-ledger-demo"

# email, first, last, credentials, specialty, extra
LEARNERS: list[tuple[str, str, str, list[str], str, dict[str, Any]]] = [
    ("learner@example.org", "Avery", "Learner", ["MD"], "Internal Medicine", {"board": "ABIM"}),
    ("nurse@example.org", "Noor", "Nurse", ["RN"], "Nursing", {}),
    (
        "pharmacist@example.org",
        "Pat",
        "Pharmacist",
        ["PharmD"],
        "Pharmacy",
        {"nabp": "1234567", "birthday": (4, 27)},
    ),
]
STAFF = [("coordinator@example.org", False), ("admin@example.org", True)]


def _user(email: str, *, superuser: bool = False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        if superuser:
            user = User.objects.create_superuser(email=email, password=PASSWORD)
        else:
            user = User.objects.create_user(email=email, password=PASSWORD)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed() -> list[str]:
    """Create the demo people (idempotent); return the logins to print."""
    for index, (email, first, last, creds, specialty, extra) in enumerate(LEARNERS):
        user = _user(email)
        if LearnerProfile.objects.filter(user=user).exists():
            continue
        credentials = list(
            Credential.objects.filter(abbreviation__in=creds).select_related("profession")
        )
        birthday = extra.get("birthday")
        board = Board.objects.get(code=extra["board"]) if extra.get("board") else None
        profile_create(
            user=user,
            actor=None,
            data=ProfileInput(
                first_name=first,
                last_name=last,
                credentials=credentials,
                profession=credentials[0].profession,
                affiliation="Trinity Health Michigan",
                specialty=Specialty.objects.get(name=specialty, parent=None),
                sub_specialty=None,
                address1=f"{100 + index} Main Street",
                address2="",
                city="Livonia",
                state="MI",
                postal_code="48154",
                country="US",
                phone=PhoneNumber.from_string(f"+1734555{100 + index:04d}"),
                status=LearnerProfile.Status.PRACTICING,
                license_number=f"43010{index:05d}",
                license_state="MI",
                nabp_eprofile_id=extra.get("nabp", ""),
                birth_month=birthday[0] if birthday else (3 if board else None),
                birth_day=birthday[1] if birthday else (14 if board else None),
                is_board_member=board is not None,
                board=board,
                board_id="123456" if board else "",
                board_consent=board is not None,
            ),
        )
    for email, superuser in STAFF:
        _user(email, superuser=superuser)
    logins = [email for email, *_ in LEARNERS] + [email for email, _ in STAFF]
    return [
        f"Demo logins (password {PASSWORD}):",
        *(f"  {email}" for email in logins),
    ]
