"""The transcript page's four reads written out (issue 10): the filters' choices, the
totals with the count, one page of rows, the external credit.

The ORM built and compiled the same statements, with their five joins, on every
transcript page: about 60% of the page's CPU, more than the database took to answer
them. These are the ORM's statements (the same joins, only those a filter needs, the same
order and the page's ids from the index in a subquery: the plans in docs/performance.md),
written once; `credits/tests/test_transcript_reads.py` checks each against the ORM's
answer on PostgreSQL and SQLite. Values, not model objects, but for the external credit.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from celedger.accreditation.models import CreditType
from celedger.activities.models import Activity, CreditDesignation, Session
from celedger.core.rows import as_date, model_columns
from celedger.credits.models import Claim, ExternalCredit
from celedger.publishers.models import Publisher

CENT = Decimal("0.01")


def _tables(conn: BaseDatabaseWrapper) -> dict[str, str]:
    quote = conn.ops.quote_name
    models: dict[str, Any] = {
        "claim": Claim,
        "designation": CreditDesignation,
        "credit_type": CreditType,
        "session": Session,
        "activity": Activity,
        "publisher": Publisher,
        "external": ExternalCredit,
    }
    return {name: quote(model._meta.db_table) for name, model in models.items()}


def _type_joins(t: dict[str, str], c: str) -> str:
    return (
        f" JOIN {t['designation']} d ON d.id = {c}.designation_id"
        f" JOIN {t['credit_type']} t ON t.id = d.credit_type_id"
    )


def _publisher_joins(t: dict[str, str], c: str) -> str:
    return (
        f" JOIN {t['session']} s ON s.id = {c}.session_id"
        f" JOIN {t['activity']} a ON a.id = s.activity_id"
        f" JOIN {t['publisher']} p ON p.id = a.publisher_id"
    )


def _where(
    conn: BaseDatabaseWrapper, filters: Any, learner_id: int, *, c: str
) -> tuple[str, list[Any]]:
    """The learner's active claims the filters match (`c` the claims' alias; the credit
    type as `t`, the publisher as `p`): as `selectors._filtered`."""
    dates, params = _in_period(conn, filters, f"{c}.participated_on")
    sql = f"{c}.learner_id = %s AND {c}.status = %s{dates}"
    params = [learner_id, Claim.Status.ACTIVE.value, *params]
    if filters.credit_type:
        sql += " AND t.code = %s"
        params.append(filters.credit_type)
    if filters.publisher:
        sql += " AND p.code = %s"
        params.append(filters.publisher)
    return sql, params


def _in_period(conn: BaseDatabaseWrapper, filters: Any, column: str) -> tuple[str, list[Any]]:
    """The filters' dates on `column` (the day a credit is for), as AND clauses."""
    sql, params = "", []
    if filters.date_from:
        sql += f" AND {column} >= %s"
        params.append(conn.ops.adapt_datefield_value(filters.date_from))
    if filters.date_to:
        sql += f" AND {column} <= %s"
        params.append(conn.ops.adapt_datefield_value(filters.date_to))
    return sql, params


def _joins(t: dict[str, str], c: str, *, types: bool, publishers: bool) -> str:
    return (_type_joins(t, c) if types else "") + (_publisher_joins(t, c) if publishers else "")


def _fetch(conn: BaseDatabaseWrapper, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_read(Claim)]


def _hours(value: Any) -> Decimal:
    # SQLite gives a decimal column (or its sum) as a number; the ORM's two places.
    return Decimal(str(value)).quantize(CENT)


def choices(*, learner_id: int) -> list[tuple[int, str, str, str, str]]:
    """Each (credit type's sort order, code, name, publisher's name, code) the learner has
    active credit with, in no order."""
    conn = _connection()
    t = _tables(conn)
    sql = (
        "SELECT DISTINCT t.sort_order, t.code, t.name, p.name, p.code"
        f" FROM {t['claim']} c{_type_joins(t, 'c')}{_publisher_joins(t, 'c')}"
        " WHERE c.learner_id = %s AND c.status = %s"
    )
    return [
        tuple(row)  # type: ignore[misc]
        for row in _fetch(conn, sql, [learner_id, Claim.Status.ACTIVE.value])
    ]


def totals(*, learner_id: int, filters: Any) -> list[tuple[str, str, str, Decimal, int]]:
    """Per credit type, in its order: (name, unit singular, unit, hours, claims)."""
    conn = _connection()
    t = _tables(conn)
    where, params = _where(conn, filters, learner_id, c="c")
    joins = _joins(t, "c", types=True, publishers=bool(filters.publisher))
    sql = (
        "SELECT t.sort_order, t.name, t.unit_singular, t.unit, SUM(c.hours), COUNT(c.id)"
        f" FROM {t['claim']} c{joins} WHERE {where}"
        " GROUP BY t.sort_order, t.name, t.unit_singular, t.unit ORDER BY 1 ASC, 2 ASC"
    )
    return [
        (name, singular, unit, _hours(hours), count)
        for _, name, singular, unit, hours, count in _fetch(conn, sql, params)
    ]


# As `selectors._ROW_VALUES`, in its order.
_ROW_COLUMNS = (
    "c.id, c.participated_on, s.activity_id, a.title, a.structure, s.topic, s.event_id,"
    " c.uan, p.name, t.name, c.hours, t.unit_singular, t.unit, c.session_id"
)


def page(*, learner_id: int, filters: Any, offset: int, limit: int) -> list[tuple[Any, ...]]:
    """One page of the matching claims as `selectors._ROW_VALUES` tuples, newest first:
    the page's ids from the index (in its order) in a subquery, with only the joins a
    filter needs, then the joins for only those rows."""
    conn = _connection()
    t = _tables(conn)
    where, params = _where(conn, filters, learner_id, c="u")
    narrowing = _joins(t, "u", types=bool(filters.credit_type), publishers=bool(filters.publisher))
    ids = (
        f"SELECT u.id FROM {t['claim']} u{narrowing} WHERE {where}"
        " ORDER BY u.participated_on DESC, u.id DESC LIMIT %s OFFSET %s"
    )
    sql = (
        f"SELECT {_ROW_COLUMNS} FROM {t['claim']} c{_joins(t, 'c', types=True, publishers=True)}"
        f" WHERE c.id IN ({ids}) ORDER BY c.participated_on DESC, c.id DESC"
    )
    rows = _fetch(conn, sql, [*params, limit, offset])
    return [(row[0], as_date(row[1]), *row[2:10], _hours(row[10]), *row[11:]) for row in rows]


def external(*, learner_id: int, filters: Any) -> list[ExternalCredit]:
    """The learner's external credit the filters match, newest first, each with its credit
    type (as `selectors.external_credits_for`; none when narrowed to a publisher)."""
    if filters.publisher:
        return []
    conn = _connection()
    using = router.db_for_read(ExternalCredit)
    t = _tables(conn)
    credit = model_columns(ExternalCredit, alias="x", using=using)
    kind = model_columns(CreditType, alias="t", using=using, start=credit.end)
    dates, params = _in_period(conn, filters, "x.completed_on")
    sql = f"x.learner_id = %s{dates}"
    params = [learner_id, *params]
    if filters.credit_type:
        sql += " AND t.code = %s"
        params.append(filters.credit_type)
    statement = (
        f"SELECT {credit.sql}, {kind.sql} FROM {t['external']} x"
        f" LEFT JOIN {t['credit_type']} t ON t.id = x.credit_type_id"
        f" WHERE {sql} ORDER BY x.completed_on DESC, x.id DESC"
    )
    found = []
    for row in _fetch(conn, statement, params):
        item = credit.instance(row, using=using)
        item._state.fields_cache["credit_type"] = (
            kind.instance(row, using=using) if row[kind.start] is not None else None
        )
        found.append(item)
    return found
