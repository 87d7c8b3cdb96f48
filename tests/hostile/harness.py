"""A hosted project in a temporary folder, the dashboard's upload path, and a tree snapshot.

Every hostile-input test runs against ``HostedProject`` (the ``hosted`` fixture in
tests/hostile/conftest.py): hosted settings (strict limits) read from the environment
as the server reads them, one project created the way the dashboard creates it, Python's
temporary folder redirected into the test's folder, and a snapshot of every file outside
the project taken before the hostile input arrives, so a test can prove nothing was
written anywhere else.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.scenes import ramp, write_geotiff
from tracking.core.errors import InputError
from tracking.project import uploads, workflow
from tracking.project.folder import Project


def snapshot(root: Path, exclude: Path) -> dict[str, tuple]:
    """{relative path: (kind, size, mtime)} of everything under ``root`` but outside ``exclude``."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path == exclude or exclude in path.parents:
            continue
        if path.is_symlink():
            out[str(path.relative_to(root))] = ("link", str(path.readlink()))
        elif path.is_dir():
            out[str(path.relative_to(root))] = ("dir",)
        else:
            st = path.stat()
            out[str(path.relative_to(root))] = ("file", st.st_size, st.st_mtime_ns)
    return out


@dataclass
class HostedProject:
    root: Path  # the test's whole folder
    project: Project
    before: dict

    def upload(self, files: dict[str, bytes]) -> tuple[list[str], list[str]]:
        """What the Scenes page does with an upload: screen, store (limits checked inside)."""
        return uploads.add_uploads(self.project, list(files.items()))

    def build(self):
        """What the Scenes page does next: the timeline and the frames (InputError when nothing is usable)."""
        return workflow.rebuild_frames(self.project)

    def assert_nothing_outside(self) -> None:
        after = snapshot(self.root, self.project.root)
        added = sorted(set(after) - set(self.before))
        changed = sorted(k for k in set(after) & set(self.before) if after[k] != self.before[k])
        removed = sorted(set(self.before) - set(after))
        assert not (added or changed or removed), f"outside the project: +{added} ~{changed} -{removed}"
        escaped = [p for p in self.project.root.rglob("*") if p.is_symlink()]
        assert not escaped, f"links inside the project: {escaped}"


def scene_bytes(date: str, data: np.ndarray | None = None, **kw) -> tuple[str, bytes]:
    """(file name, GeoTIFF bytes) of a small 3-band uint16 scene dated ``date`` (YYYYMMDD)."""
    scratch = Path(tempfile.mkdtemp())
    path = write_geotiff(scratch / f"scene_{date}.tif", ramp(3, 24, 32) if data is None else data, **kw)
    content = path.read_bytes()
    path.unlink()
    scratch.rmdir()
    return path.name, content


def one_sentence(text: str) -> str:
    assert "\n" not in text and "Traceback" not in text and text.strip().endswith((".", ")")), text
    return text


def refused(call) -> str:
    """The one sentence of the InputError ``call()`` raises."""
    with pytest.raises(InputError) as info:
        call()
    return one_sentence(str(info.value))
