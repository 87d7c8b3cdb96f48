"""Which torch device the model runs on: CUDA, then Apple MPS, then the CPU, unless told."""

from __future__ import annotations

from tracking.core.errors import InputError


def resolve_device(name: str | None = "auto"):
    """A ``torch.device`` for ``name``: "auto" (or None), "cpu", "cuda", "cuda:1" or "mps".

    An explicit device that this machine lacks is an InputError.
    """
    import torch

    key = (name or "auto").strip().lower()
    if key == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        device = torch.device(key)
    except RuntimeError as exc:
        raise InputError(f"Unknown device {name!r}; use auto, cpu, cuda or mps.") from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError("The device cuda was asked for, but torch sees no CUDA GPU on this machine; "
                             "use auto or cpu.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise InputError(f"The device {key} was asked for, but this machine has "
                             f"{torch.cuda.device_count()} CUDA GPU(s).")
    elif device.type == "mps" and not _mps_available():
        raise InputError("The device mps was asked for, but Apple's Metal backend is not available here; "
                         "use auto or cpu.")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise InputError(f"Unsupported device {name!r}; use auto, cpu, cuda or mps.")
    return device


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def describe(device) -> str:
    """A short human label, e.g. "cpu" or "cuda (NVIDIA H100)"."""
    import torch

    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    return str(device)
