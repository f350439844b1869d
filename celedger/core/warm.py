"""A new worker's start (gunicorn's `post_worker_init`): what each worker's first requests
would otherwise pay, paid before it takes one.

Measured in a fresh process (issue 10): a worker's first program page cost about 340 ms
of CPU against 3–8 ms for the next learner's — importing every view module for the
URLconf and building its reverse map, compiling the page's templates, importing the Redis
client — and its first evaluation and claim pages 17–23 ms against 4–5. Under a closing
rush every worker started (or recycled) mid-rush made its first learners wait for that.
No connection is opened here: a database or Redis that is down at start must not keep a
worker from starting.
"""

from pathlib import Path

from django.template import engines
from django.urls import get_resolver

from celedger.core.pdf import warm_up as warm_up_pdf

TEMPLATE_SUFFIXES = (".html", ".txt", ".css")


def warm_up_worker() -> None:
    # The URLconf: imports the views and compiles the patterns and the reverse map.
    get_resolver().reverse_dict  # noqa: B018
    compile_project_templates()
    # The cache's Redis client imports redis-py on its first command (about 40 ms).
    import redis  # noqa: F401

    warm_up_pdf()


def compile_project_templates() -> list[str]:
    """Compile every template in the project's template directories into the cached
    loader; returns their names. A template that does not compile stops the worker's
    start, as its page would fail."""
    engine = engines["django"]
    names = []
    for directory in engine.engine.dirs:  # type: ignore[attr-defined]
        root = Path(directory)
        for path in sorted(root.rglob("*")):
            if path.suffix in TEMPLATE_SUFFIXES:
                name = path.relative_to(root).as_posix()
                engine.get_template(name)
                names.append(name)
    return names
