"""Credit hours: Decimal with two places, in quarter-hour steps (DESIGN.md, Formats)."""

from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import Floor
from django.db.models.lookups import Exact

QUARTER = Decimal("0.25")


def is_quarter_step(value: Decimal) -> bool:
    return value > 0 and (value / QUARTER) == (value / QUARTER).to_integral_value()


def quarter_step_check(field: str) -> Q:
    """A database check that `field` is positive and a multiple of 0.25."""
    return Q(**{f"{field}__gt": 0}) & Q(Exact(F(field) * 4, Floor(F(field) * 4)))
