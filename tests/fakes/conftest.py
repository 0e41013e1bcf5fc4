"""The fake-server tests close the SDK clients they made after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from .sdk_clients import close_clients


@pytest.fixture(autouse=True)
async def _close_clients() -> AsyncIterator[None]:
    """Close every SDK client a test made, while its event loop still runs."""
    yield
    await close_clients()
