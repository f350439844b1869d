from unittest import mock

import pytest
from django.db import OperationalError

DOWN = "django.db.backends.utils.CursorWrapper.execute"


@pytest.mark.django_db
def test_it_answers_200_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_not(client):
    with mock.patch(
        "django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_it_is_not_cached(client, db):
    response = client.get("/healthz")
    assert "no-cache" in response["Cache-Control"]


def test_liveness_asks_no_database(client):
    # No django_db mark: any query would raise here.
    with mock.patch(DOWN, side_effect=OperationalError):
        response = client.get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
