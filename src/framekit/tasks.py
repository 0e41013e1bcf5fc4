"""Owned asyncio tasks: every task framekit starts has an owner that ends it.

A call's :class:`TaskOwner` creates the few tasks the call needs (workers of
processors that do slow work) and cancels and awaits all of them when the call
ends, so a finished call leaves nothing running. Task names start with
``framekit:`` so tests and operators can count them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from loguru import logger

__all__ = ["TASK_NAME_PREFIX", "TaskOwner", "live_framekit_tasks"]

TASK_NAME_PREFIX = "framekit:"

T = TypeVar("T")


class TaskOwner:
    """Creates, tracks and ends the tasks of one owner (usually one call)."""

    __slots__ = ("_closed", "_name", "_tasks")

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def create_task(self, coro: Coroutine[Any, Any, T], name: str) -> asyncio.Task[T]:
        """Start ``coro`` as a task that this owner will cancel when it closes."""
        if self._closed:
            coro.close()
            raise RuntimeError(f"task owner {self._name} is closed; cannot start {name}")
        task = asyncio.get_running_loop().create_task(
            coro, name=f"{TASK_NAME_PREFIX}{self._name}:{name}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._forget)
        return task

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.opt(exception=task.exception()).error(f"{task.get_name()} failed")

    def __len__(self) -> int:
        return len(self._tasks)

    async def close(self) -> None:
        """Cancel every task still running and wait until all of them have ended."""
        self._closed = True
        if not self._tasks:  # nothing started, or all of it has ended already
            return
        current = asyncio.current_task()
        while pending := [task for task in self._tasks if task is not current]:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            self._tasks.difference_update(pending)


def live_framekit_tasks() -> list[asyncio.Task[Any]]:
    """All unfinished tasks that framekit started in the running loop."""
    return [
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith(TASK_NAME_PREFIX) and not task.done()
    ]
