"""Where a process's call traces go: :class:`Tracing`, one OTLP exporter behind a bounded queue.

Tracing is on when an OTLP endpoint is named: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the
collector's base URL; traces go to ``<base>/v1/traces``) or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (the full URL) in the environment, or an
``endpoint`` given by the application (a setting). ``OTEL_SDK_DISABLED=true`` or
``OTEL_TRACES_EXPORTER=none`` turn it off whatever else is set. The other standard
variables work as the OpenTelemetry SDK documents them: ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_EXPORTER_OTLP_HEADERS`` (a hosted collector's
key: never logged), ``OTEL_BSP_MAX_QUEUE_SIZE`` and the other batch settings.

Why a batch processor: a span ends inside a frame hop, on the call's audio path. The
SDK's :class:`BatchSpanProcessor` appends it to a bounded queue (2,048 spans unless
``OTEL_BSP_MAX_QUEUE_SIZE`` says otherwise; when full, spans are dropped, never
waited for) and one background thread sends batches over HTTP. A collector that is
down or slow costs the trace, never the call.

Why opentelemetry is imported here only when tracing is on: the extra is optional,
and a process without it must not pay for it. Asking for tracing without the extra
fails at start with the command that installs it (:class:`TracingUnavailable`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.util.types import AttributeValue

    from framekit.frames import EndCause
    from framekit.tracing.call import CallTracer

__all__ = ["INSTALL_OTEL", "Tracing", "TracingUnavailable", "tracing_endpoint"]

INSTALL_OTEL = "pip install 'framekit[otel]'"
"""The command that installs what tracing needs."""

_DEFAULT_SERVICE = "framekit"
_TRACES_PATH = "v1/traces"


class TracingUnavailable(RuntimeError):
    """Tracing was asked for, but the ``otel`` extra is not installed."""


def tracing_endpoint(environ: Mapping[str, str] | None = None) -> str | None:
    """The OTLP endpoint the environment names for traces, or ``None`` if tracing is off."""
    env = os.environ if environ is None else environ
    if _switched_off(env):
        return None
    return env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")


def _switched_off(env: Mapping[str, str]) -> bool:
    return (
        env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true"
        or env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "none"
    )


class Tracing:
    """One process's traces: a tracer provider, its batch processor and its exporter.

    Build it once per process (:meth:`from_env` returns ``None`` when tracing is off),
    make each call's observer with :meth:`call`, and :meth:`shutdown` when the process
    stops, so the last spans are sent.

    ``endpoint`` is the collector's base URL (as ``OTEL_EXPORTER_OTLP_ENDPOINT``);
    ``None`` lets the exporter read the environment. ``exporter`` replaces the OTLP
    exporter (any SDK ``SpanExporter``). ``caller_key`` is the secret the caller's
    number is digested with (HMAC-SHA256, 16 hex digits): the same caller gets the
    same digest on every call and process that shares the key, and a number cannot be
    found from its digest without the key (a plain hash of a phone number can: there
    are few enough numbers to try them all). Without a key the caller is left out.
    """

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        service_name: str = _DEFAULT_SERVICE,
        exporter: SpanExporter | None = None,
        caller_key: bytes | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        try:
            from opentelemetry.sdk.resources import SERVICE_NAME, Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor

            if exporter is None:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                    OTLPSpanExporter,
                )

                url = f"{endpoint.rstrip('/')}/{_TRACES_PATH}" if endpoint else None
                exporter = OTLPSpanExporter(endpoint=url)
        except ImportError as exc:
            raise TracingUnavailable(
                f"tracing needs the 'otel' extra ({exc.name} is missing): {INSTALL_OTEL}"
            ) from exc
        name = env.get("OTEL_SERVICE_NAME") or service_name
        self.provider: TracerProvider = TracerProvider(
            resource=Resource.create({SERVICE_NAME: name})
        )
        self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self._tracer = self.provider.get_tracer("framekit")
        self._caller_key = caller_key

    @classmethod
    def from_env(
        cls,
        *,
        endpoint: str | None = None,
        service_name: str = _DEFAULT_SERVICE,
        caller_key: bytes | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Tracing | None:
        """Tracing if ``endpoint`` or the environment names a collector, else ``None``.

        ``endpoint`` wins over the environment's; the switches that turn tracing off
        win over both.

        Raises :class:`TracingUnavailable` when it is named but the extra is missing.
        """
        env = os.environ if environ is None else environ
        if _switched_off(env) or (endpoint is None and tracing_endpoint(env) is None):
            return None
        return cls(
            endpoint=endpoint,
            service_name=service_name,
            caller_key=caller_key,
            environ=environ,
        )

    def call(
        self,
        call_id: str,
        *,
        transport: str,
        caller: str | None = None,
        attributes: Mapping[str, AttributeValue] | None = None,
        outcome: Callable[[EndCause], str] | None = None,
    ) -> CallTracer:
        """The observer that traces one call (see :class:`~framekit.tracing.call.CallTracer`).

        ``caller`` is the caller's number: only its keyed digest is kept, and nothing
        at all without ``caller_key``.
        """
        from framekit.tracing.call import CallTracer

        digest = None
        if caller and self._caller_key:
            digest = hmac.new(self._caller_key, caller.encode(), hashlib.sha256).hexdigest()[:16]
        return CallTracer(
            self._tracer,
            call_id=call_id,
            transport=transport,
            caller_digest=digest,
            attributes=attributes,
            outcome=outcome,
        )

    def flush(self, timeout: float = 10.0) -> bool:
        """Send every ended span now (blocks up to ``timeout`` s: call it from a thread)."""
        return self.provider.force_flush(round(timeout * 1000))

    def shutdown(self) -> None:
        """Send what is queued and stop the exporter's thread (blocks: call it from a thread)."""
        self.provider.shutdown()
