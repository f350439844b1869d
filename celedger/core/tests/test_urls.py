"""The URL table: the learner's routes are tried first (most of a closing rush's requests,
issue 10), and that order hides no route behind another."""

import uuid
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter

# What the project serves in place of allauth's own view, on allauth's path and name.
OVERRIDDEN = {"account_login": "accounts:login", "account_signup": "accounts:signup"}
SAMPLE = {IntConverter: "7", SlugConverter: "acme", UUIDConverter: str(uuid.UUID(int=7))}


def named_routes(
    patterns: list[Any], namespace: tuple[str, ...] = (), parents: tuple[Any, ...] = ()
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Each named route with the patterns leading to it (an include's own may take
    arguments)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's own admin, with its catch-all last
            inner = (*namespace, entry.namespace) if entry.namespace else namespace
            yield from named_routes(entry.url_patterns, inner, (*parents, entry))
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join((*namespace, entry.name)), (*parents, entry)


def sample_kwargs(chain: tuple[Any, ...]) -> dict[str, str]:
    kwargs = {}
    for entry in chain:
        converters = getattr(entry.pattern, "converters", {})
        for name in entry.pattern.regex.groupindex:
            converter = type(converters[name]) if name in converters else None
            if converter is PathConverter:
                kwargs[name] = "a/b"
            elif converter in SAMPLE:
                kwargs[name] = SAMPLE[converter]
            elif converter is None:
                kwargs[name] = "Tok3n" * 4  # a re_path's token or key
            elif "|" in converters[name].regex:
                kwargs[name] = converters[name].regex.split("|")[0]  # a choice: "csv|xlsx"
            else:
                kwargs[name] = "ABC123"
    return kwargs


def test_every_named_route_resolves_to_itself() -> None:
    seen = 0
    for name, chain in named_routes(get_resolver().url_patterns):
        path = reverse(name, kwargs=sample_kwargs(chain))
        found = resolve(path).view_name
        assert found == OVERRIDDEN.get(name, name), f"{path} ({name}) is served by {found}"
        seen += 1
    assert seen > 100


def test_the_learners_routes_come_first() -> None:
    first = [getattr(entry, "app_name", None) for entry in get_resolver().url_patterns[:4]]
    assert first == ["activities", "evaluations", "credits", "certificates"]
    program = resolve("/e/ABC123/")
    assert (program.view_name, program.kwargs) == ("activities:program", {"event_id": "ABC123"})
