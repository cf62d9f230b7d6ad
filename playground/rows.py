"""Writing rows in bulk for the playground's own bookkeeping."""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def insert_rows(rows: Sequence[Model]) -> None:
    """INSERT new rows of one model in one statement, sending no signals.

    For the rows every action writes (its log entry, events and e-mails):
    plain SQL skips ``bulk_create()``'s query compiler, which costs more
    than the inserts themselves, and keeps SQLite's write lock short (see
    docs/benchmarks.md). Each value goes through its field's own
    preparation, so JSON and dates are stored exactly as the ORM stores
    them. A single row gets its id back.
    """
    model = type(rows[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = [
        [field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields]
        for row in rows
    ]
    with connection.cursor() as cursor:
        if len(rows) == 1:
            cursor.execute(f"{sql} RETURNING {quote(model._meta.pk.column)}", values[0])
            rows[0].pk = cursor.fetchone()[0]
        else:
            cursor.executemany(sql, values)
    for row in rows:
        row._state.adding = False
