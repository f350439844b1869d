"""Model instances from a hand-written SELECT, for the few reads on every signed-in request
(issue 10): the ORM compiles a statement afresh each time (joins, columns, converters),
which cost more CPU than the database took to answer it. The columns, and the converters
the ORM would apply to them (SQLite's dates, a phone number field), are worked out once.

And the INSERTs of the claim, its audit rows and the outbox message (`insert_instances`):
`bulk_create` spent about 500 Python calls a statement building and compiling it, more
than a third of a claim's POST; the statement is worked out once per model here and each
value prepared by its field as the ORM prepares it.
"""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connections
from django.db.models import AutoField, BigAutoField, Field, Model


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


@dataclass(frozen=True, slots=True)
class _InsertPlan:
    head: str  # 'INSERT INTO "table" ("a", "b") VALUES '
    row: str  # "(%s, %s)"
    tail: str  # ' RETURNING "id"'
    fields: tuple[Field[Any, Any], ...]


_INSERTS: dict[tuple[type[Model], str], _InsertPlan] = {}


def _insert_plan(model: type[Model], using: str) -> _InsertPlan:
    found = _INSERTS.get((model, using))
    if found is not None:
        return found
    meta = model._meta
    if not isinstance(meta.pk, AutoField | BigAutoField) or meta.parents:
        raise TypeError(f"{meta.label}: only models with their own auto-increment key")
    fields = tuple(f for f in meta.concrete_fields if f is not meta.pk)
    for f in fields:
        if f.has_db_default() or f.generated or hasattr(f, "get_placeholder_sql"):
            # The ORM writes these differently (a DEFAULT, nothing, its own placeholder).
            raise TypeError(f"{meta.label}.{f.name}: written by the ORM only")
    quote = connections[using].ops.quote_name
    plan = _InsertPlan(
        head=f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(cast(str, f.column)) for f in fields)}) VALUES ",
        row=f"({', '.join(['%s'] * len(fields))})",
        tail=f" RETURNING {quote(cast(str, meta.pk.column))}",
        fields=fields,
    )
    _INSERTS[(model, using)] = plan
    return plan


def insert_instances(objs: Sequence[Model], *, using: str = "default") -> None:
    """`Model.objects.bulk_create(objs)` for one model's new instances, in one INSERT …
    RETURNING a batch: each field's `pre_save` (`auto_now_add`) and `get_db_prep_save`
    as the ORM applies them, the keys set on the instances. Sends no signals, as
    `bulk_create`; a refused row raises the database's IntegrityError."""
    if not objs:
        return
    model = type(objs[0])
    plan = _insert_plan(model, using)
    if any(type(obj) is not model or obj.pk is not None for obj in objs):
        raise TypeError("insert_instances: new instances of one model at a time")
    conn = connections[using]
    batch = conn.ops.bulk_batch_size(list(plan.fields), objs)
    with conn.cursor() as cursor:
        for start in range(0, len(objs), batch):
            chunk = objs[start : start + batch]
            params = [
                f.get_db_prep_save(f.pre_save(obj, True), conn)
                for obj in chunk
                for f in plan.fields
            ]
            cursor.execute(plan.head + ", ".join([plan.row] * len(chunk)) + plan.tail, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = using
