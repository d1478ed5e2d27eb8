"""Multi-row INSERT statements as driver SQL, spelled the same for SQLite and PostgreSQL.

Why driver SQL rather than Core constructs on the ingest path: an executemany makes the
sqlite3 driver drop and retake the GIL for every row, and under load each retake waits for
the event loop; a Core multi-row `.values([...])` avoids that but is recompiled per batch
(about 1 ms of CPU per row). The SQL here is plain SQL-92 plus `ON CONFLICT`, which SQLite
(3.24+) and PostgreSQL (9.5+) spell the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

ROWS_PER_STATEMENT = 500  # at most ~6,000 bound parameters per statement, under every limit


def placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def values_sql(connection: Connection, table: sa.Table, columns: Sequence[str], count: int) -> str:
    mark = placeholder(connection)
    row = "(" + ", ".join([mark] * len(columns)) + ")"
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES " + ", ".join([row] * count)


def insert_rows(
    connection: Connection, table: sa.Table, rows: list[dict[str, Any]], suffix: str = ""
) -> list[tuple[Any, ...]]:
    """INSERT every row, ROWS_PER_STATEMENT at a time; the rows a RETURNING suffix gave."""
    returned: list[tuple[Any, ...]] = []
    if not rows:
        return returned
    columns = list(rows[0])
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        sql = values_sql(connection, table, columns, len(chunk)) + suffix
        result = connection.exec_driver_sql(sql, tuple(row[c] for row in chunk for c in columns))
        if result.returns_rows:
            returned.extend(tuple(row) for row in result)
    return returned
