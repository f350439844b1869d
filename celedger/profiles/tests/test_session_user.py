"""The session's user is read with their learner profile in one written-out statement (the
authentication backends' `get_user`, issue 10), exactly as the ORM would read both; the
signed-out cases stay as Django has them."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from celedger.accounts.models import User
from celedger.accounts.tests.factories import UserFactory
from celedger.profiles.models import LearnerProfile
from celedger.profiles.selectors import profile_for_user, user_with_profile
from celedger.profiles.tests.factories import LearnerProfileFactory
from celedger.testing.orm import compiled_selects

pytestmark = pytest.mark.django_db


def _fields(instance: Any) -> list[Any]:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def test_it_reads_the_user_and_profile_as_the_orm_does_in_one_statement() -> None:
    profile = LearnerProfileFactory(credentials=["MD", "PhD"])
    profile_for_user(user=profile.user)  # the profession and specialties, cached
    with CaptureQueriesContext(connection) as queries, compiled_selects(raw=True) as tables:
        user = user_with_profile(user_id=profile.user.pk)
        read = profile_for_user(user=user)
    assert (len(queries.captured_queries), tables) == (1, [])
    assert user is not None and read is not None
    assert _fields(user) == _fields(User.objects.get(pk=profile.user.pk))
    assert _fields(read) == _fields(LearnerProfile.objects.get(pk=profile.pk))
    assert not user._state.adding and user._state.db == "default"
    assert read.user is user
    assert read.profession == profile.profession and read.specialty == profile.specialty
    ids = sorted(int(pk) for pk in str(read.credential_ids).split(","))  # type: ignore[attr-defined]
    assert ids == sorted(profile.credentials.values_list("pk", flat=True))


def test_a_user_without_a_profile_reads_with_none_and_no_second_query() -> None:
    staff = UserFactory()
    user = user_with_profile(user_id=staff.pk)
    assert user == staff
    with CaptureQueriesContext(connection) as queries:
        assert profile_for_user(user=user) is None  # type: ignore[arg-type]
    assert queries.captured_queries == []
    assert user_with_profile(user_id=987654) is None


def test_the_session_user_comes_from_the_backend_and_signed_out_users_stay_out(
    client: Any,
) -> None:
    profile = LearnerProfileFactory()
    user = profile.user
    client.force_login(user)
    response = client.get(reverse("profiles:edit"))
    assert response.wsgi_request.user == user
    assert profile_for_user(user=response.wsgi_request.user).pk == profile.pk  # type: ignore[union-attr]
    user.set_password("a new one, elsewhere")
    user.save()
    # The session's hash no longer matches the password: signed out, as before.
    assert client.get(reverse("profiles:edit")).status_code == 302
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(reverse("profiles:edit")).status_code == 302
