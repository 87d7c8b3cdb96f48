"""Fixtures of the library tests: an empty project, an empty weights folder, and a SAM 2.1 tiny checkpoint
with random weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.sam2_weights import save_random_checkpoint
from tracking.project.folder import Project


@pytest.fixture
def project(tmp_path) -> Project:
    """A new, empty project in this test's own projects folder."""
    return Project.create(tmp_path / "projects")


@pytest.fixture
def weights_folder(tmp_path, monkeypatch) -> Path:
    """An empty SAM2 weights folder ($LANDSLIDE_SAM2_DIR) and no $SAM2_CHECKPOINT."""
    monkeypatch.setenv("LANDSLIDE_SAM2_DIR", str(tmp_path))
    monkeypatch.delenv("SAM2_CHECKPOINT", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def sam2_checkpoint(tmp_path_factory) -> Path:
    """sam2.1 tiny at SAM2_IMAGE_SIZE with random weights, saved in Meta's checkpoint format (once per session)."""
    return save_random_checkpoint(tmp_path_factory.mktemp("sam2") / "sam2.1_hiera_tiny.pt")
