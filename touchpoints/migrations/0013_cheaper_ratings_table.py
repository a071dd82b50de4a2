"""A cheaper ratings table with the same guarantees (issue 20, item 2).

- The three deferred foreign keys (organization, touchpoint, segment) leave the
  database: ingestion checks and locks what it references in the INSERT's own
  transaction (`touchpoints.ingest_write`), and on PostgreSQL two statement
  triggers delete a deleted touchpoint's ratings and clear a deleted segment
  from its ratings, whatever deleted them (Django's CASCADE / SET_NULL do it
  first; the triggers catch a rating committed in between).
- Indexes by what reads them (`Rating.Meta`): `(touchpoint)`; `(touchpoint,
  occurred_at)` of commented ratings only; BRIN on `occurred_at` and
  `received_at` (PostgreSQL). Gone: `(touchpoint, occurred_at)` of every
  rating, `(organization, occurred_at)`, the B-tree on `received_at` and the
  one on `segment`.

Nothing rewrites the table. On PostgreSQL every index is built with `CREATE
INDEX CONCURRENTLY` and dropped with `DROP INDEX CONCURRENTLY` (ingestion goes
on meanwhile), so the migration is not atomic; the statements that need a
table lock for an instant (dropping a constraint, creating a trigger) wait at
most `LOCK_TIMEOUT` for it, so they never hold ingestion up longer than a
batch, and try again after a pause when a long reader (an export) is in the
way. Every statement is idempotent: a migration interrupted half-way runs
again from the start. Measured at 10⁷ ratings: see README ("Upgrading a large
ratings table").

On SQLite (the embedded mode) the same model changes run as ordinary schema
operations.
"""

import time

import django.db.models.deletion
from django.db import migrations, models
from django.db.migrations.operations.base import Operation
from django.db.utils import OperationalError

RATINGS = "touchpoints_rating"
LOCK_TIMEOUT = "2s"
LOCK_ATTEMPTS = 30

NEW_INDEXES = [
    ("rating_touchpoint", "(touchpoint_id)"),
    ("rating_commented_by_touchpoint", "(touchpoint_id, occurred_at) WHERE NOT (comment = '')"),
    ("rating_occurred_brin", "USING brin (occurred_at)"),
    ("rating_received_brin", "USING brin (received_at)"),
]
OLD_INDEXES = ["rating_touchpoint_occurred", "rating_org_occurred", "rating_received_at"]

TRIGGERS = f"""
CREATE OR REPLACE FUNCTION touchpoints_ratings_of_deleted_touchpoints() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {RATINGS} WHERE touchpoint_id IN (SELECT id FROM deleted);
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION touchpoints_ratings_of_deleted_segments() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {RATINGS} SET segment_id = NULL WHERE segment_id IN (SELECT id FROM deleted);
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS touchpoint_deletes_its_ratings ON touchpoints_touchpoint;
CREATE TRIGGER touchpoint_deletes_its_ratings AFTER DELETE ON touchpoints_touchpoint
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION touchpoints_ratings_of_deleted_touchpoints();
DROP TRIGGER IF EXISTS segment_clears_its_ratings ON touchpoints_segment;
CREATE TRIGGER segment_clears_its_ratings AFTER DELETE ON touchpoints_segment
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT
    EXECUTE FUNCTION touchpoints_ratings_of_deleted_segments();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS touchpoint_deletes_its_ratings ON touchpoints_touchpoint;
DROP TRIGGER IF EXISTS segment_clears_its_ratings ON touchpoints_segment;
DROP FUNCTION IF EXISTS touchpoints_ratings_of_deleted_touchpoints();
DROP FUNCTION IF EXISTS touchpoints_ratings_of_deleted_segments();
"""

FOREIGN_KEYS = [
    ("organization_id", "journeys_organization"),
    ("touchpoint_id", "touchpoints_touchpoint"),
    ("segment_id", "touchpoints_segment"),
]


def _locking(cursor, sql: str) -> None:
    """Run a statement that takes a table lock for an instant, waiting at most
    LOCK_TIMEOUT at a time: ingestion queues behind a waiting lock request."""
    for attempt in range(LOCK_ATTEMPTS):
        cursor.execute("BEGIN")
        try:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(sql)
        except OperationalError as error:
            cursor.execute("ROLLBACK")
            if "lock timeout" not in str(error) or attempt == LOCK_ATTEMPTS - 1:
                raise
            time.sleep(1 + attempt)
        else:
            cursor.execute("COMMIT")
            return


def _index_valid(cursor, name: str) -> bool | None:
    cursor.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                   "WHERE c.relname = %s", [name])
    row = cursor.fetchone()
    return None if row is None else row[0]


def _create_index(cursor, name: str, definition: str) -> None:
    if _index_valid(cursor, name) is False:  # left invalid by an interrupted run
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {RATINGS} {definition}")


def _foreign_key_names(cursor, column: str) -> list[str]:
    cursor.execute("""
        SELECT c.conname FROM pg_constraint c JOIN pg_attribute a
          ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
         WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND a.attname = %s
    """, [RATINGS, column])
    return [row[0] for row in cursor.fetchall()]


def _single_column_indexes(cursor, column: str) -> list[str]:
    cursor.execute("""
        SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE i.indrelid = %s::regclass AND i.indnatts = 1 AND NOT i.indisunique AND a.attname = %s
           AND i.indpred IS NULL
    """, [RATINGS, column])
    return [row[0] for row in cursor.fetchall()]


def postgresql_forwards(schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for name, definition in NEW_INDEXES:
            _create_index(cursor, name, definition)
        for name in [*OLD_INDEXES, *_single_column_indexes(cursor, "segment_id")]:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        # Triggers first, keys after: at no moment is a deleted touchpoint's
        # rating left without one or the other.
        _locking(cursor, TRIGGERS)
        for column, _table in FOREIGN_KEYS:
            for name in _foreign_key_names(cursor, column):
                _locking(cursor, f"ALTER TABLE {RATINGS} DROP CONSTRAINT IF EXISTS {name}")


def postgresql_backwards(schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for column, table in FOREIGN_KEYS:
            if not _foreign_key_names(cursor, column):
                # NOT VALID: no scan under the lock; then validated without blocking writers.
                name = f"{RATINGS}_{column}_fk"
                _locking(cursor, f"ALTER TABLE {RATINGS} ADD CONSTRAINT {name} FOREIGN KEY ({column}) "
                                 f"REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED NOT VALID")
                cursor.execute(f"ALTER TABLE {RATINGS} VALIDATE CONSTRAINT {name}")
        _locking(cursor, DROP_TRIGGERS)
        for name, definition in [
            ("rating_touchpoint_occurred", "(touchpoint_id, occurred_at)"),
            ("rating_org_occurred", "(organization_id, occurred_at)"),
            ("rating_received_at", "(received_at)"),
            ("touchpoints_rating_segment_id_6a6f2ed9", "(segment_id)"),
        ]:
            _create_index(cursor, name, definition)
        for name, _definition in NEW_INDEXES:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class OnPostgresqlOrAsUsual(Operation):
    """`operations` change the model state everywhere; on PostgreSQL the database
    is changed by `forwards`/`backwards` (concurrently, outside a transaction),
    elsewhere by those operations as usual."""

    reversible = True

    def __init__(self, *, operations, forwards, backwards):
        self.operations, self.forwards, self.backwards = operations, forwards, backwards

    def state_forwards(self, app_label, state):
        for operation in self.operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.forwards(schema_editor)
            return
        state = from_state
        for operation in self.operations:
            following = state.clone()
            operation.state_forwards(app_label, following)
            operation.database_forwards(app_label, schema_editor, state, following)
            state = following

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            self.backwards(schema_editor)
            return
        states = [to_state]
        for operation in self.operations:
            following = states[-1].clone()
            operation.state_forwards(app_label, following)
            states.append(following)
        for index in reversed(range(len(self.operations))):
            self.operations[index].database_backwards(app_label, schema_editor, states[index + 1], states[index])

    def describe(self):
        return "Ratings: indexes by what reads them, foreign keys kept by ingestion and triggers"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("journeys", "0004_comment_analysis"),
        ("touchpoints", "0012_touchpoint_loyalty_question"),
    ]

    operations = [
        OnPostgresqlOrAsUsual(
            forwards=postgresql_forwards,
            backwards=postgresql_backwards,
            operations=[
                migrations.RemoveIndex(model_name="rating", name="rating_touchpoint_occurred"),
                migrations.RemoveIndex(model_name="rating", name="rating_org_occurred"),
                migrations.RemoveIndex(model_name="rating", name="rating_received_at"),
                migrations.AlterField(
                    model_name="rating",
                    name="organization",
                    field=models.ForeignKey(db_constraint=False, db_index=False,
                                            on_delete=django.db.models.deletion.CASCADE, related_name="ratings",
                                            to="journeys.organization"),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="segment",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, related_name="ratings",
                                            to="touchpoints.segment"),
                ),
                migrations.AlterField(
                    model_name="rating",
                    name="touchpoint",
                    field=models.ForeignKey(db_constraint=False, db_index=False,
                                            on_delete=django.db.models.deletion.CASCADE, related_name="ratings",
                                            to="touchpoints.touchpoint"),
                ),
                migrations.AddIndex(
                    model_name="rating",
                    index=models.Index(fields=["touchpoint"], name="rating_touchpoint"),
                ),
                migrations.AddIndex(
                    model_name="rating",
                    index=models.Index(condition=models.Q(("comment", ""), _negated=True),
                                       fields=["touchpoint", "occurred_at"], name="rating_commented_by_touchpoint"),
                ),
            ],
        ),
    ]
