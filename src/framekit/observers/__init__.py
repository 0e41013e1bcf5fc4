"""Observers: watch every frame hop without changing processing."""

from framekit.observers.base import Observer

__all__ = ["Observer"]
