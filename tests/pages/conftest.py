"""Fixtures of the page tests: one tracked project (tests/helpers/scar_project.py), copied per test.

The sample fixtures (``small_sample``, ``app_env``, ``sample_template``) are in tests/conftest.py.
"""

from __future__ import annotations

import shutil

import pytest

from tests.helpers.scar_project import tracked_project
from tracking.project.folder import Project


@pytest.fixture(scope="session")
def tracked_template(tmp_path_factory) -> Project:
    """One tracked project, made once; tests work on copies of it."""
    return tracked_project(tmp_path_factory.mktemp("template"))


@pytest.fixture
def project(tracked_template, tmp_path, monkeypatch) -> Project:
    """A fresh copy of the tracked project in this test's own projects folder."""
    base = tmp_path / "projects"
    shutil.copytree(tracked_template.root, base / tracked_template.id)
    monkeypatch.setenv("LANDSLIDE_PROJECTS_DIR", str(base))
    monkeypatch.setenv("LANDSLIDE_SAMPLE_DIR", str(tmp_path / "sample"))
    return Project.open(base, tracked_template.id)
