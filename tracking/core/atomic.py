"""Atomic writes: a reader never sees half a file, a crash never leaves one.

A write goes to a temporary file beside the target (``.<name>.<random><suffix>``),
is flushed to disk, and replaces the target in one ``os.replace``; the folder is
then synced so the new name survives a power cut too. A process killed in the
middle leaves the old file intact and, at worst, a stale temporary file, which
:func:`remove_stale_temporaries` clears later.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# mkstemp names: "." + target name + "." + 8 random characters + optional suffix(es).
_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}(\.[A-Za-z0-9_]+)*$")
# Project.push_history's half-made snapshot folders: "." + a time stamp.
_SNAPSHOT_NAME = re.compile(r"^\.\d{8}T\d{6,12}$")


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    ``suffix`` keeps a file extension some writers need (e.g. ".tif", ".npz").
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix or path.suffix)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
        _sync_folder(path.parent)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it replaces the folder ``path`` whole.

    A reader sees the old folder, then (for the instant between two renames) none, then
    the new one, never a half-written one; a failure leaves the old folder as it was.
    The temporary names match :func:`is_temporary`, so a killed writer's are cleared later.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    old: Path | None = None
    try:
        yield tmp
        _sync_folder(tmp)
        if path.exists():
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
            os.replace(path, old)  # onto an empty folder: allowed by POSIX rename
        os.replace(tmp, path)
        _sync_folder(path.parent)
    finally:
        for leftover in (tmp, old):
            if leftover is not None and leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it is durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_json(path: str | os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically (dates and paths as strings)."""
    write_bytes(path, json.dumps(obj, indent=2, default=str).encode())


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is named like a temporary file of :func:`atomic_path` (or a hidden work folder)."""
    return bool(_TEMP_NAME.match(path.name) or _SNAPSHOT_NAME.match(path.name))


def remove_stale_temporaries(folder: str | os.PathLike, older_than_s: float = 3600.0,
                             now: float | None = None) -> list[Path]:
    """Delete temporary files left under ``folder`` by killed writers; return what was deleted.

    Only names made by :func:`atomic_path` (and other ``mkstemp`` users here) that were
    last modified more than ``older_than_s`` ago are touched, so a write in progress in
    another thread or process is never disturbed.
    """
    now = time.time() if now is None else now
    removed = []
    for path in sorted(Path(folder).rglob(".*"), key=lambda p: len(p.parts), reverse=True):
        try:
            if not is_temporary(path) or now - path.lstat().st_mtime < older_than_s:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
            removed.append(path)
        except FileNotFoundError:
            continue
    return removed
