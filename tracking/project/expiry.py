"""Old projects expire: deleted after ``project_ttl_days`` without an update.

Run at app start by :func:`maybe_expire`, at most once an hour (a stamp file in
the projects folder), so a busy server does not scan the disk on every page. A
project used within the last hour is never deleted, whatever its age: opening a
project touches its folder (:meth:`tracking.project.folder.Project.touch`) and every save
rewrites ``project.json``. The same sweep clears temporary files that writers
killed mid-save left behind (:func:`tracking.core.atomic.remove_stale_temporaries`).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

from tracking.core.atomic import remove_stale_temporaries
from tracking.project.folder import is_project_id

STAMP_NAME = ".expiry-stamp"
EVERY_S = 3600.0
IN_USE_S = 3600.0
_log = logging.getLogger("tracking.project.expiry")


def last_activity(root: Path) -> float:
    """When the project in ``root`` was last updated or opened (seconds since the epoch).

    The newest modification time of the folder itself and of its top-level entries
    (``project.json`` changes on every save, the folder when the project is opened).
    """
    times = [root.stat().st_mtime]
    for entry in root.iterdir():
        try:
            times.append(entry.stat().st_mtime)
        except FileNotFoundError:
            continue
    return max(times)


def _project_folders(base: Path) -> list[Path]:
    """The project folders under ``base``: real folders named like an id we issued, no links."""
    return [root for root in sorted(base.iterdir())
            if is_project_id(root.name) and root.is_dir() and not root.is_symlink()]


def expire_projects(base: str | os.PathLike, ttl_days: float, now: float | None = None,
                    in_use_s: float = IN_USE_S) -> list[str]:
    """Delete the project folders under ``base`` idle for more than ``ttl_days``; return their ids.

    ``ttl_days`` 0 (or less) keeps every project. Folders whose names are not project ids
    are never touched, nor is any project active within ``in_use_s`` seconds.
    """
    if ttl_days <= 0:
        return []
    base = Path(base)
    if not base.is_dir():
        return []
    now = time.time() if now is None else now
    idle_limit = max(ttl_days * 86400.0, in_use_s)
    removed = []
    for root in _project_folders(base):
        try:
            idle = now - last_activity(root)
        except FileNotFoundError:
            continue
        if idle > idle_limit:
            shutil.rmtree(root, ignore_errors=True)
            removed.append(root.name)
    if removed:
        _log.info("expired %d project(s) idle for more than %g days", len(removed), ttl_days)
    return removed


def maybe_expire(base: str | os.PathLike | None = None, ttl_days: float | None = None,
                 now: float | None = None, every_s: float = EVERY_S) -> list[str] | None:
    """Run :func:`expire_projects` unless it ran less than ``every_s`` ago; None when skipped.

    ``base`` and ``ttl_days`` default to the server's settings. The stamp is written
    before the sweep, so sessions starting together do not all sweep. Also removes
    temporary files older than an hour inside the remaining projects.
    """
    if base is None or ttl_days is None:
        from tracking.core.settings import current

        settings = current()
        base = settings.projects_dir if base is None else base
        ttl_days = settings.limits.project_ttl_days if ttl_days is None else ttl_days
    base = Path(base)
    if not base.is_dir():
        return []  # no project yet: nothing to expire, and nothing is created
    now = time.time() if now is None else now
    stamp = base / STAMP_NAME
    try:
        if now - stamp.stat().st_mtime < every_s:
            return None
    except FileNotFoundError:
        pass
    stamp.touch()
    os.utime(stamp, (now, now))
    removed = expire_projects(base, ttl_days, now)
    for root in _project_folders(base):
        remove_stale_temporaries(root, older_than_s=IN_USE_S, now=now)
    return removed


def expire_on_start() -> None:
    """:func:`maybe_expire` with the server's settings, for the app's entry point: never raises.

    A failure (a read-only disk, a folder deleted meanwhile) is logged; the page goes on.
    """
    try:
        maybe_expire()
    except Exception:  # expiry must never break a page
        _log.exception("project expiry failed")
