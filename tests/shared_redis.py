"""A Redis for tests: ``FRAMEKIT_TEST_REDIS_URL`` (``.ci/run`` sets it), keys under a prefix
of their own per test, deleted afterwards, so parallel runs sharing one server never meet."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

REDIS_ENV = "FRAMEKIT_TEST_REDIS_URL"
REDIS_SKIP = f"{REDIS_ENV} is not set: no Redis to test against (.ci/run sets it)"


def redis_url() -> str | None:
    """The test Redis, or None when none is configured."""
    return os.environ.get(REDIS_ENV) or None


@asynccontextmanager
async def redis_prefix(url: str) -> AsyncIterator[str]:
    """A fresh key prefix on ``url``; every key under it is deleted on exit."""
    from redis.asyncio import Redis

    prefix = f"framekit-test:{uuid.uuid4().hex[:12]}:"
    try:
        yield prefix
    finally:
        client = Redis.from_url(url)
        try:
            keys = [key async for key in client.scan_iter(match=prefix + "*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()
