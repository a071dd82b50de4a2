"""Every rating has an external_id: ratings stored without one get a server key.

New ratings sent without an external_id get `momento:` + 32 hex digits at
insert (touchpoints.models.rating_key_new), so an export can be imported again
and only counts duplicates. Ratings stored before get one derived from their
id: `momento:` + the id in hex, zero-padded to 32 digits. It is stable, unique
(ids are), and never equal to a new key (whose first 12 digits are the time in
milliseconds, never 12 zeros). Then the column becomes NOT NULL, so no code
path can store a rating without a key again.

Cost. The fill is one UPDATE per FILL_BATCH ids, each committed on its own
(the migration is not atomic): it never locks the whole table, and if it is
stopped it can simply be run again (it only touches rows still NULL). Measured
on PostgreSQL 15, on 2 cores shared with other work: 0.99 × 10⁶ ratings
without a key filled in 25 s, so 10⁷ take about 4 minutes, while the table and
its unique index grow by the rewritten rows until autovacuum reclaims them.
SET NOT NULL then scans the table once under an ACCESS EXCLUSIVE lock: 0.4 s
for 1.1 × 10⁶ rows, so ingestion waits about 4 s at 10⁷. Rows written without a
key by an old version still running during a rolling deploy are filled by the
final pass, just before that.
"""

from django.db import migrations, models

import touchpoints.models

FILL_BATCH = 50_000


def _fill_statement(vendor: str, table: str) -> str:
    if vendor == "postgresql":
        key = "'momento:' || lpad(to_hex(id), 32, '0')"
    else:
        key = "'momento:' || printf('%%032x', id)"
    return f"UPDATE {table} SET external_id = {key} WHERE external_id IS NULL AND id >= %s AND id < %s"


def fill_missing_keys(apps, schema_editor):
    Rating = apps.get_model("touchpoints", "Rating")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Rating._meta.db_table)
    statement = _fill_statement(connection.vendor, table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table} WHERE external_id IS NULL")
        low, high = cursor.fetchone()
        if low is None:
            return
        for start in range(low, high + 1, FILL_BATCH):
            cursor.execute(statement, [start, start + FILL_BATCH])
        # Whatever an older version wrote meanwhile (a rolling deploy).
        cursor.execute(statement, [0, 2**63 - 1])


class Migration(migrations.Migration):
    # Each batch commits on its own: no transaction over millions of rows.
    atomic = False

    dependencies = [
        ("touchpoints", "0004_rating_import"),
    ]

    operations = [
        migrations.RunPython(fill_missing_keys, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="rating",
            name="external_id",
            field=models.CharField(default=touchpoints.models.rating_key_new, max_length=128,
                                   verbose_name="external id"),
        ),
    ]
