"""The VAD stage: hears the caller's audio, announces speech, requests barge-in.

One processor drives any :class:`~framekit.processors.vad.service.SpeechDetector`
(:mod:`framekit.services.silero`, or a plugin's): the detector only scores windows,
everything that turns scores into frames is here and vendor-free.

Why a plain (inline) processor and not a queued one: a detector's model runs off the
event loop (Silero's on the shared engine's own thread, batched with every other
call's windows). This processor only cuts audio into the detector's windows, awaits
each score, and runs a small state machine (:mod:`framekit.processors.vad.state`).
Caller audio arrives as system frames from one sender task that awaits each frame,
so awaiting the score inline keeps everything in order with no queue and no task.

What comes out, in order, for each :class:`~framekit.frames.InputAudioFrame`:

1. the audio frame itself, unchanged and at once (STT never waits for the VAD);
2. then, if a window completed by that frame confirms a change of state, the
   event: :class:`~framekit.frames.UserStartedSpeakingFrame` downstream followed
   by an :class:`~framekit.frames.InterruptionRequestFrame` upstream (the core's
   one interruption path, see :mod:`framekit.interruptions`), or
   :class:`~framekit.frames.UserStoppedSpeakingFrame` downstream.

So a speaking event sits in the stream right after the audio that decided it.
Timing is counted in samples: ``stopped_at`` is the clock time at which the
caller's speech really ended, i.e. now minus the audio heard since then. "Really
ended" is the model's end moved back to where the voice's energy fell, against the
background and against this utterance's loudest window
(:mod:`framekit.processors.vad.endpoint`), and the silence that ends the turn counts
from there too: every turn, on every line, is spared the model's lag.

With a ``turn_end`` policy (:mod:`framekit.processors.vad.turn_end`), the silence
that ends the turn depends on the words so far: the processor keeps the latest
:class:`~framekit.frames.InterimTranscriptionFrame` of the turn, whether it comes
downstream (an STT before the VAD) or upstream (a
:class:`~framekit.processors.vad.relay.TurnTextRelay` after the STT sends a copy
back), and asks the policy on every silent window. ``UserStoppedSpeakingFrame``
keeps its one meaning, the end of the caller's turn; only its timing moves. Whether
those words reach the end of speech is judged by place in the audio, not by clock time
(:class:`_Arrivals`): behind a backlog the clock and the audio part ways.
"""

from __future__ import annotations

import math
from collections import deque

from framekit.audio import AudioCaps, AudioFormat, audio_format
from framekit.audio.misfit import audio_misfit
from framekit.frames import (
    CancelFrame,
    EndFrame,
    InputAudioFrame,
    InterimTranscriptionFrame,
    InterruptionRequestFrame,
    StartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.processors.base import FrameDirection, FrameProcessor, on_frame
from framekit.processors.vad.endpoint import EnergyEnvelope, block_samples
from framekit.processors.vad.gate import LevelGate, LevelGateParams
from framekit.processors.vad.service import SpeechDetector, SpeechStream
from framekit.processors.vad.state import SpeechStateMachine, VADEvent, VADParams, VADState
from framekit.processors.vad.turn_end import COVERS_END_TOLERANCE, TurnEndPolicy
from framekit.processors.vad.windows import WindowCutter

__all__ = ["VADProcessor"]

_DEFAULT_GATE = LevelGateParams()


class _Arrivals:
    """When each recent audio frame reached this VAD, and the samples heard through it.

    An interim transcript is stamped with the clock time at which its newest audio
    reached the recognizer: with the recognizer right after this VAD, while this VAD
    was passing that frame on (a streaming one before it stamps the time of its
    answer). :meth:`place` turns that stamp into a place in the audio: the end of the
    last frame that had arrived by then. Why not "now, less the audio heard since": on
    a busy machine the caller's frames arrive late and in bursts, clock time elapsed is
    then not audio heard, and the turn-end check, comparing clock times, dated the end
    of speech late by the backlog and refused the transcript that held every word.
    """

    __slots__ = ("_forgot", "_heard", "_keep", "_log", "_shortest")

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._log: deque[tuple[float, int]] = deque(maxlen=1)
        self._shortest = 1 << 62
        self._forgot = False
        self._heard = 0

    def add(self, arrived_at: float, samples: int) -> None:
        """Record a frame of ``samples`` that arrived at ``arrived_at``.

        The log holds enough of the shortest frames seen to cover ``keep`` samples, so
        it always covers them, and the deque's own bound drops the oldest frame: one
        append per frame and no loop (a third of the CPU of trimming by samples).
        """
        if samples < self._shortest:
            self._resize(samples)
        log = self._log
        if len(log) == log.maxlen:
            self._forgot = True  # older than any end of speech the turn-end check asks about
        self._heard = heard = self._heard + samples
        log.append((arrived_at, heard))

    def _resize(self, samples: int) -> None:
        """A shorter frame than any before: keep more of them (once per frame size)."""
        self._shortest = max(1, samples)
        self._log = deque(self._log, maxlen=-(-self._keep // self._shortest) + 1)

    def place(self, stamp: float) -> float:
        """Samples heard through the audio stamped at ``stamp``; -inf if too old to know.

        Frames that arrived at the same instant (a burst, to a coarse clock) cannot be
        told apart: the stamp is placed at the first of them, the end it surely covers.
        """
        before: float = -math.inf if self._forgot else 0
        for arrived_at, heard in self._log:
            if arrived_at == stamp:
                return heard
            if arrived_at > stamp:
                return before
            before = heard
        return before


class VADProcessor(FrameProcessor):
    """Voice activity detection with any speech detector, shared by every call.

    ``detector`` is the loaded model at the rate this VAD hears: the application loads
    it once per process (``SileroVADEngine.shared(rate)``, in a thread) and passes it
    to every call's processor; a test passes its own. The processor never loads one;
    each call opens its own stream on it. It declares that it consumes PCM16 mono at
    the detector's rate (:attr:`audio_caps`), so a pipeline whose caller audio comes
    in another format fails when the call starts. Conversion belongs to the input
    transport or an explicit
    :class:`~framekit.processors.convert.AudioConverterProcessor`, and the audio is
    scored without a copy.

    ``turn_end`` makes the silence that ends a turn depend on the caller's words so
    far (see :mod:`framekit.processors.vad.turn_end`); it then replaces
    ``params.min_silence_duration``. One policy object may serve every call.

    ``gate`` lets quiet windows that cannot be speech skip the model (see
    :mod:`framekit.processors.vad.gate`): on a call where the caller talks a third
    of the time, most windows. ``gate=None`` scores every window.
    """

    def __init__(
        self,
        detector: SpeechDetector,
        *,
        params: VADParams | None = None,
        turn_end: TurnEndPolicy | None = None,
        gate: LevelGateParams | None = _DEFAULT_GATE,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.params = params or VADParams()
        rate = detector.sample_rate
        window = detector.window_samples
        window_ms, leftover = divmod(window * 1000, rate)
        if leftover or window <= 0 or window % block_samples(rate):
            raise ValueError(
                f"a window of {window} samples at {rate} Hz is not a whole number of "
                "milliseconds and of 8 ms blocks (the energy envelope's): the VAD cannot "
                "cut audio into such windows"
            )
        self.audio_caps = AudioCaps(consumes={InputAudioFrame: audio_format(rate)})
        self.detector = detector
        """The model that scores this VAD's windows (shared; each call opens a stream)."""
        self._window_ms = window_ms
        self._stream: SpeechStream | None = None
        self._machine: SpeechStateMachine | None = None
        self._envelope: EnergyEnvelope | None = None
        self._format: AudioFormat | None = None
        self._cutter: WindowCutter | None = None
        self._speech_started_at: float | None = None
        self.turn_end = turn_end
        self._turn_text: str | None = None
        self._turn_text_until = -math.inf
        """Samples of the call's audio that the turn's latest words cover."""
        self._arrivals: _Arrivals | None = None
        self.gate = gate
        self._gate: LevelGate | None = None
        self.windows_scored = 0
        """Windows of this processor's calls that went through the model."""
        self.windows_skipped = 0
        """Windows that the level gate kept from the model."""

    @property
    def speaking(self) -> bool:
        """Whether the caller is speaking now (between a started and a stopped event)."""
        return self._machine is not None and self._machine.speaking

    @property
    def speech_started_at(self) -> float | None:
        """Clock time at which the current (or last) utterance began, per the model.

        Set just before :class:`~framekit.frames.UserStartedSpeakingFrame` is pushed,
        so a processor downstream can read it when that frame arrives.
        """
        return self._speech_started_at

    @property
    def sample_rate(self) -> int:
        """The detector's rate: the rate of the audio this VAD consumes."""
        return self.detector.sample_rate

    async def on_start(self, frame: StartFrame) -> None:
        rate = self.detector.sample_rate
        window_s = self._window_ms / 1000
        self._close_stream()
        self._stream = self.detector.open_stream()
        self._format = audio_format(rate)
        self._cutter = WindowCutter(self.detector.window_samples)
        self._machine = SpeechStateMachine(self.params, rate, self._refine_end)
        longest = self.params.min_silence_duration
        if self.turn_end is not None:
            longest = max(longest, self.turn_end.longest_silence)
        keep = longest + self.params.end_lookback + 2 * window_s
        self._forget_turn_text()
        self._envelope = EnergyEnvelope(rate, keep)
        self._arrivals = _Arrivals(math.ceil(keep * rate))
        self._gate = None if self.gate is None else LevelGate(self.gate, window_s)

    async def on_end(self, frame: EndFrame) -> None:
        self._close_stream()

    async def on_cancel(self, frame: CancelFrame) -> None:
        self._close_stream()

    async def cleanup(self) -> None:
        self._close_stream()

    @on_frame(InputAudioFrame)
    async def _on_audio(self, frame: InputAudioFrame, direction: FrameDirection) -> None:
        stream, cutter, machine = self._stream, self._cutter, self._machine
        envelope, fmt, arrivals = self._envelope, self._format, self._arrivals
        if (
            stream is None
            or cutter is None
            or machine is None
            or envelope is None
            or fmt is None
            or arrivals is None
        ):
            await self.push_frame(frame, direction)
            return
        misfit = audio_misfit(frame.audio, frame.format, fmt)
        if misfit is None:  # before passing it on: a recognizer may stamp words with it
            arrivals.add(self.clock.now(), len(frame.audio) // fmt.bytes_per_frame)
        await self.push_frame(frame, direction)
        if misfit is not None:
            what = f"{self.name}: {frame.name} {misfit.reason}"
            if misfit.wrong_format:
                what += " this VAD consumes; not scored (convert before the VAD: "
                what += "AudioConverterProcessor)"
            else:
                what += "; not scored"
            await self.push_error(what)
            return
        if self._stream is not stream:
            return  # the call ended while the frame was passed on
        gate = self._gate
        for samples in cutter.push(frame.audio):
            power = envelope.add(samples, machine.state is not VADState.QUIET)
            if gate is not None and gate.skip(power, machine.state is VADState.QUIET):
                self.windows_skipped += 1
                machine.update(0.0, len(samples))  # quiet stays quiet: never an event
                continue
            probability = await stream.probability(samples)
            if self._stream is not stream:
                return  # the call ended while the window was being scored
            self.windows_scored += 1
            if gate is not None:
                gate.scored(probability)
            if self.turn_end is not None and machine.speaking:
                machine.min_silence = self._required_silence(self.turn_end, machine)
            event = machine.update(probability, len(samples))
            if event is not None:
                self._forget_turn_text()  # a new turn starts, or this one is over
            if event is VADEvent.STARTED:
                heard = machine.seconds(machine.position - machine.speech_start)
                self._speech_started_at = self.clock.now() - heard - self._unscored_seconds(cutter)
                await self.push_frame(UserStartedSpeakingFrame(started_at=self._speech_started_at))
                await self.push_frame(InterruptionRequestFrame(), FrameDirection.UPSTREAM)
            elif event is VADEvent.STOPPED:
                stopped_at = self._clock_time(machine, cutter, machine.end_of_speech)
                await self.push_frame(UserStoppedSpeakingFrame(stopped_at=stopped_at))

    @on_frame(InterimTranscriptionFrame)
    async def _on_interim(
        self, frame: InterimTranscriptionFrame, direction: FrameDirection
    ) -> None:
        """Keep the turn's latest words for the end-of-turn policy.

        Downstream frames (an STT before the VAD) pass on; upstream ones are copies
        sent back to this VAD by a relay after the STT, and end here. Text that
        arrives outside a turn belongs to a turn already over and is dropped.
        """
        if direction is FrameDirection.DOWNSTREAM:
            await self.push_frame(frame, direction)
        if self.speaking and frame.text and self._arrivals is not None:
            self._turn_text = frame.text
            self._turn_text_until = self._arrivals.place(frame.timestamp)

    def _required_silence(self, policy: TurnEndPolicy, machine: SpeechStateMachine) -> int:
        """Samples of silence that end the turn now, per ``policy``.

        The words count only if they cover the end of speech: the place in the audio
        of the transcript's ``timestamp`` (when its newest audio arrived, placed by
        :class:`_Arrivals`) must reach the end that this VAD will report as
        ``stopped_at`` (the model's end refined by the energy envelope,
        :meth:`_refine_end`), less
        :data:`~framekit.processors.vad.turn_end.COVERS_END_TOLERANCE`. Not the model's
        raw end: Silero keeps scoring speech for 80-140 ms after the voice stops, so a
        transcript made at the recognizer's first pause, which holds every word, ends
        before it and was never counted. Older words miss the
        caller's last ones ("I want to cancel" of "I want to cancel and ..."), so the
        policy is asked with no text instead.
        """
        text = self._turn_text
        if text is not None:
            # Speaking: the window being scored may be the first silent one, with the
            # silence counted from the voice's end already.
            stopping = machine.state is VADState.STOPPING
            end = self._refine_end(machine.speech_end if stopping else machine.position)
            if self._turn_text_until < end - COVERS_END_TOLERANCE * machine.sample_rate:
                text = None
        return round(policy.required_silence(text) * machine.sample_rate)

    def _refine_end(self, model_end: int) -> int:
        """Where the caller's voice ended, in samples, given where the model heard it end."""
        envelope = self._envelope
        if envelope is None:
            return model_end
        lookback = round(self.params.end_lookback * self.detector.sample_rate)
        return envelope.refine_end(model_end, lookback)

    def _clock_time(self, machine: SpeechStateMachine, cutter: WindowCutter, sample: int) -> float:
        """The clock time at which the audio at ``sample`` arrived."""
        heard = machine.position - sample
        return self.clock.now() - machine.seconds(heard) - self._unscored_seconds(cutter)

    def _forget_turn_text(self) -> None:
        self._turn_text = None
        self._turn_text_until = -math.inf

    def _unscored_seconds(self, cutter: WindowCutter) -> float:
        """Audio heard but not scored yet: the cutter's partial window."""
        return cutter.pending_samples / self.detector.sample_rate

    def _close_stream(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None
