"""A process that saves one project over and over, for the kill-during-save tests.

Run as ``python -m tests.hostile.save_loop <projects dir> <project id> [KILL_AT]``.
Generation g writes, in the dashboard's order, the frames, the prompts, the track
and project.json, each a pure function of g (see :func:`expected`), then prints g.
``KILL_AT`` ("<file name>:<when>:<nth>") makes the process SIGKILL itself at a chosen
point of a write: "before-replace" (temporary file complete, not yet in place) or
"half-written" (temporary file cut in half) on the nth write of that file.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from pathlib import Path

import numpy as np
from affine import Affine

from tracking.core.frames import FrameQuality, Frames
from tracking.core.grid import Grid
from tracking.core.prompts import Prompt
from tracking.core.track import Provenance, Track
from tracking.project.folder import Project

SIZE = 160


def frames_for(g: int) -> Frames:
    n = 2 + g % 3
    images = np.full((n, SIZE, SIZE, 3), g % 251, np.uint8)
    dates = [dt.date(2000, 1, 1) + dt.timedelta(days=g + 30 * i) for i in range(n)]
    grid = Grid(None, Affine.identity(), SIZE, SIZE)
    quality = [FrameQuality(0.0, 0.0, 0.0, False) for _ in range(n)]
    return Frames(images, np.ones((n, SIZE, SIZE), bool), dates, [f"g{g}_{i}.tif" for i in range(n)], grid,
                  quality, {0} if g % 2 else set())


def prompts_for(g: int) -> list[Prompt]:
    out = []
    for k in range(1 + g % 4):
        mask = np.zeros((SIZE, SIZE), bool)
        mask[: (g + k) % SIZE + 1] = True
        out.append(Prompt(0, 1 + k, points=[(g, k)], labels=[1], mask=mask))
    return out


def track_for(g: int) -> Track:
    n = 2 + g % 3
    track = Track.empty(n, (SIZE, SIZE))
    obj = track.obj(1)
    obj.masks[:, : g % SIZE + 1] = True
    obj.provenance = [Provenance.PROPAGATED] * n
    obj.confidence[:] = g
    return track


def generation_of_frames(frames: Frames) -> int:
    g = int(frames.sources[0].split("_")[0][1:])
    assert frames.images.shape[0] == 2 + g % 3 and (frames.images == g % 251).all(), "frames mixed"
    assert frames.dates[0] == dt.date(2000, 1, 1) + dt.timedelta(days=g), "frame dates mixed"
    assert frames.excluded == ({0} if g % 2 else set()), "exclusions mixed"
    return g


def generation_of_prompts(prompts: list[Prompt]) -> int:
    g = int(prompts[0].points[0, 0])
    assert len(prompts) == 1 + g % 4, "prompt count mixed"
    for k, p in enumerate(prompts):
        assert int(p.points[0, 0]) == g and p.object_id == 1 + k, "prompts mixed"
        assert p.mask.sum() == ((g + k) % SIZE + 1) * SIZE, "prompt masks mixed"
    return g


def generation_of_track(track: Track) -> int:
    g = int(track.objects[1].confidence[0])
    assert track.n_frames == 2 + g % 3 and (track.objects[1].confidence == g).all(), "track mixed"
    assert track.objects[1].masks.sum() == track.n_frames * SIZE * (g % SIZE + 1), "track masks mixed"
    return g


def save_generation(project: Project, g: int) -> None:
    project.save_frames(frames_for(g))
    project.save_prompts(prompts_for(g))
    project.save_track(track_for(g))
    project.meta.extra["gen"] = g  # a key ProjectMeta does not know: kept and written back
    project.save()


def _arm(kill_at: str) -> None:
    """Make this process SIGKILL itself at the chosen point of the nth write of one file."""
    name, when, nth = kill_at.split(":")
    count = {"n": 0}
    real_replace, real_fsync = os.replace, os.fsync

    def replace(src, dst, *a, **kw):
        if Path(dst).name == name and when == "before-replace":
            count["n"] += 1
            if count["n"] == int(nth):
                os.kill(os.getpid(), signal.SIGKILL)
        return real_replace(src, dst, *a, **kw)

    def fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
        if when == "half-written" and Path(path).name.startswith(f".{name}."):
            count["n"] += 1
            if count["n"] == int(nth):
                os.ftruncate(fd, os.fstat(fd).st_size // 2)
                os.kill(os.getpid(), signal.SIGKILL)
        return real_fsync(fd)

    os.replace, os.fsync = replace, fsync


def main() -> None:
    base, pid = Path(sys.argv[1]), sys.argv[2]
    if len(sys.argv) > 3:
        _arm(sys.argv[3])
    project = Project.open(base, pid)
    g = int(project.meta.extra.get("gen", 0))
    while True:
        g += 1
        save_generation(project, g)
        print(g, flush=True)


if __name__ == "__main__":
    main()
