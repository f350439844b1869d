"""Run the real axe-core engine inside a Playwright page and fail on serious issues."""

import json
from functools import cache
from pathlib import Path
from typing import Any

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = {"serious", "critical"}


@cache
def _axe_source() -> str:
    if not AXE_PATH.exists():
        raise RuntimeError("axe-core is missing: run `npm ci` (make test does it).")
    return AXE_PATH.read_text()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    # Runtime.evaluate is not subject to the page's CSP, so the engine loads on any page.
    page.evaluate(_axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    summary = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    assert not violations, f"axe-core on {page.url}: " + json.dumps(summary, indent=1)
