from typing import Any

import factory

from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.models import Credential, Profession, Specialty
from celedger.profiles.models import LearnerProfile
from celedger.profiles.services import fold_last_name

# (profession code, profession name, credential) as shipped in the reference data.
PROFESSION_OF_CREDENTIAL = {
    "MD": ("physician", "Physician"),
    "DO": ("physician", "Physician"),
    "PA-C": ("physician-assistant", "Physician Assistant"),
    "RN": ("nurse", "Nurse"),
    "NP": ("nurse", "Nurse"),
    "PharmD": ("pharmacist", "Pharmacist"),
    "RPh": ("pharmacist", "Pharmacist"),
    "CPhT": ("pharmacy-technician", "Pharmacy Technician"),
    "PhD": ("psychologist", "Psychologist"),
    "LCSW": ("social-worker", "Social Worker"),
    "RD": ("dietitian", "Dietitian"),
    "PT": ("allied-health", "Allied Health"),
}


def credential(abbreviation: str) -> Credential:
    code, name = PROFESSION_OF_CREDENTIAL[abbreviation]
    profession, _ = Profession.objects.get_or_create(code=code, defaults={"name": name})
    found, _ = Credential.objects.get_or_create(
        abbreviation=abbreviation, defaults={"name": abbreviation, "profession": profession}
    )
    return found


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    """A complete profile: `credential_list=("RN",)` picks the profession (default MD);
    `credentials=[...]` sets several credentials."""

    class Meta:
        model = LearnerProfile
        skip_postgeneration_save = True

    class Params:
        credential_list = ("MD",)

    user = factory.SubFactory(UserFactory)
    first_name = factory.Sequence(lambda n: f"Avery{n}")
    last_name = factory.Sequence(lambda n: f"Learner{n}")
    last_name_key = factory.LazyAttribute(lambda o: fold_last_name(o.last_name))
    profession = factory.LazyAttribute(lambda o: credential(o.credential_list[0]).profession)
    specialty = factory.LazyFunction(
        lambda: Specialty.objects.get_or_create(name="Internal Medicine", parent=None)[0]
    )
    address1 = "1 Main Street"
    city = "Livonia"
    state = "MI"
    postal_code = "48154"
    country = "US"
    phone = factory.Sequence(lambda n: f"+1734555{n % 10000:04d}")
    status = LearnerProfile.Status.PRACTICING
    license_number = factory.Sequence(lambda n: f"LIC{n:06d}")
    license_state = "MI"

    @factory.post_generation
    def credentials(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if not create:
            return
        abbreviations = extracted or [DEFAULT_CREDENTIAL[self.profession.code]]
        self.credentials.set([credential(a) for a in abbreviations])


DEFAULT_CREDENTIAL = {code: abbr for abbr, (code, _) in reversed(PROFESSION_OF_CREDENTIAL.items())}
