"""Checks an activity must pass before it is published. Higher apps (integrity) append
theirs in their AppConfig.ready(), so activities never import them."""

from collections.abc import Callable

from celedger.activities.models import Activity

# Each returns the reasons the activity may not be published; empty means fine.
PublishCheck = Callable[[Activity], list[str]]
PUBLISH_CHECKS: list[PublishCheck] = []


def publish_problems(*, activity: Activity) -> list[str]:
    return [problem for check in PUBLISH_CHECKS for problem in check(activity)]
