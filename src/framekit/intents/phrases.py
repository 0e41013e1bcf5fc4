"""What the intent engine says on its own: re-asking, checking, offering help, closing.

Why one module: these sentences carry the dialogue policy a caller hears
(ask again once with a hint, then offer a colleague; check unsure words before
acting; "anything else?" after every answer), and the LLM brains are told the
same policy in their prompt (``docs/intents.md``). An intent's own wording (its
questions and answers) stays in the intent's data.
"""

from __future__ import annotations

from framekit.intents.spec import SlotKind

RE_ASK = "Sorry, I didn't catch that. "
SAY_AGAIN = "Sorry about that. Could you say it again?"
UNKNOWN = (
    "Sorry, I didn't quite get that. Could you say it another way? "
    "I can also put you through to a colleague."
)
STILL_LOST = (
    "I'm sorry, I'm having trouble understanding. I can look up orders and deliveries, "
    "book, move or cancel appointments, and answer questions about the shop. "
    "Or would you like me to put you through to a colleague?"
)
HANDOFF = "I'm sorry I couldn't help with that. Let me put you through to a colleague."
DECLINED = "Alright, I won't do that. Is there anything else I can help with?"
DECLINED_OFFER = "No problem. Is there anything else I can help with?"
WHAT_ELSE = "Sure, what else can I help you with?"
ANYTHING_ELSE = "Is there anything else I can help with?"
ALSO = "And your other question:"
OFFER_COLLEAGUE = "Would you like me to put you through to a colleague who can look into it?"

_RETRY: dict[SlotKind, str] = {
    "order_number": (
        "Could you read me the order number again, one digit at a time? "
        "You can also type it on your keypad and press hash."
    ),
    "name": "Could you spell the name for me, or give me the phone number you booked with?",
    "datetime": "Which day and time would you like?",
    "date": "Which day would you like?",
}
_REASK: dict[SlotKind, str] = {
    "order_number": (
        "Sorry, I didn't catch the number. Could you say it one digit at a time, "
        "or type it on your keypad and press hash?"
    ),
}


def retry(kind: SlotKind) -> str:
    """Asking for a value again after a tool found nothing for the first one."""
    return _RETRY.get(kind, "Could you tell me again?")


def reask(kind: SlotKind, prompt: str) -> str:
    """Asking again for a value the caller's answer did not contain, with a hint."""
    return _REASK.get(kind, RE_ASK + prompt)


def did_you_say(heard: str) -> str:
    """Checking a value heard on an unclear line before using it."""
    return f"Sorry, the line isn't very clear. Did you say {heard}?"


def did_you_want(summary: str) -> str:
    """Checking a request heard on an unclear line before acting on it."""
    return f"Sorry, the line isn't very clear. Did you want to {summary}?"


def what_time(day: str) -> str:
    return f"What time {_on(day)} would suit you?"


def which_time(day: str, times: str) -> str:
    on_day = _on(day)
    return f"{on_day[0].upper()}{on_day[1:]} I have {times} free. Which time would suit you?"


def which_day(time: str) -> str:
    return f"Which day at {time}?"


def nothing_free(day: str) -> str:
    return f"I'm sorry, there's nothing free {_on(day)}. Which other day would suit you?"


def taken(asked: str, day: str, times: str, same_day: bool) -> str:
    """The time asked for is not free: the nearest ones instead."""
    if not times:
        return f"I'm sorry, {asked} isn't available, and I have nothing close. Which other day?"
    where = "The closest I have that day" if same_day else f"The first day I have is {day}, with"
    verb = " is " if same_day and " or " not in times else (" are " if same_day else " ")
    return f"I'm sorry, {asked} isn't available. {where}{verb}{times}. Would that work?"


def _on(day: str) -> str:
    return day if day in ("today", "tomorrow") else f"on {day}"
