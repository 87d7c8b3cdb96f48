"""Uploaded files: safe base names, stored inside the project only."""

import pytest

from tracking.core.errors import InputError
from tracking.project import uploads
from tracking.project.folder import Project


@pytest.mark.parametrize("raw, clean", [
    ("scene.tif", "scene.tif"), ("../../etc/passwd.tif", "passwd.tif"), ("C:\\Users\\a\\x.png", "x.png"),
    ("/abs/path/y.jpg", "y.jpg"), ("we?ird*na|me.tif", "we_ird_na_me.tif"),
])
def test_safe_name_keeps_only_the_base_name(raw, clean):
    assert uploads.safe_name(raw) == clean


@pytest.mark.parametrize("raw", ["", "..", ".hidden.tif", "dir/", "../"])
def test_safe_name_refuses_hidden_and_empty(raw):
    with pytest.raises(InputError):
        uploads.safe_name(raw)


def test_add_uploads_stores_inside_the_project_only(project, tmp_path):
    saved, problems = uploads.add_uploads(project, [("../../evil.tif", b"II*\x00"), ("notes.txt", b"x"),
                                                     ("scenes.zip", b"PK"), (".x.tif", b"1")])
    assert saved == ["evil.tif", "scenes.zip"]
    assert len(problems) == 2 and "notes.txt" in problems[0]
    assert (project.uploads / "evil.tif").read_bytes() == b"II*\x00"
    assert not (tmp_path / "evil.tif").exists() and not (tmp_path / "projects" / "evil.tif").exists()
    assert Project.open(project.root.parent, project.id).meta.sources == ["evil.tif", "scenes.zip"]
    uploads.remove_upload(project, "evil.tif")
    assert uploads.uploaded_files(project) == ["scenes.zip"]


def test_outline_files_go_to_their_own_folder(project):
    path = uploads.save_prompt_file(project, "../../outline.geojson", b'{"type": "FeatureCollection", "features": []}')
    assert path == project.root / "prompt_files" / "outline.geojson" and path.exists()
    with pytest.raises(InputError, match="not an outline"):
        uploads.save_prompt_file(project, "x.exe", b"")
