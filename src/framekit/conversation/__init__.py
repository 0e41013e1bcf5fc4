"""The conversation as every layer sees it: :class:`LLMContext` and its turns.

Why at the bottom, next to the frames: a frame carries a context
(:class:`~framekit.frames.LLMContextFrame`), the context aggregators keep it, the
LLM services read it and the call records store it. None of them may depend on
another to share that type, so it depends on nothing but the standard library.
"""

from framekit.conversation.context import AssistantTurn, LLMContext, ToolCallRecord, UserTurn

__all__ = ["AssistantTurn", "LLMContext", "ToolCallRecord", "UserTurn"]
