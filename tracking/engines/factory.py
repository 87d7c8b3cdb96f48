"""Pick an engine: SAM2 when a checkpoint is present (or demanded), else the baseline."""

from __future__ import annotations

import os
from pathlib import Path

from tracking.core.errors import InputError
from tracking.engines.base import Engine

ENGINE_KINDS = ("auto", "sam2", "baseline")


def check_kind(kind: str) -> None:
    """InputError unless ``kind`` is one of ENGINE_KINDS."""
    if kind not in ENGINE_KINDS:
        raise InputError(f"Unknown engine {kind!r}; choose auto, sam2 or baseline.")


def make_engine(kind: str = "auto", model: str = "tiny", checkpoint: str | Path | None = None,
                device: str = "auto", image_size: int | None = None) -> tuple[Engine, str]:
    """(engine, one sentence saying which engine runs and why).

    ``auto`` takes SAM2 when a checkpoint is found and otherwise says clearly that it falls
    back to the baseline; ``sam2`` without a checkpoint raises InputError naming the
    download command.
    """
    if kind == "baseline":
        return _baseline(), "Engine: weights-free baseline."
    ckpt = checkpoint_for(kind, model, checkpoint)
    if ckpt is None:
        from tracking.engines.sam2.weights import download_command

        return _baseline(), (f"No SAM2 {model} checkpoint found, so the weights-free baseline engine runs "
                             f"(get SAM2 with `{download_command(model)}`).")
    from tracking.engines.sam2.engine import Sam2Engine

    engine = Sam2Engine(model=model, checkpoint=ckpt, device=device, image_size=image_size)
    return engine, f"Engine: SAM2 {model} ({Path(ckpt).name}) on {engine.device}."


def checkpoint_for(kind: str, model: str = "tiny", checkpoint: str | Path | None = None) -> Path | None:
    """The SAM2 checkpoint an engine of ``kind`` would load, or None when the baseline runs.

    The one rule of which engine runs: "baseline" never loads one; "sam2" needs one
    (InputError naming the download command when none is found); "auto" takes the one
    found (explicit path, ``$SAM2_CHECKPOINT``, then the weights folder) and else None.
    An explicit path or ``$SAM2_CHECKPOINT`` naming a missing file is an InputError.
    """
    check_kind(kind)
    if kind == "baseline":
        return None
    from tracking.engines.sam2.weights import find_checkpoint, require_checkpoint

    return require_checkpoint(model, checkpoint) if kind == "sam2" else find_checkpoint(model, checkpoint)


def _baseline() -> Engine:
    from tracking.engines.baseline.engine import BaselineEngine

    return BaselineEngine()


def engine_status(model: str = "tiny", checkpoint: str | Path | None = None, kind: str = "auto") -> dict:
    """What the dashboard shows: is a checkpoint present, where, which device would run it, and
    ``runs``: the engine the analyst's choice ``kind`` would run ("sam2", "baseline", or "none"
    when SAM2 is demanded and its checkpoint is missing)."""
    from tracking.engines.device import resolve_device
    from tracking.engines.sam2.weights import download_command

    try:
        ckpt = checkpoint_for("auto", model, checkpoint)
    except InputError:
        ckpt = None
    try:
        runs = "baseline" if checkpoint_for(kind, model, checkpoint) is None else "sam2"
    except InputError:
        runs = "none"
    return {"model": model, "kind": kind, "runs": runs, "checkpoint": str(ckpt) if ckpt else None,
            "present": ckpt is not None,
            "device": str(resolve_device("auto")), "download_command": download_command(model),
            "offline_hint": bool(os.environ.get("LANDSLIDE_OFFLINE"))}


def engine_provenance(engine: Engine) -> dict:
    """Provenance of a live engine for manifests and reports: name, model, device, checkpoint and its
    SHA-256, and whether vegetation guidance (NDVI from NIR) was used on the last video loaded."""
    info = {"engine": engine.name}
    for key in ("model", "device", "image_size", "vegetation_guidance"):
        value = getattr(engine, key, None)
        if value is not None:
            info[key] = str(value)
    ckpt = getattr(engine, "checkpoint", None)
    if ckpt is not None:
        info["checkpoint"] = Path(ckpt).name
        info["checkpoint_sha256"] = getattr(engine, "checkpoint_sha256", None)
    return info
