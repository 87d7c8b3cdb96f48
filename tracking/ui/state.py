"""Which project this browser tab works on, and how pages report errors.

The project id lives in the URL (``?project=<id>``), so a refresh or a shared link
reopens the same project; the project folder on disk is the source of truth and
``st.session_state`` only caches what was read from it.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from tracking.core.errors import InputError
from tracking.project.folder import Project

_KEY = "project"


def projects_base() -> Path:
    """Folder holding all projects: the server's settings (tracking.core.settings: $LANDSLIDE_PROJECTS_DIR,
    landslide.toml's projects_dir, or ./projects)."""
    from tracking.core.settings import current

    base = current().projects_dir
    base.mkdir(parents=True, exist_ok=True)
    return base


def upload_limit_mb() -> int:
    """The largest file the server accepts, in the MiB that ``st.file_uploader``'s ``max_upload_size``
    counts (the same figure scripts/dashboard.sh gives Streamlit's server.maxUploadSize), so the
    browser refuses a bigger file with its own message before sending it."""
    from tracking.core.settings import current

    return max(1, int(current().limits.upload_mib))


def current_project() -> Project | None:
    """The project named in the URL, or None (a bad or expired link shows one sentence)."""
    pid = st.query_params.get(_KEY)
    if not pid:
        return None
    try:
        return Project.open(projects_base(), pid)
    except InputError as exc:
        st.error(plain(str(exc)))
        return None


def set_project(project: Project) -> None:
    """Make ``project`` this tab's project (it goes into the URL)."""
    st.query_params[_KEY] = project.id
    for key in [k for k in st.session_state if str(k).startswith("cache:")]:
        del st.session_state[key]


def require_project() -> Project:
    """The current project, or a hint to open one on the Scenes page and stop the page."""
    project = current_project()
    if project is None:
        st.info("Open a project or load the sample on the **Scenes** page first.")
        st.page_link("pages/1_scenes.py", label="Go to Scenes", icon=":material/arrow_back:")
        st.stop()
    return project


def require_track(project: Project, nothing_yet: str):
    """The project's (frames, track), or ``nothing_yet`` with a link to the Track page, and stop."""
    from tracking.project import frames_store

    frames = frames_store.load_frames(project)
    track = project.load_track()
    if frames is None or track is None or not track.objects:
        st.info(nothing_yet)
        st.page_link("pages/3_track.py", label="Go to Track", icon=":material/play_arrow:")
        st.stop()
    return frames, track


# Markdown that could make a link, an image, HTML, code, LaTeX or a table out of a file name.
_MARKDOWN = re.compile(r"([\\`*\[\]<>#!|~$@{}])")
# Absolute paths (two parts or more): a message must not tell a visitor where the server keeps files.
_SERVER_PATH = re.compile(r"(?<![\w.])(?:/[^\s/'\"]+){2,}")


def plain(text) -> str:
    """``text`` on one line, escaped so that Streamlit's Markdown shows it as written: no link
    (``[a](b)``, ``<b>``, ``https://``, ``www.``), image, HTML, emphasis, code or LaTeX."""
    out = _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))
    out = re.sub(r"(?i)(www)\.", r"\1\\.", re.sub(r":(?=//)", r"\\:", out))
    return re.sub(r"^([-+=])", r"\\\1", re.sub(r"^(\d+)([.)])", r"\1\\\2", out))


def no_server_paths(text: str) -> str:
    """``text`` with every absolute path of two parts or more cut to its last part."""
    return _SERVER_PATH.sub(lambda m: m.group(0).rsplit("/", 1)[-1], text)


def error_text(exc: Exception) -> str:
    """The one sentence an analyst sees for ``exc``; an unexpected failure is logged in full.

    No server path reaches the page: a failed file operation is named by what went
    wrong, and any path left in another message is cut to its last part.
    """
    if isinstance(exc, InputError):
        return no_server_paths(str(exc))
    import logging  # an unexpected failure: keep it short in the page, full detail in the server log

    logging.getLogger("tracking.ui").exception("unexpected error")
    if isinstance(exc, OSError):
        return (f"A file of the project could not be read or written ({exc.strerror or type(exc).__name__}). "
                f"Your work so far is saved.")
    return f"Something went wrong ({type(exc).__name__}): {no_server_paths(str(exc))}. Your work so far is saved."


def report(exc: Exception) -> None:
    """Show an analyst one clear sentence (Markdown escaped); never a traceback in the browser."""
    st.error(plain(error_text(exc)))
