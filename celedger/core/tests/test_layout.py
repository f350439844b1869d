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


def _piece_as_the_engine_renders_it(name: str, **context: Any) -> str:
    from django.template.loader import render_to_string

    from celedger.core.context_processors import _layout

    return render_to_string(
        name, {"SITE_NAME": "CE Ledger", "layout": _layout("/"), **context}
    ).removesuffix("\n")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["signed out", "learner", "staff"])
def test_the_layout_pieces_are_what_their_templates_render_with_this_pages_token_and_nonce(
    client: Any, settings: Any, who: str
) -> None:
    """The head links and the header come from HTML kept per variant
    (`{% layout_piece %}`): byte for byte what the templates render with the page's own
    CSRF token and nonce, which are this request's (the token's cookie set, the nonce in
    the CSP header)."""
    import re

    from celedger.publishers.tests.factories import StaffMembershipFactory

    settings.SITE_NAME = "CE Ledger"
    user = None
    if who != "signed out":
        user = LearnerProfileFactory().user
        if who == "staff":
            StaffMembershipFactory(user=user)
        client.force_login(user)
    for _ in range(2):  # the second from the kept HTML
        response = client.get("/")
        body = response.content.decode()
        token = re.search(r'"X-CSRFToken": "([^"]+)"', body).group(1)  # type: ignore[union-attr]
        nonce = re.search(r'nonce="([^"]+)"', body).group(1)  # type: ignore[union-attr]
        for name in ["includes/layout_assets.html", "includes/layout_header.html"]:
            expected = _piece_as_the_engine_renders_it(
                name,
                user=user,
                is_publisher_staff=who == "staff",
                csrf_token=token,
                csp_nonce=nonce,
            )
            assert expected in body
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        assert "csrftoken" in response.cookies
    assert ("Provider console" in body) is (who == "staff")
    assert ("Sign out" in body) is (who != "signed out")


@pytest.mark.django_db
def test_a_layout_piece_is_rendered_once_per_variant(client: Any) -> None:
    from unittest import mock

    from celedger.core.templatetags import layout

    layout._kept.clear()
    with mock.patch.object(layout, "render_to_string", wraps=layout.render_to_string) as rendered:
        client.get("/")
        client.get("/")
        assert rendered.call_count == 2  # the two pieces, signed out
        client.force_login(LearnerProfileFactory().user)
        client.get("/")
        client.get("/")
        assert rendered.call_count == 4  # and signed in


def test_a_page_rendered_without_a_request_has_no_token_field() -> None:
    """As `{% csrf_token %}` renders with no token in the context: nothing."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    html = render_to_string("includes/layout_header.html", {"user": AnonymousUser()})
    assert "csrfmiddlewaretoken" not in html
    from django.template import Context, Template

    page = Template('{% load layout %}{% layout_piece "includes/layout_header.html" %}')
    assert "csrfmiddlewaretoken" not in page.render(Context({"user": AnonymousUser()}))
    assert "celedgerLayout" not in page.render(Context({"user": AnonymousUser()}))
