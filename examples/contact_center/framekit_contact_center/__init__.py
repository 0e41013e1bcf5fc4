"""The contact-center application: a phone agent for a shop, built on framekit.

It ships in the same distribution as framekit but as its own package, so the
library never imports it: ``framekit demo`` reaches it through the
``framekit.commands`` entry-point group. See ``docs/contact-center.md``.
"""

__all__: list[str] = []
