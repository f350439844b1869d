from typing import Any

import pytest
from django.urls import reverse

from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.models import Board, Credential, Specialty
from celedger.core.models import AuditEvent
from celedger.profiles.models import LearnerProfile
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db


def profile_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "is_board_member": "no",
        "first_name": "Ana",
        "last_name": "Nuñez",
        "credentials": [Credential.objects.get(abbreviation="MD").pk],
        "profession": "",
        "specialty": Specialty.objects.get(name="Internal Medicine", parent=None).pk,
        "address1": "1 Main Street",
        "city": "Livonia",
        "country": "US",
        "state": "MI",
        "postal_code": "48154",
        "phone": "(734) 555-0101",
        "status": "practicing",
        "license_number": "4301012345",
        "license_state": "MI",
    }
    data.update(overrides)
    return data


def test_it_sends_anonymous_visitors_to_sign_in(client: Any) -> None:
    response = client.get(reverse("profiles:edit"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_it_creates_a_profile_and_follows_next(client: Any) -> None:
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("profiles:edit"), profile_post(next="/e/ABC234/"))
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/e/ABC234/"
    profile = LearnerProfile.objects.get(user=user)
    assert profile.profession.code == "physician"  # defaulted from MD
    assert profile.last_name_key == "nunez"
    assert str(profile.phone) == "+17345550101"
    assert AuditEvent.objects.filter(action="profile.create", object_id=str(profile.pk)).exists()


def test_it_refuses_an_offsite_next(client: Any) -> None:
    client.force_login(UserFactory())
    response = client.post(reverse("profiles:edit"), profile_post(next="https://evil.example/"))
    assert response["Location"] == reverse("profiles:edit")


def test_it_keeps_typed_values_and_shows_errors_beside_fields(client: Any) -> None:
    client.force_login(UserFactory())
    response = client.post(
        reverse("profiles:edit"), profile_post(postal_code="4815", city="Ypsilanti")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Ypsilanti"' in html
    assert 'id="id_postal_code_error"' in html
    assert not LearnerProfile.objects.exists()


def test_it_requires_nabp_data_for_pharmacists(client: Any) -> None:
    client.force_login(UserFactory())
    pharmd = Credential.objects.get(abbreviation="PharmD").pk
    response = client.post(reverse("profiles:edit"), profile_post(credentials=[pharmd]))
    form = response.context["form"]
    assert "CPE Monitor" in str(form.errors["nabp_eprofile_id"])
    assert "CPE Monitor" in str(form.errors["birthday"])
    response = client.post(
        reverse("profiles:edit"),
        profile_post(credentials=[pharmd], nabp_eprofile_id="1234567", birthday="02/29"),
    )
    assert response.status_code == 302
    profile = LearnerProfile.objects.get()
    assert (profile.birth_month, profile.birth_day, profile.birth_mmdd) == (2, 29, "0229")


def test_it_saves_a_board_certification_with_consent_time(client: Any) -> None:
    client.force_login(UserFactory())
    abim = Board.objects.get(code="ABIM")
    response = client.post(
        reverse("profiles:edit"),
        profile_post(
            is_board_member="yes",
            board=abim.pk,
            board_id="123456",
            board_consent="on",
            birthday="4/7",
        ),
    )
    assert response.status_code == 302
    certification = LearnerProfile.objects.get().board_certifications.get()
    assert certification.board == abim and certification.diplomate_id == "123456"
    assert certification.consented_at is not None


def test_it_marks_the_placeholder_license_missing(client: Any) -> None:
    profile = LearnerProfileFactory(license_number="0000")
    client.force_login(profile.user)
    html = client.get(reverse("profiles:edit")).content.decode()
    assert "missing" in html
    assert "Add your license number" in html  # the reminder banner


def test_it_audits_identity_changes(client: Any) -> None:
    profile = LearnerProfileFactory(license_number="0000")
    client.force_login(profile.user)
    page = client.get(reverse("profiles:edit"))
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data.update(
        license_number="MI-99887", phone=str(profile.phone), specialty=profile.specialty_id
    )
    response = client.post(reverse("profiles:edit"), data)
    assert response.status_code == 302, response.context["form"].errors
    event = AuditEvent.objects.get(action="profile.update")
    assert event.old_values == {"license_number": "0000"}
    assert event.new_values == {"license_number": "MI-99887"}
    assert event.actor == profile.user


def test_it_previews_credit_types_for_credentials(client: Any) -> None:
    ids = Credential.objects.filter(abbreviation__in=["MD", "PhD"]).values_list("pk", flat=True)
    response = client.get(reverse("profiles:credit_preview"), {"credentials": list(ids)})
    html = response.content.decode()
    assert "AMA PRA Category 1 Credit™" in html
    # A PhD is a degree, not a profession (issue 8): no APA credit from the letters alone.
    assert "APA continuing education credits" not in html
    assert "PhD (Doctor of Philosophy) is a degree, not a profession" in html
    assert "MOC points and IPCE credit depend on the activity" in html


def test_it_ignores_nonsense_in_the_preview(client: Any) -> None:
    response = client.get(reverse("profiles:credit_preview"), {"credentials": ["x", "9" * 40]})
    assert response.status_code == 200


def test_it_ignores_digits_that_are_not_ascii_in_the_preview(client: Any) -> None:
    """ "¹" is `str.isdigit()` but not an `int()`: it was a 500 (found by the form fuzz)."""
    credential = Credential.objects.get(abbreviation="MD")
    values = ["¹", "٣", "１２", str(credential.pk)]
    response = client.get(reverse("profiles:credit_preview"), {"credentials": values})
    assert response.status_code == 200
    assert [c.pk for c in response.context["selected_credentials"]] == [credential.pk]


@pytest.mark.parametrize("credentials", [["MD"], ["MD", "PhD", "RN", "PT"]])
def test_it_renders_the_profile_page_in_bounded_queries(
    client: Any, django_assert_num_queries: Any, credentials: list[str]
) -> None:
    profile = LearnerProfileFactory(credentials=credentials)
    client.force_login(profile.user)
    # The first visit caches the profile's profession and specialties, and the header's
    # staff-membership check.
    client.get(reverse("profiles:edit"))
    # 1 session, 2 the user with their profile (its profession, specialties cached), 3 its
    # credentials, 4 its board certifications, 5 the ticked credentials for the preview, 6
    # the preview's credit types, and the choice lists: 7 credentials, 8 boards, 9
    # professions, 10 specialties, 11 sub specialties.
    with django_assert_num_queries(11):
        response = client.get(reverse("profiles:edit"))
    assert response.status_code == 200


def test_it_separates_every_credential_with_a_comma(client: Any) -> None:
    profile = LearnerProfileFactory(first_name="Ana", last_name="Nuñez")
    profile.credentials.set(Credential.objects.filter(abbreviation__in=["MSN", "NP"]))
    assert profile.name_with_credentials == "Ana Nuñez, MSN, NP"
    client.force_login(profile.user)
    assert "Ana Nuñez, MSN, NP" in client.get(reverse("profiles:edit")).content.decode()
