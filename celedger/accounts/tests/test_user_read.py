"""The session's user is read by a written-out statement (issue 10), exactly as the ORM
would read it; every other lookup stays the ORM's."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from celedger.accounts.models import User
from celedger.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _compiled(read: Any) -> tuple[Any, int]:
    from unittest import mock

    from django.db.models.sql.compiler import SQLCompiler

    calls = []
    as_sql = SQLCompiler.as_sql

    def counted(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        calls.append(self)
        return as_sql(self, *args, **kwargs)

    with mock.patch.object(SQLCompiler, "as_sql", counted):
        value = read()
    return value, len(calls)


def test_it_reads_the_user_by_pk_without_the_orms_compiler() -> None:
    user = UserFactory()
    with CaptureQueriesContext(connection) as queries:
        read, compiled = _compiled(lambda: User.objects.get(pk=user.pk))
    assert (compiled, len(queries.captured_queries)) == (0, 1)
    assert "LIMIT" not in queries.captured_queries[0]["sql"]
    orm = User.objects.filter(pk=user.pk).get()
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(read, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert not read._state.adding and read._state.db == "default"
    assert User.objects.get(id=user.pk) == user


def test_a_missing_user_raises_as_the_orm_does() -> None:
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=987654)


def test_a_narrowed_lookup_stays_the_orms() -> None:
    user = UserFactory(is_active=False)
    _, compiled = _compiled(lambda: User.objects.filter(is_active=False).get(pk=user.pk))
    assert compiled == 1
    with pytest.raises(User.DoesNotExist):
        User.objects.filter(is_active=True).get(pk=user.pk)
    assert User.objects.get(pk=str(user.pk)) == user  # not an int: the ORM's
    assert User.objects.get(email=user.email) == user


def test_the_session_user_is_read_once_and_signed_out_users_stay_out(client: Any) -> None:
    from django.urls import reverse

    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("profiles:edit"))
    assert response.wsgi_request.user == user
    user.set_password("a new one, elsewhere")
    user.save()
    # The session's hash no longer matches the password: signed out, as before.
    assert client.get(reverse("profiles:edit")).status_code == 302
