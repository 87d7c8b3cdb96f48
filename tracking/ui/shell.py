"""What every page shares: the project in the URL, the first visit, the sidebar.

The project id lives in the URL (``?project=<id>``); page changes through the
navigation drop query parameters, so the id is also kept in the session and put
back into the URL on every run. A first visit without a project gets a new
project loaded with the built-in sample, so the dashboard opens on real content.
Projects this browser session created are listed for switching back; nobody
else's projects are ever listed.
"""

from __future__ import annotations

import logging

import streamlit as st

from tracking.core.errors import InputError
from tracking.core.settings import current as current_settings
from tracking.project import workflow
from tracking.project.folder import Project
from tracking.ui.state import current_project, plain, projects_base, report, set_project

_PID = "project_id"
_MINE = "my_projects"
_MINE_PARAM = "mine"
MAX_REMEMBERED = 20
_TRACK_WORDS = {"none": "not tracked yet", "partial": "stopped part-way", "current": "up to date",
                "corrected": "corrected on Review", "outdated": "inputs changed since the run"}

log = logging.getLogger("tracking.ui")


def use_app_navigation() -> None:
    """Run app.py's navigation even when a page's own URL is the first request the server gets.

    Streamlit decides once per process whether ``pages/`` is an old-style page folder; until
    ``st.navigation`` has run it is, and a fresh server asked for ``/analysis`` (a refresh on a
    page after a restart) ran the page file alone: no sidebar status, pages named after their
    files, and every later session on a page URL the same. Called first on every page: it turns
    that mode off and runs app.py in its place, in this same run (so a button pressed on this
    run still counts), which draws the page as usual; then it stops the page's own run.
    """
    import runpy

    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if PagesManager.uses_pages_directory and ctx is not None:
        PagesManager.uses_pages_directory = False
        runpy.run_path(ctx.main_script_path, run_name="__main__")
        st.stop()


def sync_project_param() -> None:
    """Keep the project id in the URL across page changes (and remember the URL's one); on a
    workstation, also the ids of this tab's other projects, so a refresh does not forget them."""
    pid = st.query_params.get("project")
    if pid:
        st.session_state[_PID] = pid
    elif st.session_state.get(_PID):
        st.query_params["project"] = st.session_state[_PID]
    if _MINE_PARAM in st.query_params and _MINE not in st.session_state:  # a refresh: the session is new
        for other in st.query_params[_MINE_PARAM].split(",")[:MAX_REMEMBERED]:
            try:
                remember(Project.open(projects_base(), other.strip()))
            except InputError:
                continue  # gone (expired or deleted): left out of the list
    elif st.session_state.get(_MINE):
        _write_mine_param()


def _write_mine_param() -> None:
    # Hosted: a project's link is its key, so one link must never carry the others' ids.
    if not current_settings().hosted:
        st.query_params[_MINE_PARAM] = ",".join(list(st.session_state.get(_MINE, {}))[-MAX_REMEMBERED:])


def remember(project: Project) -> None:
    """Add ``project`` to this browser session's list of projects (and, locally, to the URL)."""
    mine = st.session_state.setdefault(_MINE, {})
    mine[project.id] = project.meta.name
    _write_mine_param()


def my_projects() -> dict[str, str]:
    """{id: name} of the projects this browser session created or opened."""
    return dict(st.session_state.get(_MINE, {}))


def open_project(project: Project) -> None:
    """Make ``project`` this tab's project (URL, session, list of mine)."""
    set_project(project)
    st.session_state[_PID] = project.id
    remember(project)


def new_project(with_sample: bool = False) -> Project:
    """Create a project (optionally loaded with the sample) and open it."""
    project = Project.create(projects_base())
    open_project(project)
    if with_sample:
        with st.spinner("Loading the sample landslide series…"):
            try:
                workflow.load_sample(project)
            except Exception as exc:  # the empty project stays usable; say why in one sentence
                report(exc)
    return project


def ensure_project() -> Project | None:
    """The tab's project; a first visit (no project in the URL or session) gets the sample."""
    sync_project_param()
    if not st.query_params.get("project"):
        return new_project(with_sample=True)
    project = current_project()
    if project is not None:
        remember(project)
    return project


@st.cache_data(ttl=120, show_spinner=False)
def engine_status(model: str, kind: str = "auto") -> dict:
    """:func:`tracking.engines.factory.engine_status`, cached a while (it looks for files on disk)."""
    from tracking.engines.factory import engine_status as status

    try:
        return status(model, kind=kind)
    except Exception as exc:  # never break the sidebar over a status line
        log.warning("engine status failed: %s", exc)
        return {"present": False, "model": model, "device": "cpu", "download_command": "", "runs": "baseline"}


def engine_line(eng: dict) -> str:
    """The sidebar's sentence on the engine the project's choice runs (the factory's rule decides)."""
    model = eng.get("model", "tiny")
    if eng.get("runs") == "sam2":
        return f"Engine: SAM2 {model} checkpoint present, device {eng.get('device')}."
    if eng.get("runs") == "none":
        return f"Engine: SAM2 {model} chosen, but its checkpoint is missing (see the Track page)."
    if eng.get("kind") == "baseline":
        return "Engine: weights-free baseline (chosen on the Track page)."
    return "Engine: baseline (no SAM2 checkpoint)."


def _tick(ok: bool) -> str:
    return ":green[:material/check_circle:]" if ok else ":gray[:material/radio_button_unchecked:]"


def _status_lines(project: Project) -> None:
    """Project name, short id and where each step stands (drawn into the current container)."""
    st.markdown(f"**{plain(project.meta.name)}**")
    st.caption(f"Project `{project.id[:8]}…` — keep this page's link to come back to it.")
    try:
        status = workflow.project_status(project)
    except (InputError, OSError, ValueError) as exc:
        log.warning("status failed: %s", exc)
        status = {"frames": 0, "prompts": 0, "track": "none", "good_frames": 0}
    frames = f"{status['frames']} frames ({status['good_frames']} usable)" if status["frames"] else "no frames"
    st.markdown(f"{_tick(status['frames'] > 0)} Scenes: {frames}  \n"
                f"{_tick(status['prompts'] > 0)} Prompt: {'saved' if status['prompts'] else 'not drawn yet'}  \n"
                f"{_tick(status['track'] in ('current', 'corrected'))} Track: {_TRACK_WORDS[status['track']]}")


def render_sidebar(project: Project | None):
    """Project name and id, step status, engine status and a New project button.

    Returns the slot holding the status, for :func:`refresh_sidebar` once the page ran.
    """
    with st.sidebar:
        slot = st.empty()
        with slot.container():
            if project is None:
                st.caption("No project open.")
            else:
                _status_lines(project)
        choice = project.meta.engine if project else None
        st.caption(engine_line(engine_status(choice.model if choice else "tiny", choice.kind if choice else "auto")))
        if st.button("New project", key="shell:new", help="Start an empty project (this one stays saved)"):
            new_project()
            st.switch_page("pages/1_scenes.py")
    return slot


def refresh_sidebar(slot, project: Project | None) -> None:
    """Redraw the status after the page ran (it may have built frames, saved a prompt or tracked).

    Not reached when a page stops early; nothing changed then.
    """
    if project is None:
        return
    try:
        project = Project.open(projects_base(), project.id)
    except InputError:
        return
    with slot.container():
        _status_lines(project)
