"""PostgreSQL storage settings for the analytics tables (nothing on SQLite).

- `analytics_rollupstage`: an UNLOGGED table where the connections of a full
  rebuild put their partial rollups (analytics.rollups._stage). Unlogged: it
  only ever holds rows for the length of one job, needs no WAL and is emptied
  after a crash, which is what a stage should do.
- Rollup pages are filled to 75 %, so the refresh's updates of a day's counts
  stay on the row's own page (HOT updates: no new index entry, no scattering
  of a touchpoint's days across the table).
- Rollups keep no database foreign key to their touchpoint (see the model).
- Snapshot JSON goes through orjson (analytics.models.SnapshotDataField) and
  is compressed with lz4 where the server has it (2× faster than
  the default pglz to write, for the same size).
"""

import django.db.models.deletion
from django.db import migrations, models, transaction

import analytics.models

STAGE_COLUMNS = """
    run bigint NOT NULL,
    touchpoint_id bigint NOT NULL,
    day date NOT NULL,
    segment_key bigint NOT NULL,
    n bigint NOT NULL,
    dissatisfied bigint NOT NULL,
    sum_normalized double precision NOT NULL,
    promoters bigint NOT NULL,
    detractors bigint NOT NULL,
    fcr_resolved bigint NOT NULL,
    fcr_asked bigint NOT NULL
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"CREATE UNLOGGED TABLE analytics_rollupstage ({STAGE_COLUMNS})")
    schema_editor.execute("ALTER TABLE analytics_dailyrollup SET (fillfactor = 75)")
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("ALTER TABLE analytics_heatmapsnapshot ALTER COLUMN data SET COMPRESSION lz4")
    except Exception as error:  # noqa: BLE001 - a server built without lz4 keeps pglz
        if "lz4" not in str(error):
            raise


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TABLE IF EXISTS analytics_rollupstage")
    schema_editor.execute("ALTER TABLE analytics_dailyrollup RESET (fillfactor)")
    schema_editor.execute("ALTER TABLE analytics_heatmapsnapshot ALTER COLUMN data SET COMPRESSION default")


class Migration(migrations.Migration):
    dependencies = [("analytics", "0003_rollup_single_index"), ("touchpoints", "0004_rating_import")]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="dailyrollup",
            name="touchpoint",
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="rollups", to="touchpoints.touchpoint"),
        ),
        migrations.AlterField(
            model_name="heatmapsnapshot",
            name="data",
            field=analytics.models.SnapshotDataField(default=dict),
        ),
    ]
