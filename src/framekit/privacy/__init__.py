"""Privacy: what framekit does to keep callers' personal data safe (see ``docs/privacy.md``).

Each part lives in its own module and is imported from there, for example
:mod:`framekit.privacy.envelope` (recordings encrypted at rest).
"""
