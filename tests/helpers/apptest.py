"""AppTest helpers for the page tests: open the app on a page, run it cleanly, read what it shows.

The fixtures the page tests share (``small_sample``, ``app_env``, ``sample_template``) are in
tests/conftest.py; a tracked project for the Review, Analysis and Export pages is in
tests/pages/conftest.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tracking.project.folder import Project

ROOT = Path(__file__).resolve().parents[2]  # the repository: pages/ and app.py live here
TIMEOUT = 90


def run_main_script(main_script_path: str) -> None:
    """Run app.py the way a live server runs it after its first script run.

    AppTest forgets on every run that ``st.navigation`` switched multipage apps off
    the legacy ``pages/`` folder mode, so from the second run on it would run the
    page file alone (no set_page_config, no sidebar). A live server keeps the switch
    for the life of the process; this restores that behaviour under AppTest.
    """
    import runpy

    runpy.run_path(main_script_path, run_name="__main__")


def sample_project(projects: Path, template: Path) -> Project:
    """A fresh copy of the sample project under ``projects`` (same id: one per projects folder)."""
    projects.mkdir(parents=True, exist_ok=True)
    shutil.copytree(template, projects / template.name)
    return Project.open(projects, template.name)


def app_test(project: Project | None = None, page: str | None = None) -> AppTest:
    """An AppTest of app.py (optionally on ``page``), with ``project`` in the URL, already run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if project is not None:
        at.query_params["project"] = project.id
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def page(path: str, project: Project | None) -> AppTest:
    """The app (app.py, with its navigation and sidebar) opened on ``path`` for ``project``, not yet run."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    if project is not None:
        at.query_params["project"] = project.id
    at.switch_page(path)
    return at


def reopen(project: Project) -> Project:
    """The project as saved on disk now (a fresh Project object)."""
    return Project.open(project.root.parent, project.id)


def no_errors(at: AppTest) -> None:
    """Fail if the last run showed an exception or an st.error."""
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def run_clean(path: str, project: Project) -> AppTest:
    """Run the page at ``path`` on ``project`` and check it showed no error or exception."""
    at = page(path, project)
    at.run()
    no_errors(at)
    return at


def texts(at: AppTest) -> str:
    """Every markdown, caption, alert and title of the last run, as one string."""
    parts = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.title]
    parts += [e.value for e in at.success] + [e.value for e in at.info] + [e.value for e in at.warning]
    parts += [e.value for e in at.error] + [e.value for e in at.subheader]
    return "\n".join(str(p) for p in parts)
