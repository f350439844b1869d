"""Where a person lands after signing in when no `next` was asked for.

Higher apps register a hook (from their AppConfig.ready) instead of accounts importing them:
the first hook that returns a URL wins; with none, learners go to the home page (or the
profile first, when they have none yet).
"""

from collections.abc import Callable

from celedger.accounts.models import User

LandingHook = Callable[[User], str | None]
landing_hooks: list[LandingHook] = []


def landing_register(hook: LandingHook) -> LandingHook:
    """Add a landing hook (usable as a decorator); registering twice keeps one."""
    if hook not in landing_hooks:
        landing_hooks.append(hook)
    return hook


def landing_url_for(*, user: User) -> str | None:
    for hook in landing_hooks:
        url = hook(user)
        if url:
            return url
    return None
