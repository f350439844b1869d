"""Model instances from a hand-written SELECT, for the few reads on every signed-in request
(issue 10): the ORM compiles a statement afresh each time (joins, columns, converters),
which cost more CPU than the database took to answer it. The columns, and the converters
the ORM would apply to them (SQLite's dates, a phone number field), are worked out once.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections
from django.db.models import Model


@dataclass(frozen=True, slots=True)
class ModelColumns[M: Model]:
    """A model's concrete columns at `start` in a row, and how to build the instance."""

    model: type[M]
    sql: str  # '"alias"."id", "alias"."name", …' for the SELECT list
    start: int
    attnames: tuple[str, ...]
    # (position in the row, the backend's and the field's converters, the column)
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]

    @property
    def end(self) -> int:
        return self.start + len(self.attnames)

    def instance(self, row: Sequence[Any], *, using: str) -> M:
        values = list(row[self.start : self.end])
        if self.converters:
            conn = connections[using]
            for position, converters, col in self.converters:
                value = values[position]
                for converter in converters:
                    value = converter(value, col, conn)
                values[position] = value
        return self.model.from_db(using, self.attnames, values)


def as_date(value: Any) -> datetime.date:
    """A date column read under another name (an expression or a value list): SQLite gives
    the stored ISO text, PostgreSQL the date."""
    if isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return cast(datetime.date, value)


_COLUMNS: dict[tuple[type[Model], str, str, int], ModelColumns[Any]] = {}


def model_columns[M: Model](
    model: type[M], *, alias: str, using: str = "default", start: int = 0
) -> ModelColumns[M]:
    """The model's columns as table `alias` (built once per model, alias and database)."""
    key = (model, alias, using, start)
    found = _COLUMNS.get(key)
    if found is not None:
        return found
    conn = connections[using]
    quote = conn.ops.quote_name
    fields = model._meta.concrete_fields
    converters = []
    for position, f in enumerate(fields):
        col = f.get_col(alias)
        both = tuple(conn.ops.get_db_converters(col) + col.get_db_converters(conn))
        if both:
            converters.append((position, both, col))
    columns = ModelColumns(
        model=model,
        sql=", ".join(f"{quote(alias)}.{quote(cast(str, f.column))}" for f in fields),
        start=start,
        attnames=tuple(f.attname for f in fields),
        converters=tuple(converters),
    )
    _COLUMNS[key] = columns
    return columns
