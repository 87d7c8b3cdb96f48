"""Frames and prompts to and from files (used by Project; npz + json, no pickle)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tracking.core.acqdate import from_iso
from tracking.core.atomic import atomic_path, write_json
from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.prompts import Prompt
from tracking.core.spectral import Spectral


def save_frames(frames: Frames, folder: Path) -> None:
    """Write ``frames.npz`` (images, valid, spectral bands as float16) and ``frames.json``
    (dates, sources, grid, quality, the names of the spectral bands).

    The npz holds a copy of the JSON too, so it alone is the saved state: a process
    killed between the two writes leaves the new npz, which is read whole.
    """
    meta = {
        "dates": [d.isoformat() for d in frames.dates],
        "sources": frames.sources,
        "grid": frames.grid.to_dict(),
        "quality": [q.to_dict() for q in frames.quality],
        "excluded": sorted(frames.excluded),
        "spectral": list(frames.spectral.bands) if frames.spectral is not None else [],
    }
    # Spectral values are kept to float16 precision (core.spectral), so float16 loses nothing.
    bands = {f"spectral_{k}": v.astype(np.float16) for k, v in
             (frames.spectral.bands.items() if frames.spectral is not None else ())}
    with atomic_path(folder / "frames.npz") as tmp:
        np.savez(tmp, images=frames.images, valid=np.packbits(frames.valid, axis=-1), meta=_json_array(meta),
                 **bands)
    write_json(folder / "frames.json", meta)


def _json_array(obj) -> np.ndarray:
    """A JSON document as a 0-d unicode array (stored in an npz without pickle)."""
    return np.array(json.dumps(obj, default=str))


def _embedded_json(z, fallback: Path):
    """The JSON stored in npz ``z`` by the writers here, else the side-car file (older projects)."""
    if "meta" in z.files:
        return json.loads(str(z["meta"][()]))
    return json.loads(fallback.read_text()) if fallback.exists() else None


def load_frames(folder: Path) -> Frames | None:
    """Read what ``save_frames`` wrote, or None when the folder holds no frames."""
    meta_path, arr_path = folder / "frames.json", folder / "frames.npz"
    if not arr_path.exists():
        return None
    with np.load(arr_path) as z:
        meta = _embedded_json(z, meta_path)
        if meta is None:
            return None
        images = z["images"]
        valid = np.unpackbits(z["valid"], axis=-1, count=images.shape[2]).astype(bool)
        names = [k for k in meta.get("spectral", []) if f"spectral_{k}" in z.files]  # none in older projects
        spectral = Spectral({k: z[f"spectral_{k}"] for k in names}) if names else None
    return Frames(images=images, valid=valid, spectral=spectral,
                  dates=[from_iso(d) for d in meta["dates"]],  # "1992-10": month precision
                  sources=list(meta["sources"]), grid=Grid.from_dict(meta["grid"]),
                  quality=[FrameQuality.from_dict(q) for q in meta["quality"]],
                  excluded=set(meta.get("excluded", [])))


def save_prompts(prompts: list[Prompt], folder: Path) -> None:
    """``prompts.json`` plus ``prompt_masks.npz`` holding the masks by position.

    The npz holds a copy of the JSON too, so the prompts and their masks are
    replaced together in one step (see :func:`save_frames`).
    """
    masks = {f"m{i}": np.packbits(p.mask, axis=-1) for i, p in enumerate(prompts) if p.mask is not None}
    widths = {f"m{i}": p.mask.shape[1] for i, p in enumerate(prompts) if p.mask is not None}
    meta = {"prompts": [p.to_dict() for p in prompts], "widths": widths}
    with atomic_path(folder / "prompt_masks.npz") as tmp:
        np.savez_compressed(tmp, meta=_json_array(meta), **masks)
    write_json(folder / "prompts.json", meta)


def load_prompts(folder: Path) -> list[Prompt]:
    """The prompts saved in ``folder`` in their order; [] when none were saved."""
    meta_path, arr_path = folder / "prompts.json", folder / "prompt_masks.npz"
    if not arr_path.exists():
        return []
    out = []
    with np.load(arr_path) as z:
        meta = _embedded_json(z, meta_path)
        if meta is None:
            return []
        for i, d in enumerate(meta["prompts"]):
            mask = None
            if d.get("has_mask"):
                mask = np.unpackbits(z[f"m{i}"], axis=-1, count=meta["widths"][f"m{i}"]).astype(bool)
            out.append(Prompt(d["frame"], d["object_id"], np.array(d["points"], np.float32),
                              np.array(d["labels"], np.int32), tuple(d["box"]) if d["box"] else None, mask))
    return out
