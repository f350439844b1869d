"""Walk-ins: staff enter a person and credit; the person claims the account or accepts the
credit; the page never tells staff whether the email had an account."""

from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from celedger.accounts.tests.factories import UserFactory
from celedger.accreditation.models import Profession, Specialty
from celedger.activities.models import Attendance
from celedger.activities.tests.factories import AttendanceFactory
from celedger.certificates.models import Certificate
from celedger.core.models import AuditEvent
from celedger.credits.models import Claim
from celedger.profiles.models import LearnerProfile
from celedger.profiles.tests.factories import credential
from celedger.rollout.models import PendingAward, WalkIn
from celedger.rollout.tests.helpers import links_to, path_of

pytestmark = pytest.mark.django_db


def _post(client: Any, publisher: Any, session: Any, designation: Any, **over: Any) -> Any:
    data = {
        "email": "ana.nunez@example.org",
        "first_name": "Ana",
        "last_name": "Núñez",
        "profession": str(Profession.objects.get(code="physician").pk),
        "license_number": "4301099",
        "license_state": "MI",
        "session": str(session.pk),
        "designation": str(designation.pk),
        "hours": "1.50",
        "reason": "Walk-in: signed the paper sheet",
        **over,
    }
    return client.post(reverse("rollout:walk_in", args=[publisher.code]), data, follow=True)


def _confirmation(response: Any) -> str:
    return next(str(m) for m in response.context["messages"])


def test_it_creates_an_account_and_holds_the_credit_until_it_is_claimed(
    login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    response = _post(login("coordinator"), publisher, session, designation)

    assert response.status_code == 200
    user = get_user_model().objects.get(email="ana.nunez@example.org")
    assert not user.has_usable_password()
    assert WalkIn.objects.get(user=user).last_name == "Núñez"
    assert PendingAward.objects.get(learner=user).hours == Decimal("1.50")
    assert not Claim.objects.filter(learner=user).exists()
    assert not Attendance.objects.filter(learner=user).exists()
    assert links_to("ana.nunez@example.org", "/welcome/")
    assert AuditEvent.objects.filter(action="walkin.create").exists()


def test_it_says_the_same_whether_or_not_the_email_has_an_account(
    login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    client = login("coordinator")
    new = _post(client, publisher, session, designation, email="new.person@example.org")
    UserFactory(email="has.account@example.org")
    old = _post(client, publisher, session, designation, email="has.account@example.org")

    assert _confirmation(new).replace("new.person", "X") == _confirmation(old).replace(
        "has.account", "X"
    )
    assert new.content.decode().count("Waiting for the learner") == 1
    # The existing account's owner is asked to accept; nothing lands without them.
    assert links_to("has.account@example.org", "/awards/")
    assert not Claim.objects.filter(learner__email="has.account@example.org").exists()


def test_it_awards_at_once_to_an_account_that_checked_in(
    login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    learner = UserFactory(email="checked.in@example.org")
    AttendanceFactory(session=session, learner=learner)

    _post(login("coordinator"), publisher, session, designation, email="CHECKED.IN@example.org")

    claim = Claim.objects.get(learner=learner)
    assert claim.hours == Decimal("1.50")
    assert not PendingAward.objects.exists()


def test_it_keeps_what_staff_typed_and_explains_bad_hours(
    login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    response = _post(login("coordinator"), publisher, session, designation, hours="9")

    assert response.status_code == 400
    assert "The most for this credit is 1.5" in response.content.decode()
    assert 'value="ana.nunez@example.org"' in response.content.decode()
    assert not get_user_model().objects.filter(email="ana.nunez@example.org").exists()


def _claim_data(**over: Any) -> dict[str, Any]:
    return {
        "password1": "a long passphrase 9041",
        "password2": "a long passphrase 9041",
        "first_name": "Ana",
        "last_name": "Núñez",
        "credentials": [str(credential("MD").pk)],
        "profession": str(Profession.objects.get(code="physician").pk),
        "specialty": str(Specialty.objects.filter(parent=None).first().pk),  # type: ignore[union-attr]
        "address1": "1 Main Street",
        "city": "Livonia",
        "state": "MI",
        "postal_code": "48154",
        "country": "US",
        "phone": "+17345550199",
        "status": "practicing",
        "license_number": "4301099",
        "license_state": "MI",
        "is_board_member": "no",
        "attested": "on",
        **over,
    }


def test_the_walk_in_claims_the_account_and_the_credit_lands(
    client: Any, login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    _post(login("coordinator"), publisher, session, designation)
    client.logout()
    path = path_of(links_to("ana.nunez@example.org", "/welcome/")[-1])

    page = client.get(path)
    assert page.status_code == 200
    assert 'value="Núñez"' in page.content.decode()  # pre-filled from what staff typed

    missing = client.post(path, _claim_data(attested=""))
    assert missing.status_code == 400
    assert "Tick the attestation" in missing.content.decode()

    done = client.post(path, _claim_data(), follow=True)
    assert done.status_code == 200
    assert done.request["PATH_INFO"] == reverse("credits:transcript")
    user = get_user_model().objects.get(email="ana.nunez@example.org")
    assert user.check_password("a long passphrase 9041")
    assert EmailAddress.objects.get(user=user).verified
    assert LearnerProfile.objects.get(user=user).license_number == "4301099"
    assert Claim.objects.get(learner=user).awarded_by is not None
    assert Attendance.objects.filter(learner=user, session=session).exists()
    assert Certificate.objects.filter(learner=user).exists()
    assert PendingAward.objects.get(learner=user).status == "accepted"
    # The link worked once.
    client.logout()
    assert client.get(path).status_code == 404


def test_an_existing_account_accepts_its_award_and_nobody_else_can(
    client: Any, login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    owner = UserFactory(email="owner@example.org")
    _post(login("coordinator"), publisher, session, designation, email="owner@example.org")
    path = path_of(links_to("owner@example.org", "/awards/")[-1])

    client.force_login(UserFactory())
    assert client.post(path, {"attested": "on"}).status_code == 403
    assert not Claim.objects.exists()

    client.force_login(owner)
    assert client.post(path, {}).status_code == 400
    client.post(path, {"attested": "on"})
    client.post(path, {"attested": "on"})  # twice: nothing more
    assert Claim.objects.filter(learner=owner).count() == 1
    assert mail.outbox


def test_the_walk_in_page_has_a_bounded_query_count(
    login: Any, publisher: Any, session: Any, designation: Any, django_assert_max_num_queries: Any
) -> None:
    client = login("coordinator")
    for i in range(3):
        _post(client, publisher, session, designation, email=f"w{i}@example.org")
    # session, user, membership, professions, sessions, designations, waiting awards.
    with django_assert_max_num_queries(10):
        page = client.get(reverse("rollout:walk_in", args=[publisher.code]))
    for i in range(3):
        assert f"w{i}@example.org" in page.content.decode()


def test_signed_in_by_code_the_walk_in_needs_no_password(
    client: Any, login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    _post(login("coordinator"), publisher, session, designation)
    path = path_of(links_to("ana.nunez@example.org", "/welcome/")[-1])
    user = get_user_model().objects.get(email="ana.nunez@example.org")
    client.force_login(user)  # as allauth's sign-in by emailed code does

    client.post(path, _claim_data(password1="", password2=""))

    user.refresh_from_db()
    assert not user.has_usable_password()
    assert Claim.objects.filter(learner=user).count() == 1


def test_the_walk_in_email_and_page_print_the_credit_in_unit_words(
    login: Any, publisher: Any, session: Any, designation: Any
) -> None:
    coordinator = login("coordinator")
    page = _post(coordinator, publisher, session, designation).content.decode()
    phrase = "1.5 AMA PRA Category 1 Credits™"
    assert designation.credit_type.code == "ama-pra-1"
    [message] = [m for m in mail.outbox if "ana.nunez@example.org" in m.to]
    assert f"{designation.credit_type.name}, {phrase}" in str(message.body)
    assert f"AMA PRA Category 1: {phrase}" in page
