"""How amounts of credit are written: "1 AMA PRA Category 1 Credit™", "2.5 contact hours".

Pure functions over a credit type's unit words (reference data, docs/credits.md); every page,
PDF and email that prints an amount of credit goes through `credit_amount_phrase`.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class HasUnitWords(Protocol):
    @property
    def unit_singular(self) -> str: ...
    @property
    def unit(self) -> str: ...


@dataclass(frozen=True)
class UnitWords:
    """A credit type's unit words without the rest of it (aggregates, totals); prints as
    the plural, so `{{ unit }}` still reads as before."""

    unit_singular: str
    unit: str

    def __str__(self) -> str:
        return self.unit


def amount_text(amount: Decimal | int | str) -> str:
    """The amount without trailing zeros: 1.00 -> "1", 6.50 -> "6.5", 0.25 -> "0.25"."""
    value = Decimal(amount)
    text = f"{value.normalize():f}"
    return text


def credit_amount_phrase(credit_type: HasUnitWords, amount: Decimal | int | str) -> str:
    """The amount with the credit type's unit, singular for exactly one."""
    value = Decimal(amount)
    unit = credit_type.unit_singular if value == 1 else credit_type.unit
    return f"{amount_text(value)} {unit}"


def acpe_ceus_text(contact_hours: Decimal | int | str) -> str:
    """ACPE's CEUs for contact hours (10 contact hours = 1.0 CEU): 1.5 -> "0.15"."""
    ceus = Decimal(contact_hours) / 10
    text = f"{ceus.quantize(Decimal('0.001')).normalize():f}"
    return text if "." in text else f"{text}.0"
