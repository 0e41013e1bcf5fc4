"""Run pipeline tasks in a script, ending them cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from loguru import logger

from framekit.pipeline.task import PipelineTask

__all__ = ["PipelineRunner"]


class PipelineRunner:
    """Runs tasks until they end; the first SIGINT/SIGTERM ends them gracefully.

    A second signal, or a graceful end that takes longer than ``shutdown_timeout``
    seconds, cancels them.
    """

    def __init__(self, *, handle_signals: bool = True, shutdown_timeout: float = 5.0) -> None:
        self._handle_signals = handle_signals
        self._shutdown_timeout = shutdown_timeout
        self._tasks: list[PipelineTask] = []
        self._stopping = False
        self._escalation: asyncio.Task[None] | None = None

    async def run(self, *tasks: PipelineTask) -> None:
        """Run ``tasks`` concurrently and return when all of them have ended."""
        self._tasks = list(tasks)
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        if self._handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                try:
                    loop.add_signal_handler(sig, self._on_signal, sig)
                    installed.append(sig)
                except (NotImplementedError, RuntimeError):
                    logger.debug(f"cannot handle {sig.name} in this thread or platform")
        try:
            await asyncio.gather(*(task.run() for task in tasks))
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            if self._escalation is not None:
                self._escalation.cancel()
                await asyncio.wait([self._escalation])

    def _on_signal(self, sig: signal.Signals) -> None:
        if self._stopping:
            logger.warning(f"{sig.name} again: cancelling")
            for task in self._tasks:
                asyncio.get_running_loop().create_task(task.cancel(f"{sig.name}"))
            return
        self._stopping = True
        logger.info(f"{sig.name}: ending calls gracefully")
        self._escalation = asyncio.get_running_loop().create_task(self._stop_gracefully(sig))

    async def _stop_gracefully(self, sig: signal.Signals) -> None:
        for task in self._tasks:
            await task.stop_when_done(reason=sig.name)
        try:
            await asyncio.wait_for(
                asyncio.gather(*(_finished(task) for task in self._tasks)),
                self._shutdown_timeout,
            )
        except TimeoutError:
            logger.warning("graceful shutdown timed out: cancelling")
            await asyncio.gather(*(task.cancel("shutdown timeout") for task in self._tasks))

    async def stop(self) -> None:
        """End every running task gracefully (as the first signal would)."""
        self._on_signal(signal.SIGTERM)


async def _finished(task: PipelineTask) -> None:
    await task.wait_finished()
