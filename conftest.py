import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import expect

# Two shared cores: input generation is sometimes slow; that is not a finding.
hypothesis_settings.register_profile(
    "celedger", suppress_health_check=[HealthCheck.too_slow], deadline=None
)
hypothesis_settings.load_profile("celedger")

# Playwright's sync API runs an event loop; Django's ORM beside it in the same thread
# must be told that is fine (tests only).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# A browser assertion waits up to 15 s (Playwright's default is 5 s): on two shared cores a
# page that renders a PDF or runs a migration-heavy fixture can take longer than 5 s. An
# assertion that is wrong still fails, only later.
expect.set_options(timeout=15_000)

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _system_chromium() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = {**browser_type_launch_args, "args": CHROMIUM_FLAGS}
    chromium = _system_chromium()
    if chromium:
        args["executable_path"] = chromium
    return args


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    # Rate-limit counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def migrate_to() -> Iterator[Callable[[list[tuple[str, str]]], Any]]:
    """Migrate the test database to given nodes (the historical apps there); every app is
    back at its newest migration after the test, whatever it unapplied."""
    from celedger.testing.migrations import migrate_to as migrate
    from celedger.testing.migrations import migrate_to_latest

    yield migrate
    migrate_to_latest()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes pytest-playwright's `page` or `browser_name` (a parameter named
    `page`, say) is run with the browser tests, after the live-server ones that empty the
    reference tables: it must be marked `browser`, or it fails only in the whole suite."""
    stray = [
        item.nodeid
        for item in items
        if "browser_name" in getattr(getattr(item, "callspec", None), "params", {})
        and item.get_closest_marker("browser") is None
    ]
    if stray:
        raise pytest.UsageError(
            "Tests using the browser fixtures without the `browser` mark (rename a "
            f"`page` parameter?): {', '.join(stray)}"
        )
