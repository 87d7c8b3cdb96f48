import datetime as dt
from pathlib import Path

import pytest
from affine import Affine

from tracking.core.errors import InputError
from tracking.ingest.composite import (
    PRESETS,
    Composite,
    default_composite,
    nir_band,
    parse_bands,
    resolve_composite,
)
from tracking.ingest.scenes import Scene


def scene(bands: int, names: tuple[str, ...] = (), name: str = "s.tif") -> Scene:
    return Scene(Path(name), dt.date(2020, 1, 1), "filename", "", bands, "uint16", None,
                 Affine.identity(), 8, 8, None, names or ("",) * bands)


def test_presets():
    assert PRESETS["rgb"].bands == (1, 2, 3)
    assert PRESETS["bgrn-true"].bands == (3, 2, 1)
    assert PRESETS["bgrn-false"].bands == (4, 3, 2)
    assert PRESETS["s2-true"].bands == (4, 3, 2)
    assert PRESETS["s2-false"].bands == (8, 4, 3)
    assert PRESETS["grey"].bands == (1, 1, 1)
    assert all(isinstance(c, Composite) and c.key == k for k, c in PRESETS.items())


@pytest.mark.parametrize("bands, key", [(1, "grey"), (2, "grey"), (3, "rgb"), (4, "bgrn-true"),
                                        (12, "s2-true"), (13, "s2-true")])
def test_default_by_band_count(bands, key):
    assert default_composite(scene(bands)).key == key


def test_default_for_five_to_eleven_bands_assumes_bgr_first():
    assert default_composite(scene(5)).bands == (3, 2, 1)


def test_png_with_alpha_is_rgb():
    assert default_composite(scene(4, name="photo.png")).key == "rgb"


def test_band_descriptions_decide():
    rgbn = scene(4, ("Red", "Green", "Blue", "NIR"))
    assert default_composite(rgbn).bands == (1, 2, 3)
    assert nir_band(rgbn, default_composite(rgbn)) == 4
    s2 = scene(4, ("B02", "B03", "B04", "B08"))
    comp = default_composite(s2)
    assert comp.key == "bgrn-true" and nir_band(s2, comp) == 4
    planet8 = scene(8, ("coastal_blue", "blue", "green_i", "green", "yellow", "red", "rededge", "nir"))
    assert default_composite(planet8).bands == (6, 4, 2)
    assert nir_band(planet8, PRESETS["grey"]) == 8
    landsat = scene(7, tuple(f"SR_B{i}" for i in range(1, 8)))
    assert default_composite(landsat).bands == (4, 3, 2)


def test_nir_band_from_preset_family():
    assert nir_band(scene(4), PRESETS["bgrn-true"]) == 4
    assert nir_band(scene(4), PRESETS["bgrn-false"]) == 4
    assert nir_band(scene(13), PRESETS["s2-true"]) == 8
    assert nir_band(scene(3), PRESETS["rgb"]) is None
    assert nir_band(scene(3), PRESETS["bgrn-true"]) is None  # the scene has no band 4
    assert nir_band(scene(5), Composite("3,2,1", "x", (3, 2, 1))) is None


def test_resolve_keys_tuples_and_text():
    s = scene(13)
    assert resolve_composite(s, None).key == "s2-true"
    assert resolve_composite(s, "S2-False").bands == (8, 4, 3)
    assert resolve_composite(s, (12, 8, 4)).bands == (12, 8, 4)
    assert resolve_composite(s, "12, 8, 4").bands == (12, 8, 4)
    assert parse_bands("4 3 2") == (4, 3, 2) and parse_bands("4,3") is None


def test_resolve_errors_name_the_file_or_key():
    with pytest.raises(InputError, match="scene_a.tif has 3 band.*cannot use band 4"):
        resolve_composite(scene(3, name="scene_a.tif"), "bgrn-false")
    with pytest.raises(InputError, match="scene_b.tif has 4 band.*cannot use band 8"):
        resolve_composite(scene(4, name="scene_b.tif"), (8, 4, 3))
    with pytest.raises(InputError, match="cannot use band 0"):
        resolve_composite(scene(4), (0, 1, 2))
    with pytest.raises(InputError, match="Unknown band composite 'ndvi'"):
        resolve_composite(scene(4), "ndvi")
    with pytest.raises(InputError, match="three band numbers"):
        resolve_composite(scene(4), (1, 2))
