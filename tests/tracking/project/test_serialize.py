"""Frames to and from the project's files: the spectral bands travel with them, older files still open."""

from __future__ import annotations

import json

import numpy as np

from tests.helpers.frames import make_frames, with_nir
from tracking.project import serialize
from tracking.project.frames_store import frames_hash


def test_spectral_bands_survive_a_save_and_load_bit_for_bit(tmp_path):
    frames = with_nir(make_frames(3, 12), missing=[1])
    serialize.save_frames(frames, tmp_path)
    back = serialize.load_frames(tmp_path)
    assert list(back.spectral.bands) == ["red", "nir"]
    for name, band in frames.spectral.bands.items():
        assert back.spectral.bands[name].dtype == np.float16
        assert np.array_equal(back.spectral.bands[name], band, equal_nan=True)
    assert np.isnan(back.spectral.bands["nir"][1]).all()
    assert frames_hash(back) == frames_hash(frames)
    assert json.loads((tmp_path / "frames.json").read_text())["spectral"] == ["red", "nir"]


def test_rgb_frames_save_and_load_without_spectral_bands(tmp_path):
    frames = make_frames(2, 8)
    serialize.save_frames(frames, tmp_path)
    with np.load(tmp_path / "frames.npz") as z:
        assert not [k for k in z.files if k.startswith("spectral")]
    assert serialize.load_frames(tmp_path).spectral is None


def test_a_project_saved_before_spectral_bands_existed_still_opens(tmp_path):
    frames = make_frames(3, 8)
    meta = {"dates": [d.isoformat() for d in frames.dates], "sources": frames.sources,
            "grid": frames.grid.to_dict(), "quality": [q.to_dict() for q in frames.quality], "excluded": [1]}
    # The writer of older versions: no "spectral" key, no band arrays.
    np.savez(tmp_path / "frames.npz", images=frames.images, valid=np.packbits(frames.valid, axis=-1),
             meta=np.array(json.dumps(meta)))
    back = serialize.load_frames(tmp_path)
    assert back.spectral is None and back.excluded == {1}
    assert np.array_equal(back.images, frames.images) and back.guidance() is None
