"""espeak-ng as a voice: the voice of last resort, robotic but always there.

Why espeak-ng: it is a Debian package (``apt-get install espeak-ng``), needs no
model, no network and almost no CPU (a sentence in a few milliseconds), so a bot
whose real voice fails can still tell the caller something. It is meant to close
a :class:`~framekit.processors.tts.fallback.FallbackVoice` chain, and speaks the
language notices in about a hundred languages.

How: one ``espeak-ng --stdout --stdin`` process per sentence, started with
:func:`asyncio.create_subprocess_exec` (no shell). The text goes in on stdin, never
on the command line, so a sentence that starts with ``-`` cannot pass as an option
and its length is not bounded by the argument limit. espeak-ng writes a WAV file to
stdout as it synthesizes; the samples are passed on as they arrive.

An interruption or a cancelled call closes the stream: the process is killed and
reaped at once (no zombie is left behind, and the tests count them).

Licence: espeak-ng is GPL-3.0-or-later; framekit only runs the binary, it does
not link to it.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator
from contextlib import suppress

from framekit.audio.format import AudioFormat
from framekit.processors.tts.voice import ReportProblem, TTSError, Voice
from framekit.processors.tts.wavstream import WavStreamDecoder

__all__ = ["EspeakVoice"]

_INSTALL = "apt-get install espeak-ng"
_READ_SIZE = 16 * 1024


class EspeakVoice(Voice):
    """Speaks with the ``espeak-ng`` binary, one process per text.

    ``voice`` is an espeak-ng voice name (``espeak-ng --voices`` lists them);
    ``words_per_minute`` (80 to 450), ``pitch`` (0 to 99) and ``amplitude``
    (0 to 200) are passed as ``-s``, ``-p`` and ``-a``. ``executable`` is the
    binary's name or path. Output is 22,050 Hz mono. ``name`` defaults to
    ``espeak-ng/<voice>``.
    """

    def __init__(
        self,
        *,
        voice: str = "en-us",
        words_per_minute: int = 170,
        pitch: int = 50,
        amplitude: int = 100,
        executable: str = "espeak-ng",
        name: str | None = None,
    ) -> None:
        super().__init__(name=name or f"espeak-ng/{voice}")
        self._voice = voice
        self._arguments = ["-v", voice, "-s", str(words_per_minute)]
        self._arguments += ["-p", str(pitch), "-a", str(amplitude)]
        self._executable = executable
        self._path: str | None = None

    @property
    def model_name(self) -> str:
        return f"espeak-ng/{self._voice}"

    async def prepare(self, output: AudioFormat, report: ReportProblem) -> None:
        self._find()

    def _find(self) -> str:
        if self._path is None:
            path = shutil.which(self._executable)
            if path is None:
                raise TTSError(f"{self._executable} is not installed or not on PATH: {_INSTALL}")
            self._path = path
        return self._path

    async def synthesize(self, text: str) -> AsyncGenerator[tuple[bytes, AudioFormat], None]:
        process = await asyncio.create_subprocess_exec(
            self._find(),
            "--stdout",
            "--stdin",
            "-b",
            "1",  # the input is UTF-8
            *self._arguments,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            try:
                process.stdin.write(text.encode())
                await process.stdin.drain()
                process.stdin.close()
            except (BrokenPipeError, ConnectionResetError):
                pass  # it died before reading: its exit status and stderr say why, below
            wav = WavStreamDecoder("espeak-ng's output")
            while chunk := await process.stdout.read(_READ_SIZE):
                pcm = wav.feed(chunk)
                if pcm:
                    yield pcm, wav.format
            status = await process.wait()
            if status != 0:
                raise TTSError(f"espeak-ng exited with status {status}: {await _stderr(process)}")
            wav.finish()
        finally:
            if process.returncode is None:
                with suppress(ProcessLookupError):
                    process.kill()
            # Read the pipes to their end: asyncio's wait() does not return while
            # unread output (espeak-ng writes ahead of us) keeps a pipe open.
            await process.communicate()


async def _stderr(process: asyncio.subprocess.Process) -> str:
    if process.stderr is None:
        return ""
    message = (await process.stderr.read(2000)).decode(errors="replace").strip()
    return message or "(no message)"
