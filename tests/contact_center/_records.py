"""A served call's record, read through the calls API once the call has ended."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

__all__ = ["ended_call_record"]


async def ended_call_record(
    base_url: str, call_id: str, api_token: str, *, within: float, every: float
) -> dict[str, Any]:
    """The record of ``call_id`` from ``/api/calls/{id}``, once it has an outcome.

    Why poll: the server writes a call's record as the call ends, a moment after the
    caller's side has hung up, so a test asks every ``every`` seconds (404 or no
    outcome yet: not written) for at most ``within`` seconds.
    """
    headers = {"Authorization": f"Bearer {api_token}"}
    async with aiohttp.ClientSession(headers=headers) as http, asyncio.timeout(within):
        while True:
            async with http.get(f"{base_url}/api/calls/{call_id}") as response:
                if response.status == 200:
                    record: dict[str, Any] = await response.json()
                    if record.get("outcome"):
                        return record
            await asyncio.sleep(every)
