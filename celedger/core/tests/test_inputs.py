"""Inputs that used to answer 500 answer a clear 404/400 or the form with its error."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/verify/abc%00def/",
        "/e/AAA%00/claim/",
        "/e/AAA%00/evaluate/",
        "/e/%01ABC/",
        "/certificates/activity/1%00/",
    ],
)
def test_a_control_character_in_a_path_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_nul_in_a_query_value_is_a_bad_request(client):
    assert client.get("/e/?event_id=AB%00C").status_code == 400
