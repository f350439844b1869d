import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from celedger.accounts.models import DuplicateCheck, User
from celedger.accounts.services import mask_email
from celedger.accreditation.models import Credential, Specialty
from celedger.core.outbox import outbox_deliver_pending
from celedger.profiles.models import LearnerProfile
from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db
NEXT = "/e/K7QM2P/"
PASSWORD = "a long passphrase 9041"


def signup_post(email: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "email": email,
        "email2": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "is_board_member": "no",
        "first_name": "Ana",
        "last_name": "Nuñez",
        "credentials": [Credential.objects.get(abbreviation="RN").pk],
        "profession": "",
        "specialty": Specialty.objects.get(name="Nursing", parent=None).pk,
        "address1": "1 Main Street",
        "city": "Livonia",
        "country": "US",
        "state": "MI",
        "postal_code": "48154",
        "phone": "(734) 555-0199",
        "status": "practicing",
        "license_number": "0000",
        "next": NEXT,
    }
    data.update(overrides)
    return data


def start(client: Any, email: str) -> None:
    response = client.post(reverse("accounts:create"), {"email": email, "next": NEXT})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:check')}?next=%2Fe%2FK7QM2P%2F"


def test_it_masks_emails() -> None:
    assert mask_email("jane.doe@example.org") == "j•••@e•••.org"
    assert mask_email("x@localhost") == "x•••@l•••"


def test_it_walks_the_guides_way_in_and_keeps_next(client: Any) -> None:
    start(client, "ana@example.org")
    response = client.post(
        reverse("accounts:check"), {"last_name": "Nunez", "phone": "734-555-0199", "next": NEXT}
    )
    assert b"No account found" in response.content
    assert DuplicateCheck.objects.get().outcome == DuplicateCheck.Outcome.NO_MATCH

    page = client.get(reverse("account_signup"), {"next": NEXT})
    assert page.context["form"]["email"].value() == "ana@example.org"
    assert page.context["form"]["last_name"].value() == "Nunez"
    response = client.post(reverse("account_signup"), signup_post("ana@example.org"))
    assert response.status_code == 302, response.context["form"].errors
    user = User.objects.get(email="ana@example.org")
    profile = LearnerProfile.objects.get(user=user)
    assert profile.profession.code == "nurse"
    assert profile.license_is_placeholder
    assert DuplicateCheck.objects.get().new_user == user

    assert mail.outbox == []  # recorded in the sign-up's transaction, sent by the outbox
    outbox_deliver_pending()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.post("/" + path)
    assert response.status_code == 302
    assert response["Location"] == NEXT
    assert EmailAddress.objects.get(user=user).verified


def test_it_keeps_the_program_when_the_email_is_confirmed_on_another_device(
    client: Any,
) -> None:
    from django.test import Client

    start(client, "ana@example.org")
    client.post(
        reverse("accounts:check"), {"last_name": "Nunez", "phone": "734-555-0199", "next": NEXT}
    )
    response = client.post(
        reverse("account_signup"), {**signup_post("ana@example.org"), "next": NEXT}, follow=True
    )
    page = response.content.decode()
    assert "What happens next" in page
    assert f'<a href="{NEXT}">where you started</a>' in page

    # The phone's mail app opens the link in a browser that has never seen this session.
    outbox_deliver_pending()
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    assert link.group(0).endswith("?next=%2Fe%2FK7QM2P%2F")
    other_device = Client()
    path = "/" + link.group(0).split("://", 1)[1].split("/", 1)[1]
    confirm_page = other_device.get(path).content.decode()
    assert f'name="next" value="{NEXT}"' in confirm_page
    response = other_device.post(path, {"next": NEXT})
    assert response.status_code == 302
    assert response["Location"] == NEXT
    assert EmailAddress.objects.get(email="ana@example.org").verified


def test_it_refuses_signup_before_the_check(client: Any) -> None:
    response = client.get(reverse("account_signup"), {"next": NEXT})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:create"))
    start(client, "ana@example.org")
    assert client.get(reverse("account_signup")).status_code == 302


def test_it_offers_a_sign_in_code_on_a_match(client: Any) -> None:
    existing = LearnerProfileFactory(last_name="Núñez", phone="+17345550142")
    existing.user.email = "jane.doe@example.org"
    existing.user.save()
    EmailAddress.objects.filter(user=existing.user).update(email="jane.doe@example.org")
    start(client, "other@example.org")
    response = client.post(
        reverse("accounts:check"),
        {"last_name": "NUNEZ", "phone": "(734) 555-0142", "next": NEXT},
    )
    html = response.content.decode()
    assert "j•••@e•••.org" in html
    assert "jane.doe" not in html and existing.first_name not in html
    assert "Email me a sign-in link" in html and "This is not me" in html
    assert client.get(reverse("account_signup")).status_code == 302  # not cleared yet

    response = client.post(reverse("accounts:check_send_link"), {"next": NEXT})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_confirm_login_code"))
    assert mail.outbox[0].to == ["jane.doe@example.org"]
    code = re.search(r"^\s*([A-Z0-9-]{6,})\s*$", mail.outbox[0].body, re.M)
    assert code, mail.outbox[0].body
    assert DuplicateCheck.objects.get().outcome == DuplicateCheck.Outcome.MATCH_LINK_SENT
    response = client.post(
        reverse("account_confirm_login_code"), {"code": code.group(1), "next": NEXT}
    )
    assert response.status_code == 302
    assert response["Location"] == NEXT
    assert client.session["_auth_user_id"] == str(existing.user.pk)


def test_it_records_not_me_and_continues(client: Any) -> None:
    LearnerProfileFactory(last_name="Smith", phone="+17345550143")
    start(client, "new@example.org")
    client.post(reverse("accounts:check"), {"last_name": "smith", "phone": "7345550143"})
    response = client.post(reverse("accounts:check_not_me"), {"next": NEXT})
    assert response["Location"] == f"{reverse('account_signup')}?next=%2Fe%2FK7QM2P%2F"
    assert DuplicateCheck.objects.get().outcome == DuplicateCheck.Outcome.MATCH_NOT_ME
    assert client.get(reverse("account_signup")).status_code == 200


def test_it_answers_a_no_match_the_same_for_unknown_names_and_phones(client: Any) -> None:
    LearnerProfileFactory(last_name="Known", phone="+17345550160")
    start(client, "x@example.org")
    unknown_name = client.post(
        reverse("accounts:check"), {"last_name": "Other", "phone": "7345550160"}
    )
    unknown_phone = client.post(
        reverse("accounts:check"), {"last_name": "Known", "phone": "7345550161"}
    )
    # Tokens and nonces differ per response; everything else must be identical.
    strip = re.compile(r'"[A-Za-z0-9_-]{20,}"')
    assert strip.sub("", unknown_name.content.decode()) == strip.sub(
        "", unknown_phone.content.decode()
    )


def test_it_lands_a_user_without_profile_on_the_profile_page(client: Any) -> None:
    from celedger.accounts.tests.factories import PASSWORD as FACTORY_PASSWORD
    from celedger.accounts.tests.factories import UserFactory

    user = UserFactory()
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": FACTORY_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("profiles:edit"))


def test_it_does_not_reveal_an_existing_email_at_signup(client: Any) -> None:
    existing = LearnerProfileFactory()
    start(client, existing.user.email)
    client.post(reverse("accounts:check"), {"last_name": "Unknown", "phone": "7345550170"})
    taken = client.post(
        reverse("account_signup"), signup_post(existing.user.email, phone="7345550170")
    )
    client.logout()
    start(client, "fresh@example.org")
    client.post(reverse("accounts:check"), {"last_name": "Unknown", "phone": "7345550171"})
    fresh = client.post(
        reverse("account_signup"), signup_post("fresh@example.org", phone="7345550171")
    )
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert LearnerProfile.objects.count() == 2  # the existing one and fresh@'s
    outbox_deliver_pending()
    assert "already" in mail.outbox[0].body.lower()  # told by email, not on the page


def test_it_signs_out(client: Any) -> None:
    profile = LearnerProfileFactory()
    client.force_login(profile.user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
