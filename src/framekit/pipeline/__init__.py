"""Linking and running processors: pipelines, parallel pipelines, the per-call task, the runner."""

from framekit.pipeline.parallel import ParallelPipeline
from framekit.pipeline.params import DEFAULT_ACTIVITY_FRAMES, PipelineParams
from framekit.pipeline.pipeline import Pipeline
from framekit.pipeline.runner import PipelineRunner
from framekit.pipeline.task import FrameListener, PipelineTask

__all__ = [
    "DEFAULT_ACTIVITY_FRAMES",
    "FrameListener",
    "ParallelPipeline",
    "Pipeline",
    "PipelineParams",
    "PipelineRunner",
    "PipelineTask",
]
