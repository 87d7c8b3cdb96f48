"""Issue 13, what the outside probe saw in the browser: the Scenes page on a hosted server.

AppTest runs the real app (app.py and the Scenes page) with hosted settings; an upload
over a limit, an upload that cannot be stored, and names written to be read as
Markdown each show one sentence, as written, with no traceback and no server path.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers.apptest import app_test, texts
from tracking.ui.state import error_text, no_server_paths, plain

from . import corpus

SUBMIT = "FormSubmitter:scenes:upload-Add to the project"


@pytest.fixture
def hosted_app(app_env, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_HOSTED", "1")
    at = app_test()
    at.button(key="shell:new").click().run()
    return at, app_env


def upload(at, name: str, data: bytes) -> None:
    at.file_uploader(key="scenes:files").set_value((name, data, "application/zip"))
    at.button(key=SUBMIT).click().run()


def test_a_zip_of_61_scenes_is_one_sentence_without_a_traceback(hosted_app):
    at, projects = hosted_app
    png = corpus.png_bytes()
    upload(at, "many.zip", corpus.zip_bytes({f"s{i:02d}_2020-01-{1 + i % 28:02d}.png": png for i in range(61)}))
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] == ["With these files the project would hold 61 scenes, more than the 60 "
                                           "allowed."]
    body = texts(at)
    assert "Traceback" not in body and str(projects) not in body and ".py" not in body


def test_a_zip_over_the_disk_limit_is_one_sentence(hosted_app):
    at, projects = hosted_app
    upload(at, "notes.zip", corpus.zip_declaring({"a_20200101.png": corpus.png_bytes(), "notes.csv": b"x" * 10},
                                                {"notes.csv": 3_000_000_000}))
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith("This needs 3,000 MB of disk but the project has only") and str(projects) not in error


def test_link_and_image_names_show_as_written(hosted_app):
    at, projects = hosted_app
    entries = {"a_2021-01-01.png": corpus.png_bytes(1), "b_2021-03-01.png": corpus.png_bytes(2),
               "![pixel](https:evil.example) 2021-01-01.png": corpus.png_bytes(3),
               "[Log in](https://evil.example) 2021-03-01.png": corpus.png_bytes(4)}
    upload(at, "names.zip", corpus.zip_bytes(entries))
    assert not at.exception
    assert "Timeline: 2 dates" in texts(at)
    (listed,) = [e.value for e in at.markdown if "has the same date" in e.value]  # the problems list
    assert listed.count("has the same date") == 2
    assert not re.search(r"(?<!\\)[\[\]!]", listed) and "](" not in listed and "https://" not in listed, listed


def test_markdown_is_escaped_and_paths_cut():
    assert plain("[Session expired](https:evil.example) x.png") == r"\[Session expired\](https:evil.example) x.png"
    assert plain("![pixel](https://evil.example) www.evil.example") == \
        r"\!\[pixel\](https\://evil.example) www\.evil.example"
    assert plain("line one\nline two `code` <b>") == r"line one line two \`code\` \<b\>"
    assert no_server_paths("No scenes found in /srv/projects/3q2x/uploads.") == "No scenes found in uploads."
    error = OSError(36, "File name too long")
    error.filename = "/srv/projects/3q2x/work/names/.AAAA.part"
    text = error_text(error)
    assert text == "A file of the project could not be read or written (File name too long). Your work so far " \
                   "is saved." and "/srv" not in text
