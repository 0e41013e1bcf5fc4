"""Locust callers that phone a framekit server exactly as Twilio would.

Each task is one call: a signed voice webhook (``X-Twilio-Signature`` from
``twilio``'s ``RequestValidator`` with the server's auth token), the TwiML's
``<Connect><Stream>`` opened as a Media Stream (:mod:`loadtest.line`), the
greeting, ``--turns`` prepared questions each spoken once the bot is quiet (with
``--barge-in``, every ``--turn-every`` s, over the bot if it is still talking), then
``stop``. Measures, reported to locust as request types (name ``call``):

* ``first_greeting``: ``start`` sent to the first audible bot frame;
* ``voice_to_voice``: the caller's last speech frame sent to the first audible
  frame of the answer (a failure after ``--answer-timeout`` s without one);
* ``audio_gap``: per bot answer (the greeting included), the largest gap between
  two of its ``media`` messages; a failure above ``--max-gap-ms``;
* ``barge_in``: with ``--barge-in``, per question asked while the bot's answer was
  still playing, the question's start to the server's ``clear`` (the bot stopped);
  a failure (:class:`NotInterruptedError`) when no ``clear`` comes;
* ``call``: the whole call, a failure when the webhook refuses it, the server
  closes the socket early, or an answer never comes;
* ``held``: per call the server held (TwiML ``<Pause>`` + ``<Redirect>``: its
  stream-token store was away), first webhook to the answer that connected it or
  apologised; never a failure. The caller follows the redirect as Twilio would;
* ``apology``: per call the server apologised for and hung up after holding it,
  first webhook to the apology: a failure of its own type, not of ``call`` (the
  service said sorry; nothing crashed);
* ``caller_lateness``: per call, the latest one of the caller's 20 ms frames went
  out after its instant; large values mean the load generator is short of CPU and
  its other measures are inflated (never a failure).

Locust's statistics are aggregates; ``--calls-csv PATH`` also appends one line per
call that got a Media Stream or an apology
(``call_sid,result,largest_gap_ms,audio_s,lateness_ms,held_s,last_hold_at``: ``ok`` or
the error's class (``CallApologisedError`` for an apology), the largest wait between
two bot messages in the whole call, the bot audio heard, the call's
``caller_lateness``, the seconds it was held (0: not held) and the Unix time of the
last hold answer (0: none)), so a test can join each call to its stored record.

Run it through ``python -m loadtest`` (see ``docs/load-testing.md``), or
``locust -f loadtest/locustfile.py`` with ``LOADTEST_TWILIO_AUTH_TOKEN`` set.
"""

from __future__ import annotations

import itertools
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import gevent  # type: ignore[import-untyped]
import websocket
from locust import HttpUser, constant, events, task
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from loadtest.line import CallClosedError, MediaStream
from loadtest.speech import load_utterances
from loadtest.turns import answer_may_start, largest_gap

__all__ = [
    "AudioGapError",
    "CallApologisedError",
    "CallRefusedError",
    "NoAnswerError",
    "NotInterruptedError",
    "TwilioCaller",
]

_LINE_ERRORS = (OSError, websocket.WebSocketException, ET.ParseError)
"""A refused stream socket (403, 503), a dropped connection, TwiML that is no XML."""


class CallRefusedError(Exception):
    """The voice webhook did not answer with a Media Stream (refused, busy, bad TwiML)."""


class CallApologisedError(Exception):
    """The voice webhook held the call, then said sorry and hung up (TwiML ``<Hangup>``)."""


class NoAnswerError(Exception):
    """The bot said nothing within the answer timeout."""


class NotInterruptedError(Exception):
    """The caller talked over the bot's answer and the bot never stopped it (no ``clear``)."""


class AudioGapError(Exception):
    """The bot's audio stalled inside an answer for longer than allowed."""


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def _arguments(parser: Any) -> None:
    """The callers' options (locust's parser takes ``env_var`` and ``is_secret``)."""
    parser.add_argument(
        "--auth-token",
        env_var="LOADTEST_TWILIO_AUTH_TOKEN",
        default="",
        is_secret=True,
        help="the server's TWILIO_AUTH_TOKEN, to sign webhooks (prefer the environment variable)",
    )
    parser.add_argument(
        "--public-url",
        env_var="LOADTEST_PUBLIC_URL",
        default="",
        help="the server's WEBHOOK_BASE_URL, which the signature covers (default: --host)",
    )
    parser.add_argument("--account-sid", default="AC" + "0" * 32, help="AccountSid sent")
    parser.add_argument("--turns", type=int, default=2, help="questions per call")
    parser.add_argument(
        "--answer-timeout", type=float, default=20.0, help="seconds to wait for any bot audio"
    )
    parser.add_argument(
        "--answer-quiet",
        type=float,
        default=1.0,
        help="seconds without bot media that end an answer (gaps longer than this split it)",
    )
    parser.add_argument(
        "--max-gap-ms", type=float, default=100.0, help="audio_gap above this is a failure"
    )
    parser.add_argument(
        "--calls-csv", default="", help="append one line per call to this file (see above)"
    )
    parser.add_argument(
        "--turn-every",
        type=float,
        default=0.0,
        help="seconds from one question's start to the next one's, at the earliest "
        "(0: each question as soon as the bot is quiet)",
    )
    parser.add_argument(
        "--barge-in",
        action="store_true",
        help="ask each question --turn-every s after the previous one began, once its answer "
        "has been heard starting, talking over the bot if it is still speaking",
    )


_ANSWERS = ("./Connect/Stream", "Redirect", "Hangup")
"""TwiML a webhook may answer: a Media Stream, a hold and retry, an apology."""


@dataclass
class _Hold:
    """One call's identity, and how long the server held it (``<Redirect>`` after ``<Pause>``)."""

    call_sid: str
    seconds: float = 0.0
    last_hold_at: float = 0.0
    """Unix time of the last hold answer (0: never held)."""


class TwilioCaller(HttpUser):
    """One phone line that places call after call, a second apart."""

    wait_time = constant(1)

    def on_start(self) -> None:
        options = self.environment.parsed_options
        if not options.auth_token:
            raise SystemExit("set LOADTEST_TWILIO_AUTH_TOKEN to the server's TWILIO_AUTH_TOKEN")
        self._validator = RequestValidator(options.auth_token)
        self._public = (options.public_url or self.host or "").rstrip("/")
        self._questions = itertools.cycle(load_utterances())
        self._options = options

    @task
    def call(self) -> None:
        """One call from webhook to hang-up; every measure goes to locust's stats."""
        started = time.monotonic()
        stream: MediaStream | None = None
        self._held = _Hold(call_sid="CA" + uuid.uuid4().hex)
        result = "ok"
        try:
            stream = self._place_call(self._held)
            self._converse(stream)
        except CallApologisedError as exc:
            self._report("apology", started, exc)
            self._log_call(type(exc).__name__)
        except (
            CallRefusedError,
            CallClosedError,
            NoAnswerError,
            NotInterruptedError,
            *_LINE_ERRORS,
        ) as exc:
            result = type(exc).__name__
            self._report("call", started, exc)
        else:
            self._report("call", started)
        finally:
            if stream is not None:
                stream.hang_up()
                self._report("caller_lateness", 0.0, at=stream.max_lateness)
                self._log_call(result, stream)

    def _log_call(self, result: str, stream: MediaStream | None = None) -> None:
        """One line of ``--calls-csv`` (nothing without it)."""
        if not self._options.calls_csv:
            return
        times = [arrived for arrived, _ in stream.messages] if stream else []
        gap = max((b - a for a, b in itertools.pairwise(times)), default=0.0)
        audio, late = (stream.audio_seconds, stream.max_lateness) if stream else (0.0, 0.0)
        held = self._held
        with Path(self._options.calls_csv).open("a") as out:  # one greenlet writes at a time
            out.write(
                f"{held.call_sid},{result},{gap * 1000:.0f},{audio:.2f},{late * 1000:.0f},"
                f"{held.seconds:.2f},{held.last_hold_at:.3f}\n"
            )

    def _place_call(self, held: _Hold) -> MediaStream:
        """Signed webhook (and its redirects), TwiML, Media Stream, ``connected`` + ``start``."""
        form = {
            "CallSid": held.call_sid,
            "AccountSid": self._options.account_sid,
            "From": "+1555" + str(uuid.uuid4().int)[:7],
            "To": "+15550000000",
            "Direction": "inbound",
            "CallStatus": "ringing",
        }
        started = time.monotonic()
        path, name = "/twilio/voice", "/twilio/voice"
        while (twiml := self._webhook(path, name, form)).find("Redirect") is not None:
            # Held (the server's token store is away): pause, then post where it says.
            held.last_hold_at = time.time()
            gevent.sleep(sum(int(pause.get("length", "1")) for pause in twiml.iter("Pause")))
            target = urlsplit((twiml.findtext("Redirect") or "").strip())
            path, name = urlunsplit(("", "", target.path, target.query, "")), "/twilio/voice retry"
        if held.last_hold_at:
            held.seconds = time.monotonic() - started
            self._report("held", started)
        stream = twiml.find("./Connect/Stream")
        if stream is None:
            raise CallApologisedError(twiml.findtext("Say") or "")
        parameters = {p.attrib["name"]: p.attrib["value"] for p in stream.findall("Parameter")}
        # Twilio dials the public host; we reach the same path and token through --host.
        public, local = urlsplit(stream.attrib["url"]), urlsplit(self.host or "")
        scheme = "wss" if local.scheme == "https" else "ws"
        url = urlunsplit((scheme, local.netloc, public.path, public.query, ""))
        line = MediaStream(
            url,
            call_sid=held.call_sid,
            account_sid=self._options.account_sid,
            timeout=self._options.answer_timeout,
        )
        line.start(parameters)
        return line

    def _webhook(self, path: str, name: str, form: dict[str, str]) -> ET.Element:
        """Post the voice webhook to ``path`` signed as Twilio signs it; its TwiML.

        Raises :class:`CallRefusedError` for an HTTP error or a busy ``<Reject>``; TwiML
        that neither streams, holds nor hangs up is a failure of the webhook too.
        """
        signature = self._validator.compute_signature(self._public + path, form)
        with self.client.post(
            path,
            data=form,
            headers={"X-Twilio-Signature": signature},
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                raise CallRefusedError(f"voice webhook answered {response.status_code}")
            twiml = ET.fromstring(response.text)
            if any(twiml.find(verb) is not None for verb in _ANSWERS):
                return twiml
            busy = twiml.find("./Reject") is not None
            response.failure("busy (<Reject>)" if busy else "no <Connect><Stream>")
            raise CallRefusedError("busy" if busy else "TwiML without a Media Stream")

    def _converse(self, stream: MediaStream) -> None:
        """The greeting, then ``--turns`` questions, each after the bot went quiet.

        With ``--turn-every`` a question also waits until that long after the previous
        one began (the first, after the greeting began), so a caller takes one turn
        every so many seconds whatever the bot's speed, as long as its answers are
        shorter. With ``--barge-in`` too, the question does not wait for the answer to
        end: a caller who talks every ~7 s (issue 18's workload) talks over answers that
        run longer. The last answer is heard out before the caller hangs up.
        """
        first = self._first_audible(stream, 0, stream.started_at, "first_greeting")
        self._report("first_greeting", stream.started_at, at=stream.messages[first][0])
        barge_in: bool = self._options.barge_in
        scan = first if barge_in else self._answer_end(stream, first)
        turn_at = stream.messages[first][0]
        for _ in range(self._options.turns):
            gevent.sleep(max(0.0, turn_at + self._options.turn_every - time.monotonic()))
            if barge_in:  # the answer as heard up to now
                scan = self._report_gap(stream, first, len(stream.messages))
            turn_at = time.monotonic()
            playing = stream.playing_until > turn_at
            said_at = stream.say(next(self._questions))
            since = self._barged_in(stream, turn_at, said_at, playing) if barge_in else said_at
            first = self._first_audible(stream, scan, since, "voice_to_voice")
            self._report("voice_to_voice", said_at, at=stream.messages[first][0])
            if not barge_in:
                scan = self._answer_end(stream, first)
        if barge_in:
            self._answer_end(stream, first)

    def _barged_in(
        self, stream: MediaStream, turn_at: float, said_at: float, playing: bool
    ) -> float:
        """When the answer to a question begun at ``turn_at`` may start (``--barge-in``).

        A question asked while the bot's audio was ``playing`` waits for the server's
        ``clear`` (reported as ``barge_in``; none within the answer timeout is a
        failure); audio before the clear belongs to the answer talked over.
        """
        timeout: float = self._options.answer_timeout

        def cleared() -> bool:
            return bool(stream.clears) and stream.clears[-1] >= turn_at

        if playing:
            try:
                self._until(stream, cleared, timeout)
            except NoAnswerError:
                error = NotInterruptedError(
                    f"the bot talked on over the caller for {timeout:.0f} s"
                )
                self._report("barge_in", turn_at, error)
                raise error from None
            stopped = next(at for at in stream.clears if at >= turn_at)
            self._report("barge_in", turn_at, at=stopped)
        return answer_may_start(said_at, stream.clears, turn_at)

    def _first_audible(self, stream: MediaStream, scan: int, since: float, kind: str) -> int:
        """Index of the first audible bot message at or after ``since``."""
        position = scan

        def found() -> bool:
            nonlocal position
            messages = stream.messages
            while position < len(messages):
                arrived, audible = messages[position]
                if audible and arrived >= since:
                    return True
                position += 1
            return False

        try:
            self._until(stream, found, self._options.answer_timeout)
        except NoAnswerError as exc:
            self._report(kind, since, exc)
            raise
        return position

    def _answer_end(self, stream: MediaStream, first: int) -> int:
        """Wait out the answer starting at ``first``; report its largest gap; next index."""
        quiet: float = self._options.answer_quiet

        def over() -> bool:
            return time.monotonic() - stream.messages[-1][0] >= quiet

        self._until(stream, over, self._options.answer_timeout + quiet)
        return self._report_gap(stream, first, len(stream.messages))

    def _report_gap(self, stream: MediaStream, first: int, end: int) -> int:
        """Report the largest gap of the answer in ``messages[first:end]``; return ``end``."""
        times = [arrived for arrived, _ in stream.messages[first:end]]
        gap = largest_gap(times, self._options.answer_quiet)
        limit = self._options.max_gap_ms / 1000
        error = AudioGapError(f"bot audio paused {gap * 1000:.0f} ms") if gap > limit else None
        self._report("audio_gap", 0.0, error, at=gap)
        return end

    @staticmethod
    def _until(stream: MediaStream, condition: Callable[[], bool], timeout: float) -> None:
        """Poll ``condition`` every 10 ms; the arrival times measured come from the reader."""
        deadline = time.monotonic() + timeout
        while not condition():
            if stream.closed:
                raise CallClosedError("the server closed the call early")
            if time.monotonic() > deadline:
                raise NoAnswerError(f"no bot audio within {timeout:.0f} s")
            gevent.sleep(0.01)

    def _report(
        self,
        kind: str,
        since: float,
        exception: Exception | None = None,
        *,
        at: float | None = None,
    ) -> None:
        """One locust request of type ``kind``: ``(at or now) - since``, in ms."""
        elapsed = (time.monotonic() if at is None else at) - since
        self.environment.events.request.fire(
            request_type=kind,
            name="call",
            response_time=elapsed * 1000,
            response_length=0,
            exception=exception,
            context={},
        )
