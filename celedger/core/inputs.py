"""Form fields that keep bad input a form error, never a 500 (one place for the bounds).

- Decimals: `1e309` or 400 nines passed Django's DecimalField parsing and then crashed its
  step validator (math domain error); here a value too large for the field's digits is a
  plain "Enter a number below …" before any validator runs.
- Dates: a year outside 1900–2100 (9999-12-31 was accepted, then every page that added a
  day or converted time zones failed) is refused next to the field.
- Text: `RejectControlCharactersMiddleware` is the one place for control characters:
  paths with one are not found, query values with NUL a bad request, and posted form text
  is normalized to NFC without control characters (tab and line breaks kept); a NUL is left
  for Django's CharField to refuse next to the field ("Null characters are not allowed.").

ModelForms get the same fields for their model fields with `formfield_callback =
bounded_formfield`.
"""

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

MIN_YEAR = 1900
MAX_YEAR = 2100
_YEAR_MESSAGE = f"Enter a date between {MIN_YEAR} and {MAX_YEAR}."


class FiniteDecimalField(forms.DecimalField):
    """A DecimalField whose value is finite and fits `max_digits` before validators run."""

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        number: Decimal | None = super().to_python(value)
        if number is None:
            return None
        if not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        integer_digits = (self.max_digits or 15) - (self.decimal_places or 0)
        if number.adjusted() >= integer_digits:
            limit = Decimal(10) ** integer_digits
            raise ValidationError(f"Enter a number below {limit:,}.", code="too_large")
        if self.decimal_places is not None and number != 0 and number.adjusted() < -30:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


def _check_year(value: datetime.date | None) -> None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(_YEAR_MESSAGE, code="year_range")


class BoundedDateField(forms.DateField):
    def to_python(self, value: Any) -> datetime.date | None:
        date: datetime.date | None = super().to_python(value)
        _check_year(date)
        return date


class BoundedDateTimeField(forms.DateTimeField):
    def to_python(self, value: Any) -> datetime.datetime | None:
        # Checked before the time zone is applied: 9999-12-31 23:30 in Chicago is past
        # datetime.max in UTC and used to raise OverflowError there.
        if isinstance(value, str) and value.strip()[:4].isascii() and value.strip()[:4].isdigit():
            year = int(value.strip()[:4])
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValidationError(_YEAR_MESSAGE, code="year_range")
        moment: datetime.datetime | None = super().to_python(value)
        _check_year(moment)
        return moment


class BoundedSplitDateTimeField(forms.SplitDateTimeField):
    def compress(self, data_list: Any) -> datetime.datetime | None:
        moment: datetime.datetime | None = super().compress(data_list)
        _check_year(moment)
        return moment


def bounded_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """ModelForm `formfield_callback`: bounded dates and finite decimals."""
    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", BoundedDateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", BoundedDateField)
    elif isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", FiniteDecimalField)
    return db_field.formfield(**kwargs)
