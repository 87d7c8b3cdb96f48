"""Old projects expire; recent or in-use ones and foreign folders stay; stale temporaries go."""

import os
import time

from tracking.core.atomic import atomic_path, remove_stale_temporaries
from tracking.project import expiry
from tracking.project.folder import Project

DAY = 86400.0


def age(path, seconds_ago: float, now: float) -> None:
    """Set the times of ``path`` and everything in it to ``seconds_ago`` before ``now``."""
    for p in [*path.rglob("*"), path]:
        os.utime(p, (now - seconds_ago, now - seconds_ago))


def test_expire_deletes_only_idle_projects(tmp_path):
    now = time.time()
    old, fresh, used = (Project.create(tmp_path) for _ in range(3))
    stranger = tmp_path / "not-a-project"
    stranger.mkdir()
    age(old.root, 8 * DAY, now)
    age(fresh.root, 2 * DAY, now)
    age(used.root, 30 * DAY, now)
    age(stranger, 30 * DAY, now)
    Project.open(tmp_path, used.id)  # opening marks it in use
    removed = expiry.expire_projects(tmp_path, ttl_days=7, now=time.time())
    assert removed == [old.id]
    assert not old.root.exists() and fresh.root.exists() and used.root.exists() and stranger.exists()


def test_a_save_counts_as_activity(tmp_path):
    now = time.time()
    p = Project.create(tmp_path)
    age(p.root, 10 * DAY, now)
    p.meta.name = "renamed"
    p.save()  # rewrites project.json
    assert expiry.expire_projects(tmp_path, ttl_days=7, now=now) == []


def test_ttl_zero_keeps_everything_and_in_use_hour_wins(tmp_path):
    now = time.time()
    p = Project.create(tmp_path)
    age(p.root, 100 * DAY, now)
    assert expiry.expire_projects(tmp_path, ttl_days=0, now=now) == []
    age(p.root, 1800, now)  # used half an hour ago: never deleted, even with a tiny TTL
    assert expiry.expire_projects(tmp_path, ttl_days=0.001, now=now) == []
    assert expiry.expire_projects(tmp_path, ttl_days=0.001, now=now + 3 * 3600) == [p.id]


def test_maybe_expire_runs_at_most_once_an_hour(tmp_path):
    now = time.time()
    a = Project.create(tmp_path)
    age(a.root, 10 * DAY, now)
    assert expiry.maybe_expire(tmp_path, ttl_days=7, now=now) == [a.id]
    b = Project.create(tmp_path)
    age(b.root, 10 * DAY, now)
    assert expiry.maybe_expire(tmp_path, ttl_days=7, now=now + 1800) is None  # too soon: skipped
    assert b.root.exists()
    assert expiry.maybe_expire(tmp_path, ttl_days=7, now=now + 3700) == [b.id]


def test_maybe_expire_reads_the_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_PROJECTS_DIR", str(tmp_path))
    monkeypatch.setenv("LANDSLIDE_PROJECT_TTL_DAYS", "1")
    p = Project.create(tmp_path)
    age(p.root, 2 * DAY, time.time())
    assert expiry.maybe_expire() == [p.id]


def test_sweep_removes_stale_temporaries_but_not_fresh_ones_or_real_files(tmp_path):
    now = time.time()
    p = Project.create(tmp_path)
    stale = p.root / ".track.npz.ab12_x9Z.npz"
    fresh = p.root / ".frames.npz.zz99aa11.npz"
    half_snapshot = p.root / "history" / ".20260101T101010123456"
    half_snapshot.mkdir(parents=True)
    for f in (stale, fresh):
        f.write_bytes(b"half")
    keep = p.uploads / "scene.tif"
    keep.write_bytes(b"II*\x00")
    for f in (stale, half_snapshot, keep, p.root / "project.json"):
        os.utime(f, (now - 7200, now - 7200))
    removed = remove_stale_temporaries(p.root, older_than_s=3600, now=now)
    assert sorted(removed) == sorted([stale, half_snapshot])
    assert fresh.exists() and keep.exists() and (p.root / "project.json").exists()


def test_a_failed_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.json"
    target.write_text("old")
    try:
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("disk full")
    except RuntimeError:
        pass
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_expire_on_start_never_raises(monkeypatch, caplog):
    def broken():
        raise PermissionError("read-only disk")

    monkeypatch.setattr(expiry, "maybe_expire", broken)
    expiry.expire_on_start()
    assert "project expiry failed" in caplog.text


def test_maybe_expire_creates_nothing_when_there_are_no_projects(tmp_path):
    assert expiry.maybe_expire(tmp_path / "projects", ttl_days=7) == []
    assert not (tmp_path / "projects").exists()
