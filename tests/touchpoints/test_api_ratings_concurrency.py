"""Several clients replaying the same external ids at once still store each id once,
and clients racing with one id and different content: one wins, the others conflict.

Runs on PostgreSQL with real threads and real transactions: the unique
constraint and INSERT … ON CONFLICT decide, not a read before the write.
"""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections

from tests.api_support import token_client
from tests.factories import TouchpointFactory
from touchpoints.models import Rating

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CLIENTS = 6


def _run_concurrently(target, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as error:  # noqa: BLE001 - a thread's failure is reported by the caller's assertion
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_replays_of_a_batch_store_each_external_id_once(require_postgres):
    touchpoint = TouchpointFactory()
    clients = [token_client(touchpoint.organization) for _ in range(CLIENTS)]
    # Overlapping batches in different orders: every client sends ids 0..599,
    # rotated, so they collide on every key from different starting points.
    keys = [f"evt-{i}" for i in range(600)]

    def send(index: int):
        rotated = keys[index * 100:] + keys[:index * 100]
        body = {"ratings": [{"touchpoint": touchpoint.pk, "score": 1 + i % 5, "external_id": key}
                            for i, key in enumerate(rotated)]}
        response = clients[index].post("/api/v1/ratings/batch/", data=json.dumps(body),
                                       content_type="application/json")
        return response.status_code, response.json()

    results = _run_concurrently(send, CLIENTS)
    assert all(isinstance(result, tuple) for result in results), results
    assert {status for status, _ in results} <= {200, 201}
    assert Rating.objects.count() == len(keys)
    assert sum(body["created"] for _, body in results) == len(keys)
    assert sum(body["duplicate"] for _, body in results) == len(keys) * (CLIENTS - 1)
    stored = dict(Rating.objects.values_list("external_id", "pk"))
    for index, (_status, body) in enumerate(results):
        rotated = keys[index * 100:] + keys[:index * 100]
        assert body["ids"] == [stored[key] for key in rotated]


def test_concurrent_single_replays_return_the_same_rating(require_postgres):
    touchpoint = TouchpointFactory()
    clients = [token_client(touchpoint.organization) for _ in range(CLIENTS)]

    def send(index: int):
        response = clients[index].post(
            "/api/v1/ratings/", data=json.dumps({"touchpoint": touchpoint.pk, "score": 4, "external_id": "once"}),
            content_type="application/json",
        )
        return response.status_code, response.json()

    results = _run_concurrently(send, CLIENTS)
    assert sorted(status for status, _ in results) == [200] * (CLIENTS - 1) + [201]
    assert len({body["id"] for _, body in results}) == 1
    assert Rating.objects.count() == 1


def test_concurrent_batches_with_one_key_and_different_content_store_one_and_refuse_the_others(require_postgres):
    touchpoint = TouchpointFactory()
    clients = [token_client(touchpoint.organization) for _ in range(CLIENTS)]

    def send(index: int):
        body = {"ratings": [
            {"touchpoint": touchpoint.pk, "score": 3, "external_id": f"own-{index}"},
            {"touchpoint": touchpoint.pk, "score": 1 + index % 5, "comment": f"client {index}",
             "external_id": "contested"},
        ]}
        response = clients[index].post("/api/v1/ratings/batch/", data=json.dumps(body),
                                       content_type="application/json")
        return response.status_code, response.json()

    results = _run_concurrently(send, CLIENTS)
    assert all(isinstance(result, tuple) for result in results), results
    winners = [index for index, (status, _body) in enumerate(results) if status == 201]
    assert len(winners) == 1, results
    for index, (status, body) in enumerate(results):
        if index != winners[0]:
            assert status == 400
            assert [(error["index"], error["code"]) for error in body["errors"]] == [(1, "external_id_conflict")]
    # The winner's batch, whole; nothing of the others (not even their own new keys).
    assert sorted(Rating.objects.values_list("external_id", flat=True)) == ["contested", f"own-{winners[0]}"]
    assert Rating.objects.get(external_id="contested").comment == f"client {winners[0]}"


def test_concurrent_single_posts_with_one_key_and_different_content_are_one_201_and_409s(require_postgres):
    touchpoint = TouchpointFactory()
    clients = [token_client(touchpoint.organization) for _ in range(CLIENTS)]

    def send(index: int):
        body = {"touchpoint": touchpoint.pk, "score": 4, "comment": f"client {index}", "external_id": "once"}
        response = clients[index].post("/api/v1/ratings/", data=json.dumps(body), content_type="application/json")
        return response.status_code, response.json()

    results = _run_concurrently(send, CLIENTS)
    assert sorted(status for status, _ in results) == [201] + [409] * (CLIENTS - 1), results
    stored = Rating.objects.get()
    assert {body["rating"]["id"] for status, body in results if status == 409} == {stored.pk}
