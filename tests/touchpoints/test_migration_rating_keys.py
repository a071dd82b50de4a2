"""Migration 0005 gives every rating stored without an external_id a stable key, then
makes the column NOT NULL (issue 13, item 12)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import IntegrityError

from tests.factories import TouchpointFactory
from touchpoints.models import SERVER_KEY, Rating

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("touchpoints", "0004_rating_import")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _insert(touchpoint, external_id) -> None:
    table = connection.ops.quote_name(Rating._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, touchpoint_id, scale, score, normalized, dissatisfied, "
            "occurred_at, received_at, comment, source, external_id) "
            "VALUES (%s, %s, 'csat5', 4, 75, false, %s, %s, '', 'api', %s)",
            [touchpoint.organization_id, touchpoint.pk, "2026-11-01 10:00:00+00:00", "2026-11-01 10:00:00+00:00",
             external_id],
        )


def test_ratings_stored_without_a_key_get_one_from_their_id_and_none_can_be_stored_again():
    touchpoint = TouchpointFactory()
    # Every app back to its latest: migrating back to 0004 also unapplied the
    # other apps' migrations that depend on later touchpoints ones.
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    _migrate(BEFORE)
    try:
        for external_id in (None, "client-7", None):
            _insert(touchpoint, external_id)
    finally:
        _migrate(latest)
    keys = dict(Rating.objects.values_list("pk", "external_id"))
    assert list(keys.values()).count("client-7") == 1 and len(keys) == 3
    assert all(SERVER_KEY.fullmatch(key) for pk, key in keys.items() if key != "client-7")
    for pk, key in keys.items():
        if key != "client-7":
            assert key == f"momento:{pk:032x}"  # derived from the id: the same on every run
    with pytest.raises(IntegrityError):
        _insert(touchpoint, None)
