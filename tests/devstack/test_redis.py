"""Redis of the local stack answers PING and keeps what it is given."""

from __future__ import annotations

import uuid

import pytest
import redis

from casetrail.devstack import Stack

pytestmark = pytest.mark.stack


def test_redis_answers_ping_and_stores_a_key(stack: Stack) -> None:
    with redis.Redis.from_url(stack.redis.url) as client:
        assert client.ping() is True
        key = f"test:{uuid.uuid4().hex}"
        client.set(key, "cached", ex=60)
        assert client.get(key) == b"cached"
        assert 0 < client.ttl(key) <= 60
        client.delete(key)
