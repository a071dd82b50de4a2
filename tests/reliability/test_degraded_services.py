"""How the web process degrades when Redis or the database fails, without real
services (runs on SQLite too). The end-to-end versions with real processes are
test_redis_outage.py and test_database_drop.py."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import override_settings
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from analytics import services
from tests.api_support import token_client
from tests.factories import TouchpointFactory
from touchpoints.models import Rating

pytestmark = pytest.mark.django_db


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, MOMENTO_ROLLUP_DEBOUNCE_SECONDS=30)
def test_ratings_arrived_logs_a_broker_outage_and_lets_the_next_ingest_schedule_again(caplog):
    services.refresh_pending_clear()
    with mock.patch("analytics.tasks.rollups_refresh.apply_async",
                    side_effect=KombuOperationalError("Connection refused")) as schedule:
        services.ratings_arrived(organization_id=1)
    schedule.assert_called_once()
    assert "could not schedule the rollup refresh" in caplog.text
    # The debounce key is released, so the next ingest tries again.
    assert cache.get(services.REFRESH_PENDING_KEY) is None
    with mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        services.ratings_arrived(organization_id=1)
    schedule.assert_called_once_with(countdown=30, ignore_result=True, task_id=mock.ANY)
    services.refresh_pending_clear()


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_ratings_arrived_survives_an_unreachable_cache(caplog):
    with mock.patch.object(cache, "add", side_effect=RedisConnectionError("Connection refused")), \
            mock.patch.object(cache, "delete", side_effect=RedisConnectionError("Connection refused")), \
            mock.patch("analytics.tasks.rollups_refresh.apply_async") as schedule:
        services.ratings_arrived(organization_id=1)
    schedule.assert_not_called()
    assert "broker or cache unreachable" in caplog.text


def test_ingest_is_accepted_when_the_rate_limit_cache_is_down(caplog):
    touchpoint = TouchpointFactory()
    client = token_client(touchpoint.organization)
    from django.core.cache import caches

    # Patch whichever backend is configured (local memory here, Redis in CI).
    with mock.patch.object(type(caches["default"]), "get",
                           side_effect=RedisConnectionError("Connection refused")):
        response = client.post("/api/v1/ratings/batch/", data=json.dumps(
            {"ratings": [{"touchpoint": touchpoint.pk, "score": 2, "external_id": "cache-down"}]}),
            content_type="application/json")
    assert response.status_code == 201, response.content
    assert Rating.objects.filter(external_id="cache-down").count() == 1
    assert "rate limit not applied" in caplog.text


def test_a_database_error_mid_request_answers_a_retryable_503_in_json():
    touchpoint = TouchpointFactory()
    client = token_client(touchpoint.organization)
    with mock.patch("touchpoints.services.ratings_insert",
                    side_effect=OperationalError("server closed the connection unexpectedly")):
        response = client.post("/api/v1/ratings/batch/", data=json.dumps(
            {"ratings": [{"touchpoint": touchpoint.pk, "score": 2, "external_id": "db-down"}]}),
            content_type="application/json")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "nothing was written" in response.json()["detail"]
    assert not Rating.objects.filter(external_id="db-down").exists()
