"""Fixtures for the AppTest tests of app.py and pages 1-3.

The sample series is generated once per test session, small (96 x 96 pixels,
12 dates), with the project's own generator; ``tracking.sample.series.ensure_sample``
is pointed at it so the app's first visit loads it quickly. Each test gets its
own projects folder (``LANDSLIDE_PROJECTS_DIR``) and sees no SAM2 checkpoint.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracking.project import workflow
from tracking.project.folder import Project

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory):
    """A 96-pixel, 12-date sample series made by the project's generator (once per session)."""
    from tracking.sample.series import generate_sample

    return generate_sample(tmp_path_factory.mktemp("sample"), size=96, n_dates=12)


def _run_main_script(main_script_path: str) -> None:
    """Run app.py the way a live server runs it after its first script run.

    AppTest forgets on every run that ``st.navigation`` switched multipage apps off
    the legacy ``pages/`` folder mode, so from the second run on it would run the
    page file alone (no set_page_config, no sidebar). A live server keeps the switch
    for the life of the process; this restores that behaviour under AppTest.
    """
    import runpy

    runpy.run_path(main_script_path, run_name="__main__")


@pytest.fixture
def app_env(tmp_path, small_sample, monkeypatch):
    """Projects under tmp_path, the small sample as the built-in one, no SAM2 checkpoint."""
    import streamlit.runtime.scriptrunner.script_runner as script_runner

    import tracking.sample.series

    monkeypatch.setattr(script_runner, "_mpa_v1", _run_main_script)

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


def sample_project(projects: Path, template: Path) -> Project:
    """A fresh copy of the sample project under ``projects`` (same id: one per projects folder)."""
    projects.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, projects / template.name)
    return Project.open(projects, template.name)


def app_test(project: Project | None = None, page: str | None = None):
    """An AppTest of app.py (optionally on ``page``), with ``project`` in the URL, already run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if project is not None:
        at.query_params["project"] = project.id
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def texts(at) -> str:
    """Every markdown, caption, alert and title of the last run, as one string."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.success] + [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [e.value for e in at.error] + [e.value for e in at.subheader]
    return "\n".join(str(p) for p in parts)
