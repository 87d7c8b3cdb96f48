"""Track: the scar mask of each object on each frame, and where each mask came from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


class Provenance(str, Enum):
    """How a frame's mask was made."""

    NONE = "none"  # not tracked yet
    PROMPTED = "prompted"  # the analyst's first prompt on this frame
    PROPAGATED = "propagated"  # carried by the tracker's memory from another frame
    CORRECTED = "corrected"  # the analyst corrected this frame after a run
    CARRIED = "carried"  # bad frame (cloud, snow, nodata, excluded): copied from the nearest good frame


@dataclass
class ObjectTrack:
    """One object through time.

    masks: (N, H, W) bool.  confidence: (N,) float32 in 0..1 (NaN where not tracked).
    """

    masks: np.ndarray
    provenance: list[Provenance]
    confidence: np.ndarray

    @classmethod
    def empty(cls, n: int, shape: tuple[int, int]) -> "ObjectTrack":
        return cls(np.zeros((n, *shape), bool), [Provenance.NONE] * n, np.full(n, np.nan, np.float32))

    def copy(self) -> "ObjectTrack":
        return ObjectTrack(self.masks.copy(), list(self.provenance), self.confidence.copy())


@dataclass
class Track:
    """All objects; ``objects`` maps object id (1..255) to its ObjectTrack."""

    n_frames: int
    shape: tuple[int, int]
    objects: dict[int, ObjectTrack]

    @classmethod
    def empty(cls, n_frames: int, shape: tuple[int, int]) -> "Track":
        return cls(n_frames, tuple(shape), {})

    def obj(self, object_id: int) -> ObjectTrack:
        """The object's track, created empty on first use."""
        if object_id not in self.objects:
            if not 1 <= object_id <= 255:
                raise ValueError("object ids run from 1 to 255")
            self.objects[object_id] = ObjectTrack.empty(self.n_frames, self.shape)
        return self.objects[object_id]

    def copy(self) -> "Track":
        return Track(self.n_frames, self.shape, {k: v.copy() for k, v in self.objects.items()})

    def label_image(self, frame: int) -> np.ndarray:
        """(H, W) uint8: 0 = background, else the object id (higher ids drawn last)."""
        out = np.zeros(self.shape, np.uint8)
        for oid in sorted(self.objects):
            out[self.objects[oid].masks[frame]] = oid
        return out

    def union(self, frame: int) -> np.ndarray:
        """(H, W) bool: any object on this frame."""
        return self.label_image(frame) > 0

    def save(self, path) -> None:
        """Write to an .npz file (the caller makes the write atomic)."""
        arrays = {"shape": np.array([self.n_frames, *self.shape])}
        for oid, ot in self.objects.items():
            arrays[f"masks_{oid}"] = np.packbits(ot.masks, axis=-1)
            arrays[f"prov_{oid}"] = np.array([p.value for p in ot.provenance])
            arrays[f"conf_{oid}"] = ot.confidence
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path) -> "Track":
        with np.load(path) as z:
            n, h, w = (int(v) for v in z["shape"])
            track = cls.empty(n, (h, w))
            for key in z.files:
                if key.startswith("masks_"):
                    oid = int(key.split("_")[1])
                    masks = np.unpackbits(z[key], axis=-1, count=w).astype(bool)
                    prov = [Provenance(str(p)) for p in z[f"prov_{oid}"]]
                    track.objects[oid] = ObjectTrack(masks, prov, z[f"conf_{oid}"].astype(np.float32))
        return track
