import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django_countries import countries
from localflavor.us.us_states import STATE_CHOICES
from phonenumber_field.formfields import PhoneNumberField
from phonenumber_field.phonenumber import PhoneNumber

from celedger.accreditation.models import Board, Credential, Profession, Specialty
from celedger.accreditation.selectors import profession_for_credentials
from celedger.profiles.models import LICENSE_PLACEHOLDER, LearnerProfile

if TYPE_CHECKING:
    from celedger.accounts.models import User

NABP_PROFESSIONS = {"pharmacist", "pharmacy-technician"}
BIRTHDAY_RE = re.compile(r"^\s*(\d{1,2})\s*[/\-. ]\s*(\d{1,2})\s*$")
NABP_RE = re.compile(r"^\d{1,7}$")
US_ZIP_RE = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
YES_NO = [("yes", "Yes"), ("no", "No")]


@dataclass(frozen=True)
class ProfileInput:
    """Validated profile data, as the services take it."""

    first_name: str
    last_name: str
    credentials: list[Credential]
    profession: Profession
    affiliation: str
    specialty: Specialty
    sub_specialty: Specialty | None
    address1: str
    address2: str
    city: str
    state: str
    postal_code: str
    country: str
    phone: PhoneNumber
    status: str
    license_number: str
    license_state: str
    nabp_eprofile_id: str
    birth_month: int | None
    birth_day: int | None
    is_board_member: bool
    board: Board | None
    board_id: str
    board_consent: bool


def parse_birthday(value: str) -> tuple[int, int]:
    """MM/DD -> (month, day); a real calendar day, 02/29 included."""
    match = BIRTHDAY_RE.match(value or "")
    if not match:
        raise ValidationError("Enter your birthday as MM/DD, for example 04/27.")
    month, day = int(match.group(1)), int(match.group(2))
    try:
        date(2000, month, day)  # a leap year, so 02/29 is a real day
    except ValueError:
        raise ValidationError(
            "That is not a calendar day; enter MM/DD, for example 04/27."
        ) from None
    return month, day


class CredentialCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes that carry their profession, so the page can default the profession."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if instance is not None:
            option["attrs"]["data-profession"] = str(instance.profession_id)
            option["attrs"]["data-order"] = str(instance.profession.sort_order)
        return option


class ProfessionSelect(forms.Select):
    """Options that carry their profession code, so the page knows when NABP data is needed."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        instance = getattr(option["value"], "instance", None)
        if instance is not None:
            option["attrs"]["data-code"] = instance.code
        return option


class CredentialChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Credential)
        return f"{obj.abbreviation} ({obj.name})"


class DefaultedProfessionField(forms.ModelChoiceField):
    """Required, but an empty value is filled from the credentials in the form's clean()."""

    def validate(self, value: Any) -> None:
        pass


class CountryDependentChoiceField(forms.ChoiceField):
    """Marked required; whether it is depends on the country, which the form's clean() checks."""

    def validate(self, value: Any) -> None:
        if value:
            super().validate(value)


class CountryDependentCharField(forms.CharField):
    def validate(self, value: Any) -> None:
        pass


class SubSpecialtyField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, Specialty)
        return f"{obj.parent.name if obj.parent else ''} — {obj.name}"


class ProfileFieldsForm(forms.Form):
    """Every field of the guide's "Online Profile"; used for sign-up and the profile page."""

    is_board_member = forms.ChoiceField(
        label="Are you a Board Member?", choices=YES_NO, widget=forms.RadioSelect, initial="no"
    )
    board = forms.ModelChoiceField(
        label="Board", queryset=Board.objects.order_by("code"), required=False
    )
    board_id = forms.CharField(label="Board ID", max_length=40, required=False)
    board_consent = forms.BooleanField(
        label="I consent to CE Ledger's providers reporting my completions to my board "
        "through ACCME (PARS).",
        required=False,
    )
    first_name = forms.CharField(label="First Name", max_length=100)
    last_name = forms.CharField(label="Last Name", max_length=100)
    credentials = CredentialChoiceField(
        label="Credentials",
        queryset=Credential.objects.select_related("profession").order_by("abbreviation"),
        widget=CredentialCheckboxes,
        help_text="Choose every credential you hold, e.g. MD and PhD.",
    )
    profession = DefaultedProfessionField(
        label="Are you a Physician, Nurse, Pharmacist or Allied Health?",
        queryset=Profession.objects.order_by("sort_order", "name"),
        widget=ProfessionSelect(attrs={"data-nabp-codes": " ".join(sorted(NABP_PROFESSIONS))}),
        help_text="Filled in from your credentials; change it if it is not right.",
    )
    affiliation = forms.CharField(label="Affiliation", max_length=200, required=False)
    specialty = forms.ModelChoiceField(
        label="Specialty", queryset=Specialty.objects.filter(parent__isnull=True).order_by("name")
    )
    sub_specialty = SubSpecialtyField(
        label="Sub Specialty",
        queryset=Specialty.objects.filter(parent__isnull=False)
        .select_related("parent")
        .order_by("parent__name", "name"),
        required=False,
    )
    address1 = forms.CharField(label="Address", max_length=200)
    address2 = forms.CharField(label="Address 2", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100)
    country = forms.ChoiceField(label="Country", choices=list(countries), initial="US")
    state = CountryDependentChoiceField(
        label="State",
        choices=[("", "Choose a state or territory"), *STATE_CHOICES[:]],
        help_text="For addresses in the United States.",
    )
    region = CountryDependentCharField(
        label="State / province / region",
        max_length=100,
        help_text="For addresses outside the United States.",
    )
    postal_code = forms.CharField(
        label="Zip",
        max_length=20,
        help_text="In the US: 5 digits or ZIP+4 (12345-6789).",
    )
    phone = PhoneNumberField(
        label="Phone",
        help_text="US numbers as (734) 555-0100; others with their + country code.",
    )
    status = forms.ChoiceField(
        label="Status", choices=[("", "Choose…"), *LearnerProfile.Status.choices]
    )
    license_number = forms.CharField(
        label="License Number",
        max_length=40,
        help_text="Not sure? Enter 0000 for now: it will show as missing until you update it.",
    )
    license_state = forms.ChoiceField(
        label="License State",
        choices=[("", "—"), *STATE_CHOICES[:], ("non-us", "Outside the United States")],
        required=False,
    )
    birthday = forms.CharField(
        label="Birthday (MM/DD)",
        max_length=10,
        required=False,
        help_text="Two digits each, e.g. 04/27. Required for pharmacists, pharmacy "
        "technicians and board members.",
    )
    nabp_eprofile_id = forms.CharField(
        label="NABP e-Profile ID",
        max_length=20,
        required=False,
        help_text="Pharmacists and pharmacy technicians: up to 7 digits. ACPE credit is "
        "reported to NABP's CPE Monitor with this ID and your birthday; without them you "
        "cannot receive ACPE credit.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs.update({"autocomplete": "tel", "type": "tel"})
        self.fields["phone"].widget.input_type = "tel"
        for name, token in [
            ("first_name", "given-name"),
            ("last_name", "family-name"),
            ("address1", "address-line1"),
            ("address2", "address-line2"),
            ("city", "address-level2"),
            ("state", "address-level1"),
            ("region", "address-level1"),
            ("postal_code", "postal-code"),
            ("country", "country"),
            ("affiliation", "organization"),
        ]:
            self.fields[name].widget.attrs["autocomplete"] = token
        self.fields["nabp_eprofile_id"].widget.attrs["inputmode"] = "numeric"
        self.fields["birthday"].widget.attrs.update(
            {"inputmode": "numeric", "placeholder": "MM/DD"}
        )

    def clean_nabp_eprofile_id(self) -> str:
        value = re.sub(r"\s", "", self.cleaned_data.get("nabp_eprofile_id") or "")
        if value and not NABP_RE.match(value):
            raise ValidationError("Your NABP e-Profile ID is digits only, 1 to 7 of them.")
        return value

    def clean_license_number(self) -> str:
        return (self.cleaned_data.get("license_number") or "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        credentials = cleaned.get("credentials") or []
        if not cleaned.get("profession") and "profession" not in self.errors:
            profession = profession_for_credentials(credentials=credentials)
            if profession is None:
                self.add_error("profession", "This field is required.")
            else:
                cleaned["profession"] = profession
        self._clean_address(cleaned)
        self._clean_birthday_and_nabp(cleaned)
        self._clean_board(cleaned)
        specialty, sub = cleaned.get("specialty"), cleaned.get("sub_specialty")
        if specialty and sub and sub.parent_id != specialty.pk:
            self.add_error("sub_specialty", f"Choose a sub specialty of {specialty.name}.")
        return cleaned

    def _clean_address(self, cleaned: dict[str, Any]) -> None:
        postal = (cleaned.get("postal_code") or "").strip()
        if cleaned.get("country") == "US":
            if not cleaned.get("state") and "state" not in self.errors:
                self.add_error("state", "Choose the state or territory.")
            match = US_ZIP_RE.match(postal.replace(" ", ""))
            if postal and not match:
                self.add_error("postal_code", "Enter a 5-digit ZIP code or ZIP+4 (12345-6789).")
            elif match:
                cleaned["postal_code"] = (
                    f"{match.group(1)}-{match.group(2)}" if match.group(2) else match.group(1)
                )
            cleaned["region_value"] = cleaned.get("state") or ""
        elif cleaned.get("country"):
            region = (cleaned.get("region") or "").strip()
            if not region:
                self.add_error("region", "Enter your state, province or region.")
            cleaned["region_value"] = region
            cleaned["postal_code"] = postal

    def _clean_birthday_and_nabp(self, cleaned: dict[str, Any]) -> None:
        cleaned["birth_month"] = cleaned["birth_day"] = None
        raw = (cleaned.get("birthday") or "").strip()
        if raw:
            try:
                cleaned["birth_month"], cleaned["birth_day"] = parse_birthday(raw)
            except ValidationError as error:
                self.add_error("birthday", error)
        profession = cleaned.get("profession")
        if profession is not None and profession.code in NABP_PROFESSIONS:
            if not raw and "birthday" not in self.errors:
                self.add_error(
                    "birthday",
                    "Pharmacists and pharmacy technicians must give their birthday (MM/DD) "
                    "for CPE Monitor.",
                )
            if not cleaned.get("nabp_eprofile_id") and "nabp_eprofile_id" not in self.errors:
                self.add_error(
                    "nabp_eprofile_id",
                    "Pharmacists and pharmacy technicians must give their NABP e-Profile ID "
                    "for CPE Monitor.",
                )

    def _clean_board(self, cleaned: dict[str, Any]) -> None:
        if cleaned.get("is_board_member") != "yes":
            return
        if not cleaned.get("board") and "board" not in self.errors:
            self.add_error("board", "Choose your board.")
        if not (cleaned.get("board_id") or "").strip():
            self.add_error("board_id", "Enter your board ID (diplomate number).")
        if not (cleaned.get("birthday") or "").strip() and "birthday" not in self.errors:
            self.add_error("birthday", "Boards need your birthday (MM/DD) to match MOC reports.")

    def profile_input(self) -> ProfileInput:
        """The validated data for profile_create / profile_update (after is_valid())."""
        data = self.cleaned_data
        board_member = data["is_board_member"] == "yes"
        return ProfileInput(
            first_name=data["first_name"].strip(),
            last_name=data["last_name"].strip(),
            credentials=list(data["credentials"]),
            profession=data["profession"],
            affiliation=data.get("affiliation", "").strip(),
            specialty=data["specialty"],
            sub_specialty=data.get("sub_specialty"),
            address1=data["address1"].strip(),
            address2=data.get("address2", "").strip(),
            city=data["city"].strip(),
            state=data["region_value"],
            postal_code=data["postal_code"],
            country=data["country"],
            phone=data["phone"],
            status=data["status"],
            license_number=data["license_number"],
            license_state=data.get("license_state", ""),
            nabp_eprofile_id=data.get("nabp_eprofile_id", ""),
            birth_month=data.get("birth_month"),
            birth_day=data.get("birth_day"),
            is_board_member=board_member,
            board=data.get("board") if board_member else None,
            board_id=(data.get("board_id") or "").strip() if board_member else "",
            board_consent=bool(data.get("board_consent")) if board_member else False,
        )


def initial_from_profile(profile: LearnerProfile) -> dict[str, Any]:
    """The form's initial values for an existing profile."""
    certification = next(iter(profile.board_certifications.all()), None)
    us = profile.country == "US"
    return {
        "is_board_member": "yes" if profile.is_board_member else "no",
        "board": certification.board_id if certification else None,
        "board_id": certification.diplomate_id if certification else "",
        "board_consent": bool(certification and certification.consented_at),
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "credentials": [c.pk for c in profile.credentials.all()],
        "profession": profile.profession_id,
        "affiliation": profile.affiliation,
        "specialty": profile.specialty_id,
        "sub_specialty": profile.sub_specialty_id,
        "address1": profile.address1,
        "address2": profile.address2,
        "city": profile.city,
        "country": str(profile.country),
        "state": profile.state if us else "",
        "region": "" if us else profile.state,
        "postal_code": profile.postal_code,
        "phone": profile.phone,
        "status": profile.status,
        "license_number": profile.license_number,
        "license_state": profile.license_state,
        "birthday": f"{profile.birth_month:02d}/{profile.birth_day:02d}"
        if profile.birth_month and profile.birth_day
        else "",
        "nabp_eprofile_id": profile.nabp_eprofile_id,
    }


class ProfileForm(ProfileFieldsForm):
    """The profile page's form."""


class SignupProfileForm(ProfileFieldsForm):
    """allauth's sign-up form is built on this class, so sign-up asks every profile field and
    "Save Profile" creates the account and the profile together."""

    def signup(self, request: Any, user: "User") -> None:
        from celedger.profiles.services import profile_create

        profile_create(user=user, actor=user, data=self.profile_input())


__all__ = ["LICENSE_PLACEHOLDER", "ProfileForm", "ProfileInput", "SignupProfileForm"]
