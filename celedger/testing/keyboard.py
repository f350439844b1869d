"""Keyboard-only steps for Playwright tests: reach a control with Tab alone, check that the
focus is always visible on the way, and fail rather than loop when focus is trapped."""

from typing import Any

# Every focused element shows a ring: an outline or the box-shadow our CSS gives.
FOCUS_VISIBLE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return true;
  const style = getComputedStyle(el);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== 'none';
}"""
MAX_TABS = 250


def tab_to(page: Any, target: Any, *, max_tabs: int = MAX_TABS) -> None:
    """Press Tab until `target` has the focus, asserting a visible focus at each stop."""
    handle = target.element_handle()
    seen: list[str] = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_VISIBLE_JS), (
            "focus not visible on " + page.evaluate("document.activeElement.outerHTML")[:200]
        )
        if page.evaluate("el => el === document.activeElement", handle):
            return
        seen.append(page.evaluate("document.activeElement.outerHTML")[:80])
    raise AssertionError(f"{target} not reached with Tab (a focus trap?); last: {seen[-5:]}")


def press_on(page: Any, target: Any, key: str = "Enter") -> None:
    """Tab to `target`, then press `key` (Enter on links and buttons, Space on boxes)."""
    tab_to(page, target)
    page.keyboard.press(key)


def type_into(page: Any, target: Any, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)
