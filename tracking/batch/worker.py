"""What a batch worker process keeps between landslides: the engine, the allocator setting,
its name and its peak memory.

Module-level state lives once per process, so on Dask each worker process makes the engine
(SAM2 loads its weights) once for all the landslides it runs, not once per landslide.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

#: glibc mallopt parameters and the values its own dynamic tuning reaches (64-bit)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


@dataclass(frozen=True)
class EngineSettings:
    """The ``track`` command's engine options; the key of the per-process engine cache."""

    kind: str = "auto"
    model: str = "tiny"
    checkpoint: str | None = None
    device: str = "auto"
    image_size: int | None = None


@lru_cache(maxsize=2)
def cached_engine(settings: EngineSettings):
    """(engine, note, lock) made once per process and settings; the lock keeps one landslide at a
    time on an engine when a worker runs several threads."""
    from tracking.engines.factory import make_engine

    engine, note = make_engine(settings.kind, model=settings.model, checkpoint=settings.checkpoint,
                               device=settings.device, image_size=settings.image_size)
    return engine, note, threading.Lock()


@lru_cache(maxsize=1)
def tune_allocator() -> bool:
    """Undo the fixed 128 KiB mmap threshold that ``MALLOC_TRIM_THRESHOLD_`` imposes; True if changed.

    Dask's nanny sets MALLOC_TRIM_THRESHOLD_ so workers hand memory back to the system, but
    setting it switches off glibc's dynamic mmap threshold: every array over 128 KiB is then
    mapped and unmapped afresh, and its pages faulted in again. A landslide allocates
    thousands of such arrays; measured here, that cost 0.3 s of system time per landslide
    (0.37 s against 0.08 s in a plain process, of about 1 s in all). This sets the thresholds
    glibc's own tuning would reach. Only on glibc, and only when the variable is set.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(
            libc.mallopt(_M_TRIM_THRESHOLD, 2 * _MMAP_THRESHOLD_MAX))
    except (OSError, AttributeError):  # not glibc (musl, ...): leave the allocator alone
        return False


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def worker_name() -> str:
    """The Dask worker's address, or "local" outside a Dask worker."""
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"
