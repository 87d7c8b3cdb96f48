"""Freshness stamps: has a file changed since we last looked, without reading it.

A stamp is the file's size and modification time in nanoseconds. Caches keyed by stamps (loaded
frames, timelines, checkpoint hashes, export digests) are valid as long as the stamps are equal;
an atomic replace (``tracking.core.atomic``) always gives a new modification time.
"""

from __future__ import annotations

import os
from pathlib import Path


def file_stamp(path: str | os.PathLike) -> tuple[int, int] | None:
    """(size in bytes, modification time in ns) of ``path``; None when it does not exist."""
    try:
        st = Path(path).stat()
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def stamp_text(path: str | os.PathLike) -> str:
    """``name:size:mtime_ns`` of ``path`` (``name:-`` when missing), for digests and cache keys."""
    stamp = file_stamp(path)
    name = Path(path).name
    return f"{name}:-" if stamp is None else f"{name}:{stamp[0]}:{stamp[1]}"
