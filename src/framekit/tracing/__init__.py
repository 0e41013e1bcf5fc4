"""OpenTelemetry traces of calls: a span per call, per turn and per stage (the ``otel`` extra).

:class:`Tracing` holds a process's exporter (:mod:`framekit.tracing.export`) and makes
each call's observer, a :class:`~framekit.tracing.call.CallTracer`
(:mod:`framekit.tracing.call` says which spans and attributes there are). Importing
this package costs nothing without the extra; :class:`Tracing` needs it::

    tracing = Tracing.from_env()  # None unless OTEL_EXPORTER_OTLP_ENDPOINT is set
    observers = [tracing.call(call_id, transport="twilio")] if tracing else []
    task = PipelineTask(pipeline, observers=observers, call_id=call_id)
"""

from framekit.tracing.export import INSTALL_OTEL, Tracing, TracingUnavailable, tracing_endpoint

__all__ = ["INSTALL_OTEL", "Tracing", "TracingUnavailable", "tracing_endpoint"]
