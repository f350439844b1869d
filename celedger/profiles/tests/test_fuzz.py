"""Arbitrary text into the profile and duplicate-check forms: never a 500, errors beside fields,
typed values kept."""

from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from celedger.accounts.tests.factories import UserFactory
from celedger.core.middleware import form_text_clean
from celedger.profiles.tests.test_profile_page import profile_post

pytestmark = pytest.mark.django_db

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60)
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    city=TEXT,
    postal_code=TEXT,
    phone=TEXT,
    birthday=TEXT,
    nabp=TEXT,
    credential=TEXT,
    country=TEXT,
    board=TEXT,
)
def test_it_never_fails_on_arbitrary_profile_input(
    client: Any,
    city: str,
    postal_code: str,
    phone: str,
    birthday: str,
    nabp: str,
    credential: str,
    country: str,
    board: str,
) -> None:
    client.force_login(UserFactory())
    data = profile_post(
        city=city,
        postal_code=postal_code,
        phone=phone,
        birthday=birthday,
        nabp_eprofile_id=nabp,
        country=country,
        is_board_member="yes",
        board=board,
        board_id="1",
    )
    data["credentials"] = [*data["credentials"], credential]
    response = client.post(reverse("profiles:edit"), data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        html = response.content.decode()
        form = response.context["form"]
        assert form.errors
        for name in form.errors:
            if name != "__all__":
                assert f'id="id_{name}_error"' in html, name
        # Kept as typed, once normalized (core.middleware.form_text_clean).
        kept = form_text_clean(city)
        if kept.strip() and "\x00" not in kept and "\r" not in kept:
            assert escape(kept) in html


@FUZZ
@given(last_name=TEXT, phone=TEXT)
def test_it_never_fails_on_arbitrary_duplicate_check_input(
    client: Any, last_name: str, phone: str
) -> None:
    client.post(reverse("accounts:create"), {"email": "fuzz@example.org"})
    response = client.post(reverse("accounts:check"), {"last_name": last_name, "phone": phone})
    assert response.status_code in (200, 429)
    html = response.content.decode()
    kept = form_text_clean(last_name)
    typed = kept.strip() and "\x00" not in kept and "\r" not in kept
    if typed and response.context.get("form") is not None:
        assert escape(kept) in html
