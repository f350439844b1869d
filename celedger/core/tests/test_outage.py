"""A database outage answers a short 503 page with Retry-After, never a 500."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db

DOWN = "django.db.backends.utils.CursorWrapper.execute"


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize("debug", [True, False])
def test_a_page_that_reads_the_database_answers_503(client, error, debug):
    with override_settings(DEBUG=debug), mock.patch(DOWN, side_effect=error("gone")):
        response = client.get("/e/ABC234/")
        signed_in = client.get("/verify/abcdefabcdef/")
    for page in (response, signed_in):
        assert page.status_code == 503
        assert page["Retry-After"] == "30"
        assert "back in a moment" in page.content.decode()


@override_settings(DEBUG=False)
def test_an_outage_outside_a_view_answers_503_too(client, rf):
    from celedger.core.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500


def test_the_503_page_needs_no_request():
    from django.template.loader import render_to_string

    assert "back in a moment" in render_to_string("503.html")
