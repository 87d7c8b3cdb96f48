"""A project's saved frames as the library reads them: cached per process, hashed by content.

Both the dashboard's steps (:mod:`tracking.project.workflow`) and its tracking runs
(:mod:`tracking.project.runs`) read frames through here, so neither imports the other.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.memo import Memo
from tracking.core.stamps import file_stamp
from tracking.project.folder import Project

#: Loaded frames by (project folder, frame file stamps): a page rerun does not read them again.
_FRAMES = Memo(4)


def frames_hash(frames: Frames) -> str:
    """Content hash of the frames (pixels, validity, spectral bands, dates, sources, grid, quality),
    not exclusions. A series without spectral bands hashes as it did before they were kept."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(frames.images).tobytes())
    h.update(np.packbits(frames.valid).tobytes())
    for name, band in (frames.spectral.bands.items() if frames.spectral is not None else ()):
        h.update(name.encode())
        h.update(np.ascontiguousarray(band).tobytes())
    h.update(json.dumps({"dates": [d.isoformat() for d in frames.dates], "sources": frames.sources,
                         "grid": frames.grid.to_dict(), "quality": [q.to_dict() for q in frames.quality]},
                        sort_keys=True, default=str).encode())
    return h.hexdigest()


def load_frames(project: Project) -> Frames | None:
    """The saved frames, cached in this process by the frame files' sizes and times."""
    stamp = tuple(file_stamp(project.root / name) for name in ("frames.npz", "frames.json"))
    if None in stamp:
        return None
    key = (str(project.root), stamp)
    frames = _FRAMES.get(key)
    if frames is None:
        frames = project.load_frames()
        _FRAMES.put(key, frames)
    return frames


def require_frames(project: Project) -> Frames:
    """``load_frames``, or an InputError when the project has no frames yet."""
    frames = load_frames(project)
    if frames is None:
        raise InputError("This project has no frames yet; upload scene files or load the sample.")
    return frames
