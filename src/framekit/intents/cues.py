"""Words that say where the conversation is going: leaving, closing, giving up, correcting.

The engine's turn rules ask these before (or instead of) the classifier, because
they are about the call, not a request: "no, that's it" after "anything else?"
ends the call whatever intent scores best, "I'll call back, bye" at the end of a
turn leaves even in the middle of a request, and "actually, make it three" says the
new values replace the old ones. Patterns run on the tokenized, lower-cased turn
(:func:`framekit.text.numbers.tokenize`).
"""

from __future__ import annotations

import re

from framekit.intents.classifier import Classification
from framekit.intents.spec import Intent

__all__ = [
    "CORRECTING",
    "ENDING",
    "GIVEN_UP",
    "GOODBYE_INTENT",
    "LEAVING",
    "says_goodbye",
]

GOODBYE_INTENT = "goodbye"

ENDING = re.compile(
    r"\b(?:that'?s (?:it|all|everything|me done|me sorted|me)|that is (?:it|all)|nothing else|"
    r"nothing more|"
    r"no more|all good|i'?m good|i'?m done|all set|all sorted|that'?ll do|that covers it|"
    r"bye|goodbye|cheers|ta-ra|ta|call (?:you )?back|ring (?:you )?back)\b"
)
"""A caller closing the call: "no, that's it", "nothing else, thanks", "I'll call back, bye"."""
LEAVING = re.compile(r"\b(?:bye|goodbye|good-by|(?:call|ring) (?:you )?back|ta-ra)\b")
"""Leaving even in the middle of a request ("I'll find the email and call back, bye")."""
GIVEN_UP = re.compile(r"\b(?:never mind|nevermind|forget it|forget that|don't worry)\b")
"""Dropping what was asked ("never mind, I'll check online")."""
CORRECTING = re.compile(
    r"\b(?:actually|instead|make it|change it|move it|rather|i meant|sorry|no wait|not)\b"
)
"""Words that say new values replace old ones ("actually, make it three instead")."""


def says_goodbye(
    lowered: str,
    found: Classification,
    task: Intent | None,
    *,
    switch: float,
    closing: bool,
) -> bool:
    """The caller is ending the call.

    "no, that's it" after "anything else?" (``closing``), or leaving words at the end
    of a turn that asks for nothing clear ("... bye"). ``found`` is the turn's
    classification and ``task`` its intent; below ``switch`` a request is not clear.
    """
    nothing_asked = task is None or task.dialogue_act or found.score < switch
    last_words = " ".join(lowered.split()[-5:])
    given_up = GIVEN_UP.search(lowered) is not None  # "never mind, I'll check online. Bye!"
    if LEAVING.search(last_words) and (nothing_asked or given_up):
        return True
    if not closing:
        return False
    ending = ENDING.search(last_words) or (ENDING.search(lowered) and nothing_asked)
    return found.intent in ("deny", GOODBYE_INTENT) or bool(ending)
