"""Fixtures of the hostile-input tests: a hosted project with a snapshot of everything around it."""

from __future__ import annotations

import tempfile

import pytest

from tests.hostile.harness import HostedProject, snapshot
from tracking.project.folder import Project


@pytest.fixture
def hosted(tmp_path, monkeypatch) -> HostedProject:
    """Hosted settings from the environment, one new project, Python's temporary folder inside tmp_path,
    a neighbour folder a zip slip would write into, and the snapshot of all of it but the project."""
    monkeypatch.setenv("LANDSLIDE_HOSTED", "1")
    monkeypatch.setenv("LANDSLIDE_PROJECTS_DIR", str(tmp_path / "projects"))
    monkeypatch.delenv("LANDSLIDE_CONFIG", raising=False)
    systmp = tmp_path / "systmp"
    systmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(systmp))
    (tmp_path / "elsewhere").mkdir()  # a neighbour a zip slip would love to write into
    (tmp_path / "elsewhere" / "precious.txt").write_text("keep me")
    project = Project.create(tmp_path / "projects")
    return HostedProject(tmp_path, project, snapshot(tmp_path, project.root))
