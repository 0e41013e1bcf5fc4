"""What a pipeline task gives each of its processors before the call starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from framekit.clock import Clock
from framekit.tasks import TaskOwner

if TYPE_CHECKING:
    from framekit.observers.base import Observer

__all__ = ["ProcessorContext"]


@dataclass(frozen=True, slots=True)
class ProcessorContext:
    """The call a processor serves: its id, clock, task owner and observers."""

    call_id: str
    clock: Clock
    tasks: TaskOwner
    observers: tuple[Observer, ...] = ()
    enable_metrics: bool = False
