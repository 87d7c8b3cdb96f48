"""Which engine runs: one rule (``checkpoint_for``) for the factory, the model pool, the run cache and the sidebar."""

from __future__ import annotations

import numpy as np
import pytest

from tracking.core.errors import InputError
from tracking.engines import factory


def test_without_a_checkpoint_auto_means_the_baseline_and_sam2_names_the_download(weights_folder):
    assert factory.checkpoint_for("auto", "tiny") is None
    assert factory.checkpoint_for("baseline", "tiny") is None
    with pytest.raises(InputError, match="python -m tracking weights download tiny"):
        factory.checkpoint_for("sam2", "tiny")
    engine, note = factory.make_engine("auto")
    assert engine.name == "baseline" and note.startswith("No SAM2 tiny checkpoint found")
    assert factory.engine_status("tiny")["present"] is False


def test_a_checkpoint_in_the_weights_folder_is_what_auto_and_sam2_load(weights_folder):
    ckpt = weights_folder / "sam2.1_hiera_tiny.pt"
    ckpt.write_bytes(b"weights")
    assert factory.checkpoint_for("auto", "tiny") == ckpt == factory.checkpoint_for("sam2", "tiny")
    assert factory.checkpoint_for("baseline", "tiny") is None
    assert factory.engine_status("tiny")["checkpoint"] == str(ckpt)


def test_a_named_checkpoint_that_is_missing_is_an_error_even_for_auto(weights_folder, monkeypatch):
    monkeypatch.setenv("SAM2_CHECKPOINT", str(weights_folder / "gone.pt"))
    with pytest.raises(InputError, match="gone.pt named by"):
        factory.checkpoint_for("auto", "tiny")
    assert factory.engine_status("tiny")["present"] is False  # the sidebar never breaks over it
    with pytest.raises(InputError, match="Unknown engine"):
        factory.checkpoint_for("sam3", "tiny")


def test_the_model_pool_and_the_run_cache_follow_the_same_rule(weights_folder):
    from tracking.hosting.model_pool import ModelPool
    from tracking.project.runs import _checkpoint_stamp

    pool = ModelPool()
    assert pool._key("auto", "tiny", None, "cpu", None) == (None, None)
    assert _checkpoint_stamp("auto", "tiny") == ""
    ckpt = weights_folder / "sam2.1_hiera_tiny.pt"
    ckpt.write_bytes(b"weights")
    key, found = pool._key("auto", "tiny", None, "cpu", None)
    assert found == ckpt.resolve() and key[0] == "sam2"
    assert ckpt.name in _checkpoint_stamp("auto", "tiny") and _checkpoint_stamp("baseline", "tiny") == ""


def test_engine_status_says_which_engine_the_choice_runs(weights_folder):
    runs = {kind: factory.engine_status("tiny", kind=kind)["runs"] for kind in factory.ENGINE_KINDS}
    assert runs == {"auto": "baseline", "sam2": "none", "baseline": "baseline"}
    (weights_folder / "sam2.1_hiera_tiny.pt").write_bytes(b"weights")
    runs = {kind: factory.engine_status("tiny", kind=kind)["runs"] for kind in factory.ENGINE_KINDS}
    assert runs == {"auto": "sam2", "sam2": "sam2", "baseline": "baseline"}


def test_engine_provenance_describes_a_live_engine():
    from tracking.engines.baseline.engine import BaselineEngine

    engine = BaselineEngine()
    assert factory.engine_provenance(engine) == {"engine": "baseline", "vegetation_guidance": "none (RGB only)"}
    images = np.zeros((2, 8, 8, 3), np.uint8)
    engine.load(images, np.full((2, 8, 8, 1), 0.7, np.float32))
    assert factory.engine_provenance(engine)["vegetation_guidance"].startswith("NDVI from NIR on 2 of 2 frames")
