"""Text as the rest of framekit wants it, whatever recognizer wrote it.

:func:`written_form` turns spoken forms into written ones ("four two seven one" ->
"4271", "March fourteenth" -> "March 14", "john dot smith at gmail dot com" ->
"john.smith@gmail.com"); :mod:`framekit.text.numbers` reads numbers as callers say
them (shared with the intent engine's slot rules). Pure functions, no model.
"""

from __future__ import annotations

from framekit.text.spoken import written_form

__all__ = ["written_form"]
