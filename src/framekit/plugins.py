"""Third-party processors, discovered through a Python entry-point group.

A package makes its processors available to framekit by declaring them in its
``pyproject.toml``::

    [project.entry-points."framekit.processors"]
    shout = "framekit_shout:ShoutProcessor"

``framekit plugins`` lists what is installed; :func:`load_plugin` returns the class.
Nothing is imported until a plugin is loaded, so a broken plugin cannot break
``import framekit`` or other plugins.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from framekit.processors.base import FrameProcessor

__all__ = ["ENTRY_POINT_GROUP", "PluginError", "PluginInfo", "available_plugins", "load_plugin"]

ENTRY_POINT_GROUP = "framekit.processors"


class PluginError(RuntimeError):
    """A plugin is missing, fails to import, or is not a frame processor."""


@dataclass(frozen=True, slots=True)
class PluginInfo:
    """An installed plugin: its name, where it points, and the distribution that provides it."""

    name: str
    target: str
    distribution: str | None


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_plugins() -> dict[str, PluginInfo]:
    """Every processor plugin installed in this environment, by name."""
    return {
        name: PluginInfo(name, ep.value, ep.dist.name if ep.dist is not None else None)
        for name, ep in sorted(_entry_points().items())
    }


def load_plugin(name: str) -> type[FrameProcessor]:
    """Import plugin ``name`` and return its processor class."""
    ep = _entry_points().get(name)
    if ep is None:
        known = ", ".join(sorted(_entry_points())) or "none installed"
        raise PluginError(f"no framekit plugin named {name!r} (available: {known})")
    try:
        loaded = ep.load()
    except Exception as exc:
        raise PluginError(f"plugin {name!r} ({ep.value}) failed to import: {exc!r}") from exc
    if not (isinstance(loaded, type) and issubclass(loaded, FrameProcessor)):
        raise PluginError(f"plugin {name!r} ({ep.value}) is not a FrameProcessor subclass")
    return loaded
