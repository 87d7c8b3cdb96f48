"""Two people on one hosted server: two AppTest sessions of app.py in one process.

Each session works in its own project. The second cannot see, list or open the
first's project without its link (a guessed id is refused), its pages only ever
show its own project, no page offers a field for a server path, and when both
press Track at the same moment each gets exactly the masks it would have got alone.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading

import numpy as np
import pytest

from tests.helpers.apptest import app_test, texts
from tracking.core.prompts import Prompt
from tracking.project import runs, workflow
from tracking.project.folder import Project, new_project_id

TRACK = "pages/3_track.py"


@pytest.fixture
def hosted_env(app_env, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_HOSTED", "1")
    return app_env


def clone(template, projects, name: str) -> Project:
    """A copy of the sample project under a new id (as if its owner had loaded the sample)."""
    pid = new_project_id()
    shutil.copytree(template, projects / pid)
    project = Project.open(projects, pid)
    project.meta.id, project.meta.name = pid, name
    project.save()
    return project


def prompted_pair(projects, template, sample):
    a, b = clone(template, projects, "Alice's slide"), clone(template, projects, "Bob's slide")
    workflow.prompts_from_file(a, sample.prompt_box_path)
    # Bob outlines the box itself: an outline comes back unchanged on its date, so his track must
    # differ from Alice's segmented box whatever the segmenter makes of it
    box_prompt = a.load_prompts()[0]
    x0, y0, x1, y1 = (int(round(v)) for v in box_prompt.box)
    outline = np.zeros(a.load_frames().images.shape[1:3], bool)
    outline[y0:y1, x0:x1] = True
    workflow.set_prompts(b, [Prompt(frame=box_prompt.frame, object_id=1, mask=outline)])
    return a, b


def everything_shown(at) -> str:
    """All text of the last run, widgets' labels and values included."""
    parts = [texts(at)]
    for kind in ("text_input", "selectbox", "radio", "button", "metric", "dataframe", "json", "code"):
        for el in at.get(kind):
            parts.append(str(getattr(el, "label", "")))
            parts.append(str(getattr(el, "value", "")))
    parts += [str(el.proto) for el in at.get("page_link")]
    return "\n".join(parts)


def query_project(at) -> str:
    value = at.query_params["project"]
    return value[0] if isinstance(value, list) else value


def open_by_id(at, pid: str) -> None:
    """Type an id into the Scenes page's "Open a project by its id" form and submit it."""
    box = next(t for t in at.text_input if t.label.startswith("Open a project by its id"))
    box.set_value(pid)
    next(b for b in at.button if b.label == "Open").click()
    at.run()


def test_a_second_session_cannot_see_or_open_the_first_ones_project(hosted_env, sample_template,
                                                                     small_sample):
    alice, _ = prompted_pair(hosted_env, sample_template, small_sample)
    at_a = app_test(alice)
    assert not at_a.exception and "Alice's slide" in everything_shown(at_a)

    at_b = app_test(None)  # Bob arrives without a link: he gets a project of his own
    assert not at_b.exception
    bob_id = query_project(at_b)
    assert bob_id != alice.id and (hosted_env / bob_id).is_dir()
    for page in ("pages/1_scenes.py", TRACK, "pages/4_review.py", "pages/5_analysis.py", "pages/6_export.py"):
        at_b.switch_page(page).run()
        assert not at_b.exception, page
        shown = everything_shown(at_b)
        assert alice.id not in shown and alice.id[:8] not in shown and "Alice" not in shown, page
        for field in at_b.text_input:  # hosted: the browser never names a file or folder on the server
            assert not any(w in field.label.lower() for w in ("path", "folder", "directory", "file")), field.label
    assert alice.id not in set(at_b.session_state["my_projects"])

    # a guessed id, or a path, typed in or put in the link, opens nothing
    at_b.switch_page("pages/1_scenes.py").run()
    for guess, sentence in ((new_project_id(), "That project does not exist (it may have expired)."),
                            (f"../{alice.id}", "That project link is not valid."),
                            (str(alice.root), "That project link is not valid.")):
        open_by_id(at_b, guess)
        assert sentence in [e.value for e in at_b.error], guess
        assert query_project(at_b) == bob_id and "Alice" not in everything_shown(at_b)
        at_b.query_params["project"] = guess
        at_b.run()
        assert sentence in [e.value for e in at_b.error], guess
        assert "Alice" not in everything_shown(at_b)
        at_b.query_params["project"] = bob_id

    # with the link, Bob does see it: the unguessable link is the key
    at_b.query_params["project"] = alice.id
    at_b.run()
    assert "Alice's slide" in everything_shown(at_b)


@pytest.mark.slow
def test_two_sessions_tracking_at_once_each_get_their_own_correct_results(hosted_env, sample_template,
                                                                          small_sample):
    alice, bob = prompted_pair(hosted_env, sample_template, small_sample)
    # what each would get alone, on copies
    solo = {}
    for who, project in (("alice", alice), ("bob", bob)):
        copy = clone(project.root, hosted_env, f"solo {who}")
        solo[who] = runs.run_tracking(copy, "baseline").track.objects[1].masks
    assert not np.array_equal(solo["alice"], solo["bob"])  # a segmented box and the box outline differ

    sessions = {"alice": app_test(alice, TRACK), "bob": app_test(bob, TRACK)}
    for at in sessions.values():
        at.radio(key="track:engine").set_value("baseline")
    go = threading.Barrier(2)
    errors = []

    def press_track(at):
        try:
            go.wait()
            at.button(key="track:run").click().run()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=press_track, args=(at,)) for at in sessions.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    for who, project in (("alice", alice), ("bob", bob)):
        at = sessions[who]
        assert not at.exception and not at.error, who
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Frames tracked"] == "12 of 12" and metrics["Engine"] == "baseline"
        saved = Project.open(hosted_env, project.id)
        assert saved.meta.run.completed
        assert np.array_equal(saved.load_track().objects[1].masks, solo[who]), who

    spans = []
    for project in (alice, bob):
        run = Project.open(hosted_env, project.id).meta.run
        end = dt.datetime.fromisoformat(run.finished)
        spans.append((end - dt.timedelta(seconds=run.seconds + 1), end))  # finished is to the second
    assert spans[0][0] <= spans[1][1] and spans[1][0] <= spans[0][1]  # the two runs overlapped
