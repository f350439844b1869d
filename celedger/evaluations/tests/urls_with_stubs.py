"""The project's URLs, plus stand-ins for other apps' URL names that have not landed yet.

base.html and the evaluation flow link to names other helpers own (profile, program,
claim, transcript). Until those exist, each missing name answers with a small stub page;
once an app defines the name, its real view wins and the stub is never added.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLResolver, include, re_path

from config import urls as project_urls

# namespace -> {url name: number of positional arguments}
NEEDED = {
    "activities": {"lookup": 0, "program": 1, "console_detail": 2},
    "credits": {"claim": 1, "transcript": 0},
    "profiles": {"edit": 0},
    "publishers": {"console": 0, "dashboard": 1},
}


def _stub(label: str) -> Any:
    def view(request: HttpRequest, *args: str) -> HttpResponse:
        return HttpResponse(
            f"<!doctype html><html lang='en'><head><title>{label}</title></head>"
            f"<body><main><h1>Stub: {label}</h1></main></body></html>"
        )

    return view


def _with_stubs(resolver: URLResolver) -> URLResolver:
    namespace = resolver.namespace or ""
    if namespace not in NEEDED:
        return resolver
    patterns = list(resolver.url_patterns)
    present = {getattr(p, "name", None) for p in patterns}
    for name, arity in NEEDED[namespace].items():
        if name in present:
            continue
        groups = "".join("/([^/]+)" for _ in range(arity))
        patterns.append(
            re_path(
                rf"^__stub__/{namespace}/{name}{groups}/$", _stub(f"{namespace}:{name}"), name=name
            )
        )
    return re_path(resolver.pattern.regex.pattern, include((patterns, namespace)))  # type: ignore[return-value]


urlpatterns = [
    _with_stubs(p) if isinstance(p, URLResolver) else p for p in project_urls.urlpatterns
]
