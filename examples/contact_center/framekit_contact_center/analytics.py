"""The serve app's post-call analytics: the job that analyses each call once it has ended.

One :class:`~framekit.analytics.AnalysisWorker` per server process, on an engine of
its own, started once the schema is migrated and stopped when the app cleans up.
:meth:`CallAnalytics.call_ended` is the server's notice (from the call's last
frame, a dictionary put, nothing more on the event loop); the worker analyses the
call in its thread once the writer has closed the call's record, and at start it
catches up with the calls a restart left unanalysed. The routes that read the
analyses are in :mod:`framekit_contact_center.api`.

The caller's sentiment is read by the learned head over sentence embeddings when the
server passes its embedder (the intent engine's, one per process), else by the head
over VADER's cues (:mod:`framekit.analytics.turn_model`).
"""

from __future__ import annotations

import asyncio
from functools import partial

from aiohttp import web

from framekit.analytics import AnalysisWorker, analyze
from framekit.analytics.turn_model import head_scorer
from framekit.intents.embedder import Embedder
from framekit.storage import make_engine

__all__ = ["CallAnalytics"]

_STOP_TIMEOUT = 5.0  # seconds for the analysis in progress to finish at shutdown


class CallAnalytics:
    """The post-call job of the server whose calls are recorded in ``database_url``.

    ``retry_delay`` and ``sweep_interval`` are the worker's (seconds): how soon a call
    whose record is still open is looked at again, and how often the database is
    searched for calls left unanalysed. ``embedder`` is the process's sentence model,
    read by the sentiment head in the worker's thread only.
    """

    def __init__(
        self,
        database_url: str,
        *,
        retry_delay: float = 1.0,
        sweep_interval: float = 60.0,
        embedder: Embedder | None = None,
    ) -> None:
        self._engine = make_engine(database_url)
        self.worker = AnalysisWorker(
            self._engine,
            analyze=partial(analyze, scorer=head_scorer(embedder)),
            retry_delay=retry_delay,
            sweep_interval=sweep_interval,
        )

    def attach(self, app: web.Application) -> None:
        """Start with ``app`` (after the hooks added before, the migration among them) and
        stop when it cleans up."""
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)

    def call_ended(self, call_id: str) -> None:
        """The call ``call_id`` is over: analyse it once its record is closed."""
        self.worker.submit(call_id)

    async def _start(self, app: web.Application) -> None:
        self.worker.start()

    async def _stop(self, app: web.Application) -> None:
        await asyncio.to_thread(self.worker.stop, _STOP_TIMEOUT)
        self._engine.dispose()
