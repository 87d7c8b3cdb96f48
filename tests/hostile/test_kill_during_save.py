"""A process SIGKILLed while saving a project leaves a project that loads, old state or new.

A child process saves frames, prompts, track and settings of one project in a
loop (tests/hostile/save_loop.py); it is killed from outside at random moments,
and from inside at chosen points of a write (a temporary file complete but not in
place, a temporary file half written, between the two files of a pair). After
each kill the project is reloaded: every part loads, each part is one whole
generation, and the parts are in save order (frames >= prompts >= track >= settings).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracking.core.atomic import remove_stale_temporaries
from tracking.project.folder import Project

from . import save_loop

REPO = Path(__file__).resolve().parents[2]


def start(base: Path, pid: str, kill_at: str | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.hostile.save_loop", str(base), pid] + ([kill_at] if kill_at else [])
    return subprocess.Popen(args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def reload_and_check(base: Path, pid: str) -> tuple[int, int, int, int]:
    """Open the project as the dashboard would; return the generation of each part."""
    project = Project.open(base, pid)
    gm = int(project.meta.extra.get("gen", 0))
    gf = save_loop.generation_of_frames(project.load_frames())
    gp = save_loop.generation_of_prompts(project.load_prompts())
    gt = save_loop.generation_of_track(project.load_track())
    assert gf >= gp >= gt >= gm >= gf - 1, f"parts out of save order: {gf, gp, gt, gm}"
    return gf, gp, gt, gm


@pytest.fixture
def saved_project(tmp_path):
    base = tmp_path / "projects"
    project = Project.create(base)
    save_loop.save_generation(project, 0)
    project.meta.extra["gen"] = 0
    project.save()
    return base, project.id


def test_random_external_kills_never_leave_a_broken_project(saved_project):
    base, pid = saved_project
    rng = random.Random(6)
    last = 0
    for round_ in range(4):
        child = start(base, pid)
        target = last + rng.randint(2, 6)
        line = ""
        while (line := child.stdout.readline()) and int(line) < target:
            pass
        assert line, f"the save loop died on its own: {child.stderr.read()}"
        time.sleep(rng.uniform(0.0, 0.02))  # land somewhere inside the next generation's writes
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
        gf, gp, gt, gm = reload_and_check(base, pid)
        assert gm >= target, f"round {round_}: the saves reported before the kill were lost"
        last = gm
    remove_stale_temporaries(base / pid, older_than_s=0)
    assert not [p for p in (base / pid).rglob(".*") if p.is_file()]
    reload_and_check(base, pid)


@pytest.mark.parametrize("kill_at, expect", [
    ("frames.npz:before-replace:2", (1, 1, 1, 1)),  # gen 2's frames never landed: all of gen 1
    ("frames.npz:half-written:2", (1, 1, 1, 1)),
    ("frames.json:before-replace:2", (2, 1, 1, 1)),  # frames.npz of gen 2 in place, its JSON side-car not
    ("prompt_masks.npz:half-written:3", (3, 2, 2, 2)),
    ("prompts.json:before-replace:3", (3, 3, 2, 2)),
    ("track.npz:half-written:2", (2, 2, 1, 1)),
    ("project.json:before-replace:2", (2, 2, 2, 1)),
])
def test_kill_at_a_chosen_point_of_a_write(saved_project, kill_at, expect):
    base, pid = saved_project
    child = start(base, pid, kill_at)
    out, err = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, err
    assert reload_and_check(base, pid) == expect
    leftovers = [p.name for p in (base / pid).iterdir() if p.name.startswith(".")]
    assert len(leftovers) <= 1  # at most the one temporary file the kill interrupted
    os.utime(base / pid)
