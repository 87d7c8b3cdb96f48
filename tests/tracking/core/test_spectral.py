"""The spectral bands beside the display RGB: indices, guidance, subsets, the guidance check."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.frames import make_frames, with_nir
from tracking.core.errors import InputError
from tracking.core.frames import Frames
from tracking.core.spectral import Spectral, check_guidance, normalized_difference


def _bands(n: int = 3, h: int = 4, w: int = 5) -> dict[str, np.ndarray]:
    red = np.full((n, h, w), 0.05, np.float32)
    nir = np.full((n, h, w), 0.45, np.float32)
    nir[1] = np.nan  # a scene without NIR
    red[2, 0, 0] = np.nan  # no data
    return {"red": red, "nir": nir}


def test_ndvi_is_the_normalised_difference_and_nan_where_unknown():
    sp = Spectral(_bands())
    ndvi = sp.ndvi()
    assert ndvi.shape == (3, 4, 5) and ndvi.dtype == np.float32
    assert np.allclose(ndvi[0], 0.8, atol=1e-3)
    assert np.isnan(ndvi[1]).all() and np.isnan(ndvi[2, 0, 0]) and np.isfinite(ndvi[2, 1:]).all()
    assert np.isnan(sp.ndmi()).all()  # no SWIR held
    assert sp.carries("nir").tolist() == [True, False, True] and not sp.carries("swir1").any()
    assert sp.carried_names(0) == ["nir"] and sp.carried_names(1) == []


def test_normalised_difference_of_dark_pixels_is_unknown_not_infinite():
    out = normalized_difference(np.array([0.0, 0.3, -0.1]), np.array([0.0, 0.1, 0.05]))
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.5) and np.isnan(out[2])


def test_swir_adds_ndmi_and_nbr_channels_to_the_guidance():
    b = _bands()
    sp = Spectral({**b, "swir1": np.full_like(b["red"], 0.25), "swir2": np.full_like(b["red"], 0.15)})
    assert sp.index_names() == ("ndvi", "ndmi", "nbr")
    g = sp.guidance([2, 0])
    assert g.shape == (2, 4, 5, 3) and g.dtype == np.float32
    assert np.allclose(g[1, ..., 0], 0.8, atol=1e-3)
    assert np.allclose(g[1, ..., 1], 0.2 / 0.7, atol=1e-3) and np.allclose(g[1, ..., 2], 0.3 / 0.6, atol=1e-3)


def test_guidance_is_unknown_where_the_frame_has_no_data():
    sp = Spectral(_bands())
    valid = np.ones((3, 4, 5), bool)
    valid[0, 2, 3] = False
    g = sp.guidance(None, valid)
    assert np.isnan(g[0, 2, 3, 0]) and np.isfinite(g[0, 2, 2, 0])


def test_values_are_kept_to_float16_precision_so_they_save_exactly():
    sp = Spectral({"red": np.full((1, 2, 2), 0.1234567, np.float32), "nir": np.full((1, 2, 2), 0.4, np.float32)})
    assert sp.bands["red"].dtype == np.float16 and sp.band("red").dtype == np.float32
    assert np.array_equal(sp.bands["red"].astype(np.float32), sp.band("red"))


def test_a_spectral_needs_nir_or_swir_and_known_band_names():
    red = np.zeros((1, 2, 2), np.float32)
    with pytest.raises(ValueError, match="NIR or SWIR"):
        Spectral({"red": red})
    with pytest.raises(ValueError, match="unknown spectral bands"):
        Spectral({"red": red, "thermal": red})
    with pytest.raises(ValueError, match="same shape"):
        Spectral({"red": red, "nir": np.zeros((1, 3, 2), np.float32)})


def test_frames_guidance_follows_the_spectral_bands():
    frames = make_frames(3, 8)
    assert frames.guidance([0, 2]) is None
    nir = with_nir(frames, missing=[1])
    g = nir.guidance([0, 1])
    assert g.shape == (2, 8, 8, 1) and np.isfinite(g[0]).all() and np.isnan(g[1]).all()


def test_frames_refuse_spectral_bands_of_another_shape():
    frames = make_frames(3, 8)
    with pytest.raises(ValueError, match="one \\(H, W\\) image per frame"):
        Frames(frames.images, frames.valid, frames.dates, frames.sources, frames.grid, frames.quality,
               spectral=with_nir(make_frames(2, 8)).spectral)


def test_check_guidance_accepts_matching_floats_and_refuses_the_rest():
    images = np.zeros((2, 4, 5, 3), np.uint8)
    assert check_guidance(None, images) is None
    ok = check_guidance(np.zeros((2, 4, 5, 1), np.float64), images)
    assert ok.dtype == np.float32 and ok.shape == (2, 4, 5, 1)
    for bad in (np.zeros((3, 4, 5, 1), np.float32), np.zeros((2, 4, 5), np.float32), np.zeros((2, 4, 5, 1), np.uint8)):
        with pytest.raises(InputError, match="vegetation guidance must be a float"):
            check_guidance(bad, images)


def test_band_reads_the_chosen_frames_as_float32_and_nan_for_a_missing_band():
    red = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2) / 100
    sp = Spectral({"red": red, "nir": red + 0.5})
    picked = sp.band("nir", [2, 0])
    assert picked.dtype == np.float32 and picked.shape == (2, 2, 2)
    assert np.allclose(picked, (red + 0.5)[[2, 0]], atol=1e-3)
    assert np.isnan(sp.band("swir1", [1])).all() and sp.band("swir1", [1]).shape == (1, 2, 2)
