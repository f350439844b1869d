"""What the ORM compiled while a test's request ran (issue 10: the hot pages' reads are
written out, so a warm page compiles none of its own)."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

from django.db.models.query import RawModelIterable
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler


@contextmanager
def compiled_selects(*, raw: bool = False, inserts: bool = False) -> Iterator[list[str]]:
    """The tables of the SELECTs the ORM compiles inside the block, in order; with `raw`
    also each `raw()` queryset mapped ("raw <table>"), with `inserts` each INSERT compiled
    ("INSERT <table>"). UPDATEs and DELETEs are not listed."""
    tables: list[str] = []
    select_sql, insert_sql = SQLCompiler.as_sql, SQLInsertCompiler.as_sql
    raw_iter = RawModelIterable.__iter__

    def selects(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        if type(self) is SQLCompiler:
            tables.append(self.query.model._meta.db_table if self.query.model else "")
        return select_sql(self, *args, **kwargs)

    def insert(self: SQLInsertCompiler, *args: Any, **kwargs: Any) -> Any:
        model = self.query.model
        tables.append(f"INSERT {model._meta.db_table if model else ''}")
        return insert_sql(self, *args, **kwargs)

    def raw_counted(self: RawModelIterable) -> Any:
        tables.append(f"raw {self.queryset.model._meta.db_table}")
        return raw_iter(self)

    with ExitStack() as patches:
        patches.enter_context(mock.patch.object(SQLCompiler, "as_sql", selects))
        if inserts:
            patches.enter_context(mock.patch.object(SQLInsertCompiler, "as_sql", insert))
        if raw:
            patches.enter_context(mock.patch.object(RawModelIterable, "__iter__", raw_counted))
        yield tables
