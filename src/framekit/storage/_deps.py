"""The storage layer needs the ``db`` extra; say so with the exact command when it is missing."""

from __future__ import annotations

__all__ = ["INSTALL_HINT", "require_db_extra"]

INSTALL_HINT = "framekit.storage needs the 'db' extra: pip install 'framekit[db]'"


def require_db_extra() -> None:
    """Raise :class:`ImportError` with the install command unless sqlmodel and alembic import."""
    try:
        import alembic  # noqa: F401
        import sqlmodel  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{INSTALL_HINT} ({exc.name} is not installed)") from exc
