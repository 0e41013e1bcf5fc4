"""Everything that flows through a pipeline.

One module per family of frames; import them all from here::

    from framekit.frames import TextFrame, InputAudioFrame, EndFrame
"""

from framekit.frames.audio import InputAudioFrame, OutputAudioFrame, TTSAudioFrame
from framekit.frames.base import ControlFrame, DataFrame, Frame, SystemFrame, Uninterruptible
from framekit.frames.lifecycle import CancelFrame, EndCause, EndFrame, ErrorFrame, StartFrame
from framekit.frames.llm import (
    FunctionCallCancelledFrame,
    FunctionCallRequestedFrame,
    FunctionCallResultFrame,
    LLMContextFrame,
    LLMMessagesFrame,
    LLMResponseEndFrame,
    LLMResponseStartFrame,
    LLMTextFrame,
)
from framekit.frames.metrics import MetricKind, MetricsFrame, MetricValue
from framekit.frames.sensitive import (
    SensitiveEntry,
    SensitiveEntryEnd,
    SensitiveEntryRequestFrame,
    SensitiveWindowEndFrame,
    SensitiveWindowStartFrame,
)
from framekit.frames.speech import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    ExpectedSpeech,
    ExpectedSpeechFrame,
    InterruptionFrame,
    InterruptionRequestFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from framekit.frames.telephony import (
    CallControlResultFrame,
    DTMFEntryFrame,
    DTMFFrame,
    GenerationHangUpFrame,
    GenerationTransferCallFrame,
    HangUpFrame,
    MarkFrame,
    OutputDTMFFrame,
    PlayedUpToFrame,
    TransferCallFrame,
)
from framekit.frames.text import InterimTranscriptionFrame, TextFrame, TranscriptionFrame
from framekit.frames.tts import (
    SentencePlayedFrame,
    TTSSpeakFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
)

__all__ = [
    "BotStartedSpeakingFrame",
    "BotStoppedSpeakingFrame",
    "CallControlResultFrame",
    "CancelFrame",
    "ControlFrame",
    "DTMFEntryFrame",
    "DTMFFrame",
    "DataFrame",
    "EndCause",
    "EndFrame",
    "ErrorFrame",
    "ExpectedSpeech",
    "ExpectedSpeechFrame",
    "Frame",
    "FunctionCallCancelledFrame",
    "FunctionCallRequestedFrame",
    "FunctionCallResultFrame",
    "GenerationHangUpFrame",
    "GenerationTransferCallFrame",
    "HangUpFrame",
    "InputAudioFrame",
    "InterimTranscriptionFrame",
    "InterruptionFrame",
    "InterruptionRequestFrame",
    "LLMContextFrame",
    "LLMMessagesFrame",
    "LLMResponseEndFrame",
    "LLMResponseStartFrame",
    "LLMTextFrame",
    "MarkFrame",
    "MetricKind",
    "MetricValue",
    "MetricsFrame",
    "OutputAudioFrame",
    "OutputDTMFFrame",
    "PlayedUpToFrame",
    "SensitiveEntry",
    "SensitiveEntryEnd",
    "SensitiveEntryRequestFrame",
    "SensitiveWindowEndFrame",
    "SensitiveWindowStartFrame",
    "SentencePlayedFrame",
    "StartFrame",
    "SystemFrame",
    "TTSAudioFrame",
    "TTSSpeakFrame",
    "TTSStartedFrame",
    "TTSStoppedFrame",
    "TextFrame",
    "TranscriptionFrame",
    "TransferCallFrame",
    "Uninterruptible",
    "UserStartedSpeakingFrame",
    "UserStoppedSpeakingFrame",
]
