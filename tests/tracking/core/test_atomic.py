"""atomic_folder: a folder appears whole or not at all, and replaces an older one in one step."""

from __future__ import annotations

import pytest

from tracking.core.atomic import atomic_folder, is_temporary


def test_the_folder_appears_only_when_complete(tmp_path):
    target = tmp_path / "LS-01"
    with atomic_folder(target) as tmp:
        (tmp / "a.txt").write_text("a")
        assert not target.exists() and is_temporary(tmp)
    assert (target / "a.txt").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == ["LS-01"]


def test_it_replaces_an_older_folder_whole(tmp_path):
    target = tmp_path / "LS-01"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with atomic_folder(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["LS-01"]


def test_a_failure_keeps_the_old_folder_and_leaves_nothing(tmp_path):
    target = tmp_path / "LS-01"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_folder(target) as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("killed half way")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["LS-01"]
