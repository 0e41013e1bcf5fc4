"""Linking and running processors: pipelines (in a line, side by side, or as one child
processor), the per-call task, the runner."""

from framekit.pipeline.child import ChildPipeline
from framekit.pipeline.parallel import ParallelPipeline
from framekit.pipeline.params import DEFAULT_ACTIVITY_FRAMES, PipelineParams
from framekit.pipeline.pipeline import Pipeline
from framekit.pipeline.runner import PipelineRunner
from framekit.pipeline.task import FrameListener, PipelineTask

__all__ = [
    "DEFAULT_ACTIVITY_FRAMES",
    "ChildPipeline",
    "FrameListener",
    "ParallelPipeline",
    "Pipeline",
    "PipelineParams",
    "PipelineRunner",
    "PipelineTask",
]
