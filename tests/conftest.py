"""Fixtures shared by the page tests and the hostile tests: the small sample and an app environment.

Plain helpers (scene writers, frames, tracks, AppTest runs) are in tests/helpers and imported by
name; the fixtures of one folder are in that folder's conftest.py.
"""

from __future__ import annotations

import pytest

from tests.helpers.apptest import run_main_script
from tracking.project import workflow
from tracking.project.folder import Project


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory):
    """A 96-pixel, 12-date sample series made by the project's generator (once per session)."""
    from tracking.sample.series import generate_sample

    return generate_sample(tmp_path_factory.mktemp("sample"), size=96, n_dates=12)


@pytest.fixture
def app_env(tmp_path, small_sample, monkeypatch):
    """Projects under tmp_path, the small sample as the built-in one, no SAM2 checkpoint.

    Returns the projects folder (``LANDSLIDE_PROJECTS_DIR``).
    """
    import streamlit.runtime.scriptrunner.script_runner as script_runner

    import tracking.sample.series

    monkeypatch.setattr(script_runner, "_mpa_v1", run_main_script)

    projects = tmp_path / "projects"
    monkeypatch.setenv("LANDSLIDE_PROJECTS_DIR", str(projects))
    monkeypatch.setenv("LANDSLIDE_SAMPLE_DIR", str(small_sample.root))
    monkeypatch.setenv("LANDSLIDE_SAM2_DIR", str(tmp_path / "no-weights"))
    monkeypatch.delenv("SAM2_CHECKPOINT", raising=False)
    monkeypatch.setattr(tracking.sample.series, "ensure_sample", lambda cache_dir=None: small_sample)
    return projects


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory, small_sample):
    """A project folder holding the small sample and its frames, built once and copied per test."""
    import tracking.sample.series

    base = tmp_path_factory.mktemp("template")
    original = tracking.sample.series.ensure_sample
    tracking.sample.series.ensure_sample = lambda cache_dir=None: small_sample
    try:
        project = Project.create(base)
        workflow.load_sample(project)
    finally:
        tracking.sample.series.ensure_sample = original
    return project.root
