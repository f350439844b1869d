import pytest
from django.test import override_settings


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_it_shows_a_404_page_in_the_site_layout_with_a_way_on(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "We could not find that page" in body and 'id="event-id-box"' in body


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_it_shows_a_403_page_in_the_site_layout(client, rf):
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/console/x/"), exception=None)
    assert response.status_code == 403
    assert "You do not have access" in response.content.decode()


def test_the_500_page_renders_without_a_request_context():
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")
