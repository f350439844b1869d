import re
from typing import Any

import pytest
from django.urls import reverse

from celedger.profiles.tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["account_login", "account_reset_password", "account_request_login_code"]
)
def test_it_renders_allauth_entrance_pages_in_the_site_layout(client: Any, name: str) -> None:
    response = client.get(reverse(name))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="site-header"' in html
    assert "<label" in html


@pytest.mark.parametrize(
    "name", ["account_email", "account_change_password", "account_logout", "profiles:edit"]
)
def test_it_renders_account_management_pages_for_a_learner(client: Any, name: str) -> None:
    client.force_login(LearnerProfileFactory().user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert 'class="site-header"' in response.content.decode()


def test_it_changes_the_email_address_with_verification(client: Any) -> None:
    from django.core import mail

    profile = LearnerProfileFactory()
    client.force_login(profile.user)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new.address@example.org"}
    )
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.address@example.org"]


def test_it_does_not_say_whether_an_email_is_registered_on_reset(client: Any) -> None:
    profile = LearnerProfileFactory()
    known = client.post(reverse("account_reset_password"), {"email": profile.user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_it_sends_a_sign_in_code_without_revealing_the_address(client: Any) -> None:
    from django.core import mail

    profile = LearnerProfileFactory()
    response = client.post(
        reverse("account_request_login_code"), {"email": profile.user.email}, follow=True
    )
    assert response.status_code == 200
    assert mail.outbox[-1].to == [profile.user.email]
    assert "Enter Sign-In Code" in response.content.decode()


def test_it_gives_the_two_email_boxes_their_own_names(client: Any) -> None:
    html = client.get(reverse("account_login")).content.decode()
    assert re.search(r'<label for="id_login">\s*Email', html)
    assert re.search(r'<label for="id_create_email">Email for your new account', html)


def test_it_names_the_site_not_the_host_in_every_email(client: Any, settings: Any) -> None:
    from django.core import mail

    settings.SITE_NAME = "Lakeside CE"
    settings.SITE_URL = "https://ce.lakeside.example"
    profile = LearnerProfileFactory()
    client.post(reverse("account_reset_password"), {"email": profile.user.email})
    body = str(mail.outbox[-1].body)
    assert "Hello from Lakeside CE!" in body
    assert "Thank you for using Lakeside CE!\nce.lakeside.example" in body


def test_a_password_reset_goes_out_before_a_backlog_of_other_mail(
    client: Any, settings: Any
) -> None:
    """The person is at the screen waiting for it: a closing rush's certificate emails
    and reminders queued before it do not hold it back."""
    from django.core import mail

    from celedger.core.outbox import outbox_deliver_pending, outbox_email

    settings.OUTBOX_DELIVER_ON_COMMIT = False
    for n in range(3):
        outbox_email(to=[f"learner{n}@example.org"], subject=f"Reminder {n}", body="…")
    profile = LearnerProfileFactory()
    client.post(reverse("account_reset_password"), {"email": profile.user.email})
    assert mail.outbox == []
    assert outbox_deliver_pending(limit=1) == 1
    assert mail.outbox[0].to == [profile.user.email]
    assert "Password Reset" in str(mail.outbox[0].subject)
    outbox_deliver_pending()
    assert [m.subject for m in mail.outbox[1:]] == ["Reminder 0", "Reminder 1", "Reminder 2"]
