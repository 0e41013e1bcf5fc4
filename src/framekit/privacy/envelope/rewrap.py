"""Key rotation: wrap a file's data key with the current master key, header only.

Why only the header: the audio stays sealed under its own data key, which does
not change; only the 48 bytes that hold it wrapped are replaced, in place, in one
write of the fixed-size header. Rotating a year of recordings reads and writes a
few hundred bytes per file.
"""

from __future__ import annotations

import os
from pathlib import Path

from framekit.privacy.envelope.format import HEADER_SIZE, Header
from framekit.privacy.envelope.keys import KeyRing

__all__ = ["rewrap_file"]


def rewrap_file(path: Path, keys: KeyRing) -> bool:
    """Re-wrap ``path``'s data key with ``keys.current``; False if it already was.

    The old master key must still be in ``keys`` (to unwrap). Raises
    :class:`~framekit.privacy.envelope.EnvelopeError` for a file it cannot open.
    """
    with path.open("r+b") as file:
        header = Header.unpack(file.read(HEADER_SIZE))
        current = keys.current
        if header.key_id == current.key_id:
            return False
        data_key = header.data_key(keys)
        file.seek(0)
        file.write(header.wrapped_by(current, data_key).pack())
        file.flush()
        os.fsync(file.fileno())
    return True
