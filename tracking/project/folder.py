"""A project: one folder on disk holding everything about one landslide analysis.

It is the unit of saving, resuming and isolation. The dashboard keeps only the
project id in the URL; everything else is read back from here, so a refresh or a
link opened later brings the analyst back exactly where they were.

Layout::

    <base>/<id>/project.json      settings, date fixes, exclusions, engine, last run
                                  (:class:`tracking.project.state.ProjectMeta`)
                 uploads/          files the analyst uploaded
                 work/             zips extracted safely
                 frames.npz/json   harmonised frames on the grid
                 prompts.json/...  prompts and corrections, in order
                 track.npz         the current masks
                 history/          snapshots for undo
                 exports/          files offered for download
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from tracking.core.atomic import atomic_path, write_json
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.prompts import Prompt
from tracking.core.track import Track
from tracking.project import serialize
from tracking.project.state import ProjectMeta, now_iso

_ID = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
HISTORY_DEPTH = 20


def is_project_id(name: object) -> bool:
    """Whether ``name`` looks like an id :func:`new_project_id` issues (never a path)."""
    return isinstance(name, str) and bool(_ID.match(name))


def new_project_id() -> str:
    """An unguessable id (128 random bits), safe in a URL and a file name."""
    return secrets.token_urlsafe(16)


@dataclass
class Project:
    """A project folder and its typed saved state (``meta``, saved as project.json by :meth:`save`)."""

    root: Path
    meta: ProjectMeta

    # -- life cycle ----------------------------------------------------------
    @classmethod
    def create(cls, base: Path, name: str = "") -> "Project":
        pid = new_project_id()
        root = Path(base) / pid
        root.mkdir(parents=True)
        project = cls(root, ProjectMeta.new(pid, name))
        project.save()
        return project

    @classmethod
    def open(cls, base: Path, project_id: str) -> "Project":
        """Open an existing project; the id must look like one we issued (no paths)."""
        if not is_project_id(project_id):
            raise InputError("That project link is not valid.")
        root = Path(base) / project_id
        damaged = InputError("That project's settings file is damaged; start a new project.")
        try:
            meta = ProjectMeta.from_dict(json.loads((root / "project.json").read_text()))
        except FileNotFoundError:
            raise InputError("That project does not exist (it may have expired).") from None
        except (ValueError, TypeError, AttributeError):  # bad JSON or UTF-8 (ValueErrors), or bad values
            raise damaged from None
        meta.id = meta.id or project_id
        project = cls(root, meta)
        project.touch()
        return project

    def touch(self) -> None:
        """Mark the project as in use now (its folder's time), so expiry leaves it alone."""
        try:
            os.utime(self.root)
        except OSError:
            pass

    @property
    def id(self) -> str:
        return self.meta.id

    def save(self) -> None:
        """Write ``meta`` to project.json (atomically), stamped as updated now."""
        self.meta.updated = now_iso()
        write_json(self.root / "project.json", self.meta.to_dict())

    def delete(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- folders ---------------------------------------------------------------
    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(exist_ok=True)
        return path

    @property
    def uploads(self) -> Path:
        return self.folder("uploads")

    @property
    def work(self) -> Path:
        return self.folder("work")

    @property
    def exports(self) -> Path:
        return self.folder("exports")

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())

    # -- frames, prompts, track -----------------------------------------------
    def save_frames(self, frames: Frames) -> None:
        serialize.save_frames(frames, self.root)

    def load_frames(self) -> Frames | None:
        return serialize.load_frames(self.root)

    def save_prompts(self, prompts: list[Prompt]) -> None:
        serialize.save_prompts(prompts, self.root)

    def load_prompts(self) -> list[Prompt]:
        return serialize.load_prompts(self.root)

    def save_track(self, track: Track) -> None:
        with atomic_path(self.root / "track.npz") as tmp:
            track.save(tmp)

    def load_track(self) -> Track | None:
        path = self.root / "track.npz"
        return Track.load(path) if path.exists() else None

    def clear_results(self) -> None:
        """Forget prompts, masks and undo history (after the frames changed)."""
        for name in ("track.npz", "prompts.json", "prompt_masks.npz"):
            (self.root / name).unlink(missing_ok=True)
        shutil.rmtree(self.root / "history", ignore_errors=True)

    # -- undo ------------------------------------------------------------------
    def push_history(self) -> None:
        """Snapshot the current track and prompts before a change, for ``undo``."""
        if not (self.root / "track.npz").exists():
            return
        hist = self.folder("history")
        stamp = f"{dt.datetime.now().strftime('%Y%m%dT%H%M%S%f')}"
        tmp = hist / f".{stamp}"
        tmp.mkdir()
        for name in ("track.npz", "prompts.json", "prompt_masks.npz"):
            if (self.root / name).exists():
                shutil.copy2(self.root / name, tmp / name)
        tmp.rename(hist / stamp)
        for old in self.history()[:-HISTORY_DEPTH]:
            shutil.rmtree(old, ignore_errors=True)

    def history(self) -> list[Path]:
        hist = self.root / "history"
        return sorted(p for p in hist.iterdir() if p.is_dir() and not p.name.startswith(".")) if hist.exists() else []

    def undo(self) -> bool:
        """Restore the latest snapshot; False when there is nothing to undo."""
        snaps = self.history()
        if not snaps:
            return False
        snap = snaps[-1]
        for name in ("track.npz", "prompts.json", "prompt_masks.npz"):
            if (snap / name).exists():
                with atomic_path(self.root / name) as tmp:
                    shutil.copy2(snap / name, tmp)
        shutil.rmtree(snap)
        return True
