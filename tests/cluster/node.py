"""One call node of tests/cluster: ``framekit serve``'s application, drain and signals.

The same :class:`ContactCenterServer` and :func:`serve` as ``framekit serve``,
configured from the environment the same way, with one difference: the bot speaks
a steady tone for the whole call instead of loading the speech models (each node
would take 40 s to preload them on this machine), so that the test can measure
the largest gap in the bot's audio; ``TONE_SECONDS`` (default 120) is how long it
speaks. With ``NODE_BOT=contact-center`` it runs ``framekit serve``'s own bot instead
(for nodes whose speech models are the model tier's: ``MODEL_TIER_URL``).
Usage: ``python tests/cluster/node.py PORT``.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

import numpy as np
from framekit_contact_center.server import ContactCenterServer
from framekit_contact_center.serving import serve
from framekit_contact_center.settings import load_settings

from framekit.audio import PCM16_16K
from framekit.frames import OutputAudioFrame
from framekit.observers import Observer
from framekit.pipeline import Pipeline, PipelineParams, PipelineTask
from framekit.processors import FrameProcessor

_TALK_SECONDS = int(os.environ.get("TONE_SECONDS", "120"))


def _tone_second() -> bytes:
    t = np.arange(16000) / 16000
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype("<i2").tobytes()


def talker(
    head: FrameProcessor, tail: FrameProcessor, call_id: str, observers: Sequence[Observer]
) -> PipelineTask:
    """The server's bot factory signature: a 440 Hz tone, paced, for ``TONE_SECONDS``."""
    task = PipelineTask(
        Pipeline([head, tail]),
        params=PipelineParams(idle_timeout=None),
        observers=observers,
        call_id=call_id,
    )
    second = _tone_second()
    frames = [OutputAudioFrame(audio=second, format=PCM16_16K) for _ in range(_TALK_SECONDS)]
    asyncio.get_running_loop().create_task(task.queue_frames(frames))
    return task


async def _main(port: int) -> None:
    settings = load_settings(env_file=None)
    bot = None if os.environ.get("NODE_BOT") == "contact-center" else talker
    server = ContactCenterServer(settings, bot=bot, redis_prefix=os.environ["NODE_PREFIX"])
    await server.preload()
    await serve(server, "127.0.0.1", port, drain_timeout=20.0, out=sys.stdout)


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1])))
