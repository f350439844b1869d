"""The base layout's links and assets, worked out once per process and script prefix."""

from typing import Any

import pytest
from django.templatetags.static import static
from django.urls import reverse, set_script_prefix

from celedger.profiles.tests.factories import LearnerProfileFactory


@pytest.mark.django_db
def test_it_links_the_header_and_assets(client: Any) -> None:
    body = client.get("/").content.decode()
    assert f'href="{reverse("account_login")}"' in body
    client.force_login(LearnerProfileFactory().user)
    body = client.get("/").content.decode()
    for name in ["home", "credits:transcript", "profiles:edit"]:
        assert f'href="{reverse(name)}"' in body
    assert f'action="{reverse("activities:lookup")}"' in body
    assert f'action="{reverse("account_logout")}"' in body
    for asset in ["favicon.svg", "css/app.css", "js/app.js"]:
        assert f'="{static(asset)}"' in body


@pytest.mark.django_db
def test_it_keeps_the_script_prefix_of_each_request(client: Any) -> None:
    client.force_login(LearnerProfileFactory().user)
    assert 'class="brand" href="/"' in client.get("/").content.decode()
    # What the WSGI handler does for an app mounted under /ce (the test client does not).
    set_script_prefix("/ce/")
    try:
        body = client.get("/").content.decode()
    finally:
        set_script_prefix("/")
    assert 'class="brand" href="/ce/"' in body
    assert 'action="/ce/accounts/logout/"' in body
    assert 'class="brand" href="/"' in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [False, True])
def test_it_links_htmx_as_the_tag_did_without_calling_it(
    client: Any, settings: Any, debug: bool
) -> None:
    """The htmx script's address comes from the layout (worked out once), not from
    `{% htmx_script %}` on every page: the same tags, with the page's nonce."""
    import re
    from unittest import mock

    from django.template import Context, Template

    settings.DEBUG = debug
    client.force_login(LearnerProfileFactory().user)
    with mock.patch("django_htmx.jinja.static", side_effect=AssertionError("called")):
        body = client.get("/").content.decode()
    nonce = re.search(r'<script src="[^"]*app[^"]*\.js" defer nonce="([^"]+)"', body)
    assert nonce
    tag = Template("{% load django_htmx %}{% htmx_script %}")
    assert tag.render(Context({"csp_nonce": nonce.group(1)})) in body
    assert ("django-htmx" in body) is debug


@pytest.mark.django_db
def test_page_assets_are_worked_out_once_per_process(client: Any) -> None:
    """`{% asset %}` writes what `{% static %}` wrote, looked up once, not on every page."""
    from unittest import mock

    from django.template import Context, Template
    from django.templatetags.static import StaticNode

    client.force_login(LearnerProfileFactory().user)
    first = client.get(reverse("credits:transcript")).content.decode()
    assert f'href="{static("css/credits.css")}"' in first
    with mock.patch.object(StaticNode, "handle_simple", side_effect=AssertionError("looked up")):
        again = client.get(reverse("credits:transcript")).content.decode()
    assert f'href="{static("css/credits.css")}"' in again
    written = Template("{% load assets %}{% asset 'css/a b&c.css' %}").render(Context())
    assert written == Template("{% load static %}{% static 'css/a b&c.css' %}").render(Context())
