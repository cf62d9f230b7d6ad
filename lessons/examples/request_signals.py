"""Examples for lesson 10, Request signals: setting up every new database connection.

``connection_created`` has one common, legitimate use: giving every new
database connection the same session settings. Nothing here connects the
receiver, so the site's own connections are untouched; the lesson's tests
connect it and disconnect it again.
"""


def keep_temp_tables_in_memory(sender, connection, **kwargs):
    """Give every new SQLite connection the same session setting.

    A PRAGMA like this one lasts only as long as the connection, so it must
    be set again each time a connection opens. Other databases are skipped.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store = MEMORY")
