"""Carrier phrasings of the test split: other sentences than the dev split's (templates_dev.py)."""

from __future__ import annotations

__all__ = ["TEMPLATES"]

TEMPLATES: dict[str, list[str]] = {}
