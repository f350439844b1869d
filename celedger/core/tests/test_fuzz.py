"""Property-based fuzzing (hypothesis) over every URL and every form: no 5xx.

Every route of the project is visited with its parameters filled from real objects, then
with hypothesis-drawn values (control characters, huge numbers, slashes, far-off dates);
every form a page shows is posted back with drawn values for each of its fields. Three
personas: anonymous, a learner with a profile and a claim, the publisher's admin.
FUZZ_EXAMPLES (default 30) sets how many drawn cases each property runs.
"""

import os
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY = [
    "12/31",
    "\x00",
    "a\x00b",
    "\r\n",
    "..",
    "../..",
    "%00",
    "%2F",
    "1e309",
    "9" * 400,
    "-1",
    "0",
    "99999999999999999999999",
    "9999-12-31",
    "0001-01-01",
    "NaN",
    "Infinity",
    "' OR 1=1 --",
    "<script>",
    "=cmd|' /C calc'!A0",
    "é" * 300,
    "",
    " ",
    "x" * 5000,
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(str),
)
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(patterns: list[Any] | None = None, prefix: str = "") -> list[str]:
    found: list[str] = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            part = str(pattern._route)
        elif isinstance(pattern, RegexPattern):
            part = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern._regex)
            part = part.lstrip("^").rstrip("$").replace("\\", "")
        else:
            continue
        if isinstance(entry, URLResolver):
            if part.startswith("site-admin"):
                continue  # Django's own admin: superusers only, tested by Django
            found += _routes(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            found.append(prefix + part)
    return sorted(set(found))


class _Forms(HTMLParser):
    """The forms of a page: action, method and the names (with default values) inside."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": a.get("action") or "",
                    "method": (a.get("method") or "get").lower(),
                    "fields": {},
                }
            )
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms_of(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


@pytest.fixture
def world(client: Client) -> dict[str, Any]:
    from celedger.credits.services import claim_submit
    from celedger.credits.tests.helpers import activity_with, hours_for, learner
    from celedger.publishers.models import StaffMembership
    from celedger.publishers.tests.factories import (
        StaffInvitationFactory,
        StaffMembershipFactory,
    )

    session = activity_with("ama-pra-1")
    activity = session.activity
    publisher = activity.publisher
    admin = StaffMembershipFactory(publisher=publisher, role=StaffMembership.Role.ADMIN).user
    profile = learner("MD")
    claim_submit(
        learner=profile.user,
        session=session,
        hours_by_designation=hours_for(session, "ama-pra-1", None),
        attested=True,
    )
    from celedger.certificates.models import Certificate
    from celedger.credits.models import Claim

    certificate = Certificate.objects.filter(learner=profile.user).first()
    invitation = StaffInvitationFactory(publisher=publisher, invited_by=admin)
    real = {
        "code": publisher.code,
        "pk": str(activity.pk),
        "activity_pk": str(activity.pk),
        "event_id": session.event_id,
        "session_pk": str(session.pk),
        "learner_pk": str(profile.user.pk),
        "user_pk": str(profile.user.pk),
        "token": invitation.token,
        "claim_pk": str(Claim.objects.get().pk),
    }
    if certificate is not None:
        real["verification_code"] = certificate.verification_code
    learner_client, admin_client = Client(), Client()
    learner_client.force_login(profile.user)
    admin_client.force_login(admin)
    return {"real": real, "clients": [Client(), learner_client, admin_client]}


def fill(route: str, real: dict[str, str], drawn: dict[str, str] | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if drawn is not None and name in drawn:
            return quote(drawn[name], safe="")
        return real.get(name, "1")

    return "/" + ROUTE_PARAM.sub(value, route)


def assert_no_5xx(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def test_every_page_answers_every_persona_with_real_parameters(world: dict[str, Any]) -> None:
    routes = _routes()
    assert len(routes) > 40
    for route in routes:
        for client in world["clients"]:
            path = fill(route, world["real"])
            assert_no_5xx(client.get(path), f"GET {path}")


@FUZZ
@given(data=st.data())
def test_no_url_parameter_makes_a_page_fail(world: dict[str, Any], data: Any) -> None:
    route = data.draw(st.sampled_from([r for r in _routes() if "<" in r]))
    names = [m.group("name") for m in ROUTE_PARAM.finditer(route)]
    drawn = {name: data.draw(values) for name in names}
    client = data.draw(st.sampled_from(world["clients"]))
    path = fill(route, world["real"], drawn)
    assert_no_5xx(client.get(path), f"GET {path!r}")


@FUZZ
@given(data=st.data())
def test_no_query_string_makes_a_page_fail(world: dict[str, Any], data: Any) -> None:
    route = data.draw(st.sampled_from(_routes()))
    client = data.draw(st.sampled_from(world["clients"]))
    path = fill(route, world["real"])
    names = [
        "event_id",
        "q",
        "page",
        "next",
        "status",
        "session",
        "profession",
        "date_from",
        "date_to",
        "credit_type",
        "kind",
        "format",
        "sort",
    ]
    query = {name: data.draw(values) for name in data.draw(st.lists(st.sampled_from(names)))}
    assert_no_5xx(client.get(path, query), f"GET {path} {query!r}")


@FUZZ
@given(data=st.data())
def test_no_form_input_makes_a_page_fail(world: dict[str, Any], data: Any) -> None:
    route = data.draw(st.sampled_from(_routes()))
    client = data.draw(st.sampled_from(world["clients"]))
    # Everything is drawn before the page is read: earlier examples' posts change which
    # forms and fields a page has, and draws that follow the page would then differ when
    # Hypothesis replays a case (FlakyStrategyDefinition).
    which_form = data.draw(st.integers(min_value=0, max_value=1_000))
    changes = data.draw(st.lists(st.one_of(st.none(), values), max_size=30))
    path = fill(route, world["real"])
    page = client.get(path)
    if page.status_code != 200 or "text/html" not in page.get("Content-Type", ""):
        return
    forms = forms_of(page.content.decode())
    if not forms:
        return
    form = forms[which_form % len(forms)]
    fields = dict(form["fields"])
    names = [name for name in fields if name != "csrfmiddlewaretoken"]
    for name, change in zip(names, changes, strict=False):
        if change is not None:
            fields[name] = change
    target = form["action"] or path
    if not target.startswith("/"):
        return
    if form["method"] == "post":
        response = client.post(target, fields)
    else:
        response = client.get(target, fields)
    assert_no_5xx(response, f"{form['method'].upper()} {target} {fields!r}")
