"""The closing rush's pages read once and write little (issue 10): exact query counts with
the reference data cached, and a claim as one transaction of a handful of statements."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from celedger.credits.models import Claim
from celedger.credits.tests.helpers import activity_with, claim_form_of, learner

pytestmark = pytest.mark.django_db
WRITES = ("INSERT", "UPDATE", "DELETE")


def _statements(client: Any, method: str, url: str, data: Any = None) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {})
    return response, [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def signed_in(client: Any) -> tuple[Any, Any]:
    session = activity_with("ama-pra-1", "ancc", "acpe-p")
    client.force_login(learner("MD").user)
    # The first visit fills the caches: designations, post-tests.
    client.get(reverse("activities:program", args=[session.event_id]))
    client.get(reverse("credits:claim", args=[session.event_id]))
    return client, session


def test_the_claim_page_reads_its_state_in_three_queries(
    signed_in: Any, django_assert_num_queries: Any
) -> None:
    client, session = signed_in
    # django session, the user with their profile and its credentials' ids (one statement,
    # the authentication backend's), the claim's sessions with check-in, evaluation and
    # email-verified flags, whether the learner holds a claim there and the activity's
    # window. The session by Event ID, the credentials, designations and the post-test
    # gates come from the cache; the learner's claims are read once they hold any (+1).
    url = reverse("credits:claim", args=[session.event_id])
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["state"].email_verified
    assert response.context["state"].existing == []
    form = claim_form_of(response)
    data = {k: str(v) for k, v in form.initial.items() if k.startswith("hours_")}
    client.post(url, {**data, "attested": "on"})
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["state"].existing) == 1  # the MD's AMA PRA credit


def test_the_claim_post_is_one_transaction_of_a_handful_of_statements(signed_in: Any) -> None:
    client, session = signed_in
    url = reverse("credits:claim", args=[session.event_id])
    form = claim_form_of(client.get(url))
    data = {k: str(v) for k, v in form.initial.items() if k.startswith("hours_")}
    response, sql = _statements(client, "post", url, {**data, "attested": "on"})
    assert response.status_code == 302
    assert Claim.objects.filter(session=session).count() == 1
    # The same three reads as the page, then the transaction (a savepoint here, inside
    # the test's transaction): the claims in one INSERT, their audit rows in one, the
    # pooled balance created or moved in one upsert, the outbox message. No savepoint per
    # claim, no existence SELECT 1s, no SELECT ... FOR UPDATE, no re-read of the state.
    assert len(sql) == 9, sql
    reads, transaction = sql[:3], sql[3:]
    assert all(s.startswith("SELECT") for s in reads)
    assert [_kind(s) for s in transaction] == [
        "SAVEPOINT",
        "INSERT credits_claim",
        "INSERT core_auditevent",
        "UPSERT credits_creditbalance",
        "INSERT core_outboxmessage",
        "RELEASE",
    ]
    assert not any("FOR UPDATE" in s for s in sql)


def test_the_claim_post_compiles_none_of_its_inserts(signed_in: Any) -> None:
    from celedger.testing.orm import compiled_selects

    client, session = signed_in
    url = reverse("credits:claim", args=[session.event_id])
    form = claim_form_of(client.get(url))
    data = {k: str(v) for k, v in form.initial.items() if k.startswith("hours_")}
    with compiled_selects(inserts=True) as compiled:
        response = client.post(url, {**data, "attested": "on"})
    assert response.status_code == 302
    # The claims, their audit rows and the outbox message: written out once per model
    # (core.rows.insert_instances); the balance upsert was already.
    assert not [table for table in compiled if table.startswith("INSERT")], compiled
    assert Claim.objects.filter(session=session).count() == 1


def _kind(sql: str) -> str:
    """A statement by kind and table: INSERT, UPSERT (INSERT ... ON CONFLICT), UPDATE."""
    words = sql.split()
    if words[0] in ("SAVEPOINT", "RELEASE"):
        return words[0]
    table = next(w for w in words if w.startswith('"')).split('"')[1]
    kind = "UPSERT" if words[0] == "INSERT" and "ON CONFLICT" in sql else words[0]
    return f"{kind} {table}"


def test_the_program_page_reads_in_three_queries_and_writes_nothing(signed_in: Any) -> None:
    client, session = signed_in
    response, sql = _statements(
        client, "get", reverse("activities:program", args=[session.event_id])
    )
    assert response.status_code == 200
    # django session, the user with their profile and its credentials' ids, the learner's
    # check-ins; the session by Event ID, the credentials, designations and the disclosure
    # flags from the cache.
    assert len(sql) == 3, sql
    assert not any(s.startswith((*WRITES, "SAVEPOINT")) for s in sql)


def test_a_stale_cached_maximum_never_lets_a_claim_past_the_database() -> None:
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    from celedger.activities.models import CreditDesignation
    from celedger.activities.selectors import designations_for
    from celedger.credits.services import claim_submit

    session = activity_with("ama-pra-1", hours="1.50")
    designations_for(activity=session.activity)
    # An UPDATE sends no signal: the cached designation still says 1.50.
    CreditDesignation.objects.filter(activity=session.activity).update(max_hours=Decimal("1"))
    designation = designations_for(activity=session.activity)[0]
    assert designation.max_hours == Decimal("1.50")
    with pytest.raises(ValidationError, match="above its maximum"):
        claim_submit(
            learner=learner("MD").user,
            session=session,
            hours_by_designation={designation.pk: Decimal("1.50")},
            attested=True,
        )
    assert not Claim.objects.exists()


def _compiled(client: Any, method: str, url: str, data: Any = None) -> tuple[Any, list[str]]:
    """The tables of the statements the ORM compiled (or `raw()` mapped) while serving the
    request."""
    from celedger.testing.orm import compiled_selects

    with compiled_selects(raw=True) as tables:
        response = getattr(client, method)(url, data or {})
    return response, tables


def test_the_claim_page_compiles_none_of_its_own_reads(signed_in: Any) -> None:
    client, session = signed_in
    response, tables = _compiled(client, "get", reverse("credits:claim", args=[session.event_id]))
    assert response.status_code == 200
    # Only Django's database session read goes through the ORM (Redis in production); the
    # user, the profile, the claim's sessions and the learner's claims are written out
    # (compiled, or mapped by `raw()`, on every request they cost more CPU than the
    # database took to answer them).
    assert tables == ["django_session"]


def test_the_claim_page_reads_the_profile_and_claims_without_the_orms_joins(
    signed_in: Any,
) -> None:
    client, session = signed_in
    url = reverse("credits:claim", args=[session.event_id])
    form = claim_form_of(client.get(url))
    data = {k: str(v) for k, v in form.initial.items() if k.startswith("hours_")}
    client.post(url, {**data, "attested": "on"})
    _, sql = _statements(client, "get", url)
    profile = next(s for s in sql if '"profiles_learnerprofile"' in s)
    claims = next(
        s for s in sql if s.startswith('SELECT "c"."id"') and 'FROM "credits_claim"' in s
    )
    # The profile's own row with the user's (its profession and specialties from the
    # cache); the claims with their sessions, unordered (the page orders them).
    assert profile.count("JOIN") == 1 and 'FROM "accounts_user" LEFT JOIN' in profile
    assert claims.count("JOIN") == 1 and "ORDER BY" not in claims


def test_the_written_out_claims_read_builds_what_the_orm_builds(signed_in: Any) -> None:
    from celedger.activities.models import Session
    from celedger.credits.selectors import _active_claims_on

    client, session = signed_in
    url = reverse("credits:claim", args=[session.event_id])
    form = claim_form_of(client.get(url))
    data = {k: str(v) for k, v in form.initial.items() if k.startswith("hours_")}
    client.post(url, {**data, "attested": "on"})
    user = Claim.objects.get(session=session).learner
    read = sorted(_active_claims_on(learner=user, activity=session.activity), key=lambda c: c.pk)
    orm = list(
        Claim.objects.filter(learner=user, session__activity=session.activity).order_by("pk")
    )
    assert len(read) == len(orm) >= 1
    for model, mine, theirs in [
        *((Claim, a, b) for a, b in zip(read, orm, strict=True)),
        *((Session, a.session, b.session) for a, b in zip(read, orm, strict=True)),
    ]:
        fields = [f.attname for f in model._meta.concrete_fields]
        assert [getattr(mine, f) for f in fields] == [getattr(theirs, f) for f in fields]
        assert not mine._state.adding
