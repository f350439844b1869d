from typing import Any

import pytest
from django.core.exceptions import ValidationError

from celedger.accreditation.models import Board, Credential
from celedger.core.models import AuditEvent
from celedger.profiles.forms import ProfileForm, initial_from_profile, parse_birthday
from celedger.profiles.services import fold_last_name, profile_update
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.profiles.tests.test_profile_page import profile_post

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> ProfileForm:
    return ProfileForm(profile_post(**overrides))


def test_it_folds_last_names() -> None:
    assert fold_last_name("Núñez") == fold_last_name("NUNEZ") == "nunez"
    assert fold_last_name("O'Brien-Smith") == "obriensmith"
    assert fold_last_name("Łukasiewicz")[:1] == "ł"


@pytest.mark.parametrize("value", ["02/29", "2/29", "12-31", "01/01", " 4 / 7 "])
def test_it_accepts_real_birthdays(value: str) -> None:
    parse_birthday(value)


@pytest.mark.parametrize("value", ["02/30", "13/01", "00/10", "04/31", "0229", "", "ab/cd"])
def test_it_refuses_impossible_birthdays(value: str) -> None:
    with pytest.raises(ValidationError):
        parse_birthday(value)


@pytest.mark.parametrize(
    ("zip_code", "stored"),
    [("48154", "48154"), ("48154-1234", "48154-1234"), ("481541234", "48154-1234")],
)
def test_it_accepts_us_zip_codes(zip_code: str, stored: str) -> None:
    f = form(postal_code=zip_code)
    assert f.is_valid(), f.errors
    assert f.profile_input().postal_code == stored


@pytest.mark.parametrize("zip_code", ["4815", "481541", "ABCDE", "48154-12"])
def test_it_refuses_bad_us_zip_codes(zip_code: str) -> None:
    assert "postal_code" in form(postal_code=zip_code).errors


def test_it_requires_a_us_state_and_takes_free_regions_elsewhere() -> None:
    assert "state" in form(state="").errors
    assert "state" in form(state="XX").errors
    f = form(country="CA", state="", region="Ontario", postal_code="M5V 2T6", phone="+14165550100")
    assert f.is_valid(), f.errors
    assert f.profile_input().state == "Ontario"
    assert "region" in form(country="CA", state="", region="").errors


def test_it_stores_phones_in_e164() -> None:
    f = form(phone="734.555.0100")
    assert f.is_valid(), f.errors
    assert f.profile_input().phone.as_e164 == "+17345550100"
    assert "phone" in form(phone="12").errors


@pytest.mark.parametrize("nabp", ["12345678", "12a4", "-1"])
def test_it_refuses_bad_nabp_ids(nabp: str) -> None:
    assert "nabp_eprofile_id" in form(nabp_eprofile_id=nabp).errors


def test_it_requires_nabp_data_for_pharmacy_technicians_too() -> None:
    cpht = Credential.objects.get(abbreviation="CPhT").pk
    errors = form(credentials=[cpht]).errors
    assert "nabp_eprofile_id" in errors and "birthday" in errors
    assert form(credentials=[cpht], nabp_eprofile_id="7", birthday="1/2").is_valid()


def test_it_requires_board_details_from_board_members() -> None:
    errors = form(is_board_member="yes").errors
    assert {"board", "board_id", "birthday"} <= set(errors)


def test_it_accepts_the_0000_license_placeholder() -> None:
    f = form(license_number=" 0000 ")
    assert f.is_valid()
    assert f.profile_input().license_number == "0000"


def test_it_checks_the_sub_specialty_belongs_to_the_specialty() -> None:
    from celedger.accreditation.models import Specialty

    cardio = Specialty.objects.get(name="Interventional Cardiology")
    assert "sub_specialty" in form(sub_specialty=cardio.pk).errors


def test_it_keeps_last_name_key_and_audits_board_id_changes() -> None:
    profile = LearnerProfileFactory(last_name="Smith")
    abim = Board.objects.get(code="ABIM")
    data = {k: v for k, v in initial_from_profile(profile).items() if v is not None}
    data.update(
        last_name="Sánchez",
        phone=str(profile.phone),
        is_board_member="yes",
        board=abim.pk,
        board_id="778899",
        board_consent="on",
        birthday="03/14",
    )
    f = ProfileForm(data)
    assert f.is_valid(), f.errors
    updated = profile_update(profile=profile, actor=profile.user, data=f.profile_input())
    assert updated.last_name_key == "sanchez"
    event = AuditEvent.objects.get(action="profile.update")
    assert event.old_values["last_name"] == "Smith"
    assert event.new_values["board_ids"] == ["ABIM:778899"]
    assert event.new_values["birth_month"] == 3
    consent = updated.board_certifications.get().consented_at
    # Saving again keeps the original consent time; withdrawing clears it.
    updated = profile_update(profile=updated, actor=profile.user, data=f.profile_input())
    assert updated.board_certifications.get().consented_at == consent
    data.pop("board_consent")
    f = ProfileForm(data)
    assert f.is_valid()
    updated = profile_update(profile=updated, actor=profile.user, data=f.profile_input())
    assert updated.board_certifications.get().consented_at is None
