"""Where a read page of the closing rush spends its CPU, in process.

Seeds the closing rush's database (`closing_rush.seed`), takes each learner through the
way with `django.test.Client` under production settings (`DEBUG` off, PostgreSQL, Redis
for cache and sessions), then times each read page (CPU per request, warm) and profiles
it with cProfile, splitting the time between the session and user lookups, the
middleware, the view's own reads (SQL), the context processors and template rendering.

    BENCH_DATABASE_URL=postgres://…/celedger_x_prof BENCH_REDIS_URL=redis://…/4 \
        .venv/bin/python bench/page_profile.py --learners 60

A benchmark: it prints figures and never fails on time.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/celedger_prof")

import closing_rush  # noqa: E402

# Inclusive CPU of these callables, as a share of the request inside Django's handler
# (cProfile counts a recursive call once, at its outermost frame).
PARTS = [
    ("outside the view: middleware, resolving", None),
    ("session load (Redis)", "django.contrib.sessions.backends.base.SessionBase._get_session"),
    ("user lookup", "django.contrib.auth.get_user"),
    ("the view, all of it", "django.core.handlers.base.BaseHandler._get_response"),
    ("SQL: driver execute", "django.db.backends.utils.CursorWrapper._execute_with_wrappers"),
    ("SQL: compiling", "django.db.models.sql.compiler.SQLCompiler.as_sql"),
    ("SQL: model objects (rows)", "django.db.models.query.ModelIterable.__iter__"),
    ("template: render all", "django.template.backends.django.Template.render"),
    ("template: {% url %}", "django.template.defaulttags.URLNode.render"),
    ("template: {% static %}", "django.templatetags.static.StaticNode.render"),
    ("template: {% htmx_script %}", "django_htmx.templatetags.django_htmx.htmx_script"),
    ("template: {% include %}", "django.template.loader_tags.IncludeNode.render"),
    ("template: inclusion tags", "django.template.library.InclusionNode.render"),
    ("template: {% csrf_token %}", "django.template.defaulttags.CsrfTokenNode.render"),
    ("template: form field to HTML", "django.forms.boundfield.BoundField.as_widget"),
    ("template: widget templates", "django.forms.renderers.BaseRenderer.render"),
    ("template: date filter", "django.template.defaultfilters.date"),
    ("context: profile reminder", "celedger.profiles.context_processors.profile_reminders"),
    ("context: reporting reminder", "celedger.reporting.context_processors.reporting_reminders"),
    ("context: staff nav", "celedger.publishers.context_processors.staff_nav"),
    ("context: messages", "django.contrib.messages.context_processors.messages"),
    ("context: csp", "django.template.context_processors.csp"),
    ("mw: csrf", "django.middleware.csrf.CsrfViewMiddleware.process_view"),
    ("mw: security", "django.middleware.security.SecurityMiddleware.process_response"),
    ("mw: common", "django.middleware.common.CommonMiddleware.process_request"),
    ("resolving the URL", "django.urls.resolvers.URLResolver.resolve"),
    ("ref cache: cached_found", "celedger.core.cache.cached_found"),
    ("ref cache: cached_reference", "celedger.core.cache.cached_reference"),
    ("ref cache: the generation", "celedger.core.cache.reference_generation"),
    ("cache: every GET", "django.core.cache.backends.redis.RedisCache.get"),
    ("cache: every MGET", "django.core.cache.backends.redis.RedisCache.get_many"),
    ("cache: unpickling", "django.core.cache.backends.redis.RedisSerializer.loads"),
]


def code_key(dotted: str) -> tuple[str, int, str] | None:
    import importlib
    import inspect

    module_name, _, attr = dotted.rpartition(".")
    owner: Any = None
    while module_name:
        try:
            owner = importlib.import_module(module_name)
            break
        except ImportError:
            module_name, _, rest = module_name.rpartition(".")
            attr = f"{rest}.{attr}"
    for part in attr.split("."):
        owner = getattr(owner, part, None)
    function = inspect.unwrap(owner) if owner is not None else None
    code = getattr(function, "__code__", None)
    if code is None:
        return None
    return (code.co_filename, code.co_firstlineno, code.co_name)


def way_through(client: Any, event_id: str, activity_pk: int, stop: str) -> None:
    """Take one learner as far as the page `stop` needs (the bench's own way)."""
    from closing_rush import form_fields

    html = client.get(f"/e/{event_id}/").content.decode()
    if stop == "program":
        return
    action, fields = form_fields(html, "/here/")
    client.post(action, fields)
    if stop == "evaluation":
        return
    html = client.get(f"/e/{event_id}/evaluate/").content.decode()
    action, fields = form_fields(html, None)
    client.post(action or f"/e/{event_id}/evaluate/", fields)
    if stop == "claim":
        return
    html = client.get(f"/e/{event_id}/claim/").content.decode()
    action, fields = form_fields(html, None)
    fields.pop("event_id", None)
    client.post(action or f"/e/{event_id}/claim/", fields)


def enrich(activity_pk: int) -> None:
    """`--activity conference`: the bench's program as a conference's usually is: twelve
    sessions with topics, speakers and amounts, a description and objectives, the
    accreditation statement, four faculty with current disclosures (two relationships,
    mitigated) and a commercial support."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from celedger.accounts.models import User
    from celedger.activities.models import Activity, CreditDesignation, Session
    from celedger.integrity.models import (
        CommercialSupport,
        ContentRole,
        Disclosure,
        FinancialRelationship,
        RelationshipReview,
    )

    now = timezone.now()
    activity = Activity.objects.get(pk=activity_pk)
    activity.structure = Activity.Structure.CONFERENCE
    activity.description = "Two days on sepsis, from the emergency department to the ward.\n\n" * 3
    activity.objectives = "Recognise sepsis early\nStart the bundle\nHand off\nAudit outcomes"
    activity.location = "Grand Ballroom, Cobo Center, Detroit"
    activity.save()
    publisher = activity.publisher
    publisher.liaison_name = "Pat Liaison"
    publisher.accreditation_statement = (
        "In support of improving patient care, Bench Health is jointly accredited by the "
        "Accreditation Council for Continuing Medical Education (ACCME), the Accreditation "
        "Council for Pharmacy Education (ACPE), and the American Nurses Credentialing Center "
        "(ANCC), to provide continuing education for the healthcare team."
    )
    publisher.save()
    CreditDesignation.objects.filter(activity=activity).update(max_hours=Decimal("12.00"))
    first = Session.objects.get(activity=activity)
    first.topic, first.speaker, first.credit_hours = "Closing plenary", "Dr. Ada", Decimal("1")
    first.save()
    for n in range(11):
        starts = now - datetime.timedelta(hours=26 - 2 * n)
        Session.objects.create(
            activity=activity,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=1),
            event_id=f"BNCS{'ABCDEFGHJKM'[n]}2",
            topic=f"Session {n + 1}: sepsis in practice",
            speaker=f"Dr. Speaker {n + 1}",
            credit_hours=Decimal("1.25") if n % 2 else Decimal("1.00"),
        )
    for n in range(4):
        person = User.objects.create(email=f"faculty{n}@bench.example.org", password="!")
        role = ContentRole.objects.create(
            activity=activity,
            role="faculty",
            name=f"Dr. Faculty {n}",
            email=person.email,
            person=person,
            invited_at=now,
        )
        disclosure = Disclosure.objects.create(
            person=person,
            publisher=publisher,
            has_relationships=n < 2,
            attested_at=now,
            submitted_at=now,
            valid_until=timezone.localdate() + datetime.timedelta(days=365),
        )
        if n < 2:
            relationship = FinancialRelationship.objects.create(
                disclosure=disclosure, company=f"Acme {n}", nature="consultant"
            )
            RelationshipReview.objects.create(
                content_role=role,
                relationship=relationship,
                is_relevant=True,
                mitigations=["peer_review"],
                reviewed_at=now,
            )
    CommercialSupport.objects.create(
        activity=activity,
        supporter="Acme Devices",
        kind="monetary",
        amount=1000,
        agreement="private/bench.pdf",
        agreement_signed_on=timezone.localdate(),
        created_at=now,
    )


def inclusive(stats: pstats.Stats, key: tuple[str, int, str] | None) -> float:
    entry = stats.stats.get(key) if key else None  # type: ignore[attr-defined]
    return entry[3] if entry else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--top", type=int, default=0, help="also print the top N functions")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds")
    parser.add_argument("--sort", default="cumulative", help="their order (pstats keys)")
    parser.add_argument("--pages", default="hello,select,program,evaluation,claim,transcript")
    parser.add_argument(
        "--activity",
        choices=["plain", "conference"],
        default="plain",
        help="the seed's one-session program, or a conference with faculty (`enrich`)",
    )
    args = parser.parse_args()

    closing_rush.reset_database()
    seeded = closing_rush.seed(args.learners)
    if args.activity == "conference":
        enrich(seeded.activity_pk)
    from django.test import Client

    pages = {
        "hello": ("/bench/hello", None),
        "select": ("/bench/select", None),
        "program": (f"/e/{seeded.event_id}/", "program"),
        "evaluation": (f"/e/{seeded.event_id}/evaluate/", "evaluation"),
        "claim": (f"/e/{seeded.event_id}/claim/", "claim"),
        "transcript": ("/transcript/", "transcript"),
    }
    wanted = args.pages.split(",")
    # Each page gets its own learners, taken just far enough for the page's usual state.
    per_page = len(seeded.session_keys) // len(wanted)
    print(f"{per_page} learners per page, {time.strftime('%H:%M UTC', time.gmtime())}")
    print(f"load average {os.getloadavg()}")
    prepared: dict[str, list[Any]] = {}
    for index, name in enumerate(wanted):
        path, stop = pages[name]
        keys = seeded.session_keys[index * per_page : (index + 1) * per_page]
        clients = []
        for key in keys:
            client = Client(HTTP_HOST="127.0.0.1")
            client.cookies["sessionid"] = key
            if stop:
                way_through(client, seeded.event_id, seeded.activity_pk, stop)
            # Warm: each learner's first GET (caches, the template loader) is not timed.
            assert client.get(path).status_code == 200, name
            clients.append(client)
        prepared[name] = clients
    # Timed in rounds, the pages interleaved, so that a busy moment on the shared machine
    # falls on every page alike.
    cpu: dict[str, list[float]] = {name: [] for name in wanted}
    queries: dict[str, set[str]] = {name: set() for name in wanted}
    for _round in range(args.rounds):
        for name in wanted:
            for client in prepared[name]:
                started = time.process_time()
                response = client.get(pages[name][0])
                cpu[name].append((time.process_time() - started) * 1000)
                queries[name].add(response.get("X-Queries", "?"))
    print("\n| page | CPU ms p25 | p50 | min | × one SELECT (p50) | queries |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    select_p50 = statistics.median(cpu["select"]) if "select" in cpu else 0.0
    for name in wanted:
        times = sorted(cpu[name])
        p25, p50 = times[len(times) // 4], statistics.median(times)
        ratio = f"{select_p50 / p50:.2f}" if select_p50 else "—"
        print(
            f"| {name} | {p25:.2f} | {p50:.2f} | {times[0]:.2f} | {ratio} |"
            f" {'/'.join(sorted(queries[name]))} |"
        )
    for name in wanted:
        path = pages[name][0]
        clients = prepared[name]
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for client in clients:
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        # The request inside Django's handler (not the test client's own work).
        total = inclusive(stats, code_key("django.core.handlers.base.BaseHandler.get_response"))
        view = inclusive(stats, code_key(PARTS[3][1] or ""))
        # Function calls do not depend on the machine's load: a steadier measure than time.
        calls = stats.total_calls / len(clients)  # type: ignore[attr-defined]
        print(f"\n## {name} {path}: {calls:,.0f} Python function calls per request")
        print("(shares of the request under cProfile)")
        per_request = 1000 / len(clients)
        for label, dotted in PARTS:
            t = total - view if dotted is None else inclusive(stats, code_key(dotted))
            if t:
                print(f"  {label:42s} {100 * t / total:5.1f}%  {t * per_request:6.2f} ms")
        if args.top:
            stats.sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
