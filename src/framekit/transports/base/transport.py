"""The transport pair: the object that owns a call's connection and gives a pipeline its two ends.

A network call has one connection (a WebSocket, a peer connection) and two
processors that use it: the input at the top of the pipeline, the output at the
bottom. The pair owns the connection; :meth:`TransportPair.input` and
:meth:`TransportPair.output` return the same two processors every time::

    transport = SomeTransport(connection)
    pipeline = Pipeline([transport.input(), vad, stt, llm, tts, transport.output()])

A :class:`NetworkTransport` also reads its connection: it implements
:meth:`NetworkTransport.read`, and its input (a :class:`NetworkInput`) runs that
reader in one task owned by the call, started once the whole pipeline has started,
so no processor hears audio before its model is open, and ended with the call. The
reader feeds audio to the input (:meth:`~framekit.transports.InputTransport.feed_audio`)
and hands everything else to whichever end it concerns; nothing reaches into the
other's private state.

Who implements what:

* Twilio Media Streams (:mod:`framekit.transports.twilio`): ``read`` takes each
  WebSocket message: ``media`` to the input, ``mark`` echoes to the output, ``stop``
  ends the call.
* WebRTC (:mod:`framekit.transports.webrtc`): ``read`` takes the inbound audio
  track's frames to the input and the data channel's messages (DTMF, hang-up) to
  the frames they stand for; the output writes to the outbound track, and the pair
  owns the peer connection and closes it when the call ends.
* A WAV file (:mod:`framekit.transports.local`) has no connection to share: its
  input plays its own file, so it is a :class:`TransportPair` without a reader.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Generic, TypeVar

from framekit.transports.base.input import InputTransport
from framekit.transports.base.output import OutputTransport

__all__ = ["NetworkInput", "NetworkTransport", "TransportPair"]

InputT = TypeVar("InputT", bound=InputTransport, covariant=True)
OutputT = TypeVar("OutputT", bound=OutputTransport, covariant=True)


class TransportPair(Generic[InputT, OutputT]):
    """The two ends of one call; either may be absent (a one-way test or recording)."""

    def __init__(self, input: InputT | None, output: OutputT | None) -> None:
        self._input = input
        self._output = output

    def input(self) -> InputT:
        """The caller's side: first in the pipeline."""
        if self._input is None:
            raise ValueError(f"this {type(self).__name__} has no input")
        return self._input

    def output(self) -> OutputT:
        """The bot's side: last in the pipeline."""
        if self._output is None:
            raise ValueError(f"this {type(self).__name__} has no output")
        return self._output


class NetworkTransport(ABC, TransportPair[InputT, OutputT]):
    """A pair that reads one connection for both ends; subclasses implement :meth:`read`.

    Both ends must be in the pipeline: the input starts the reader, and the reader
    may carry what the output waits for (Twilio's mark echoes).
    """

    reader_name: ClassVar[str] = "transport-reader"
    """The reader task's name (``framekit:<call id>:<reader_name>``)."""

    @abstractmethod
    async def read(self) -> None:
        """Read the connection until the stream ends, then end the call.

        Runs in one task owned by the call: the call's end cancels it. It must
        catch its own errors: without its reader a call goes deaf and never hears
        the caller hang up, so a failure ends the call (a ``CancelFrame`` upstream
        from the input).
        """


class NetworkInput(InputTransport):
    """The input of a :class:`NetworkTransport`: starts its reader when the pipeline has started."""

    def __init__(
        self,
        transport: NetworkTransport[InputTransport, OutputTransport],
        *,
        chunk_ms: int = 20,
        max_pending_seconds: float = 2.0,
        name: str | None = None,
    ) -> None:
        super().__init__(chunk_ms=chunk_ms, max_pending_seconds=max_pending_seconds, name=name)
        self._transport = transport

    async def on_pipeline_started(self) -> None:
        transport = self._transport
        self.context.tasks.create_task(transport.read(), transport.reader_name)
