"""The window around a landslide, the scenes' cover, and the outline as a mask prompt on its date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from tests.helpers.frames import FIRST_DATE, STEP_DAYS, make_frames, utm_grid
from tracking.batch.inventory import Landslide
from tracking.batch.window import check_covered, landslide_window, outline_prompt, prompt_frame, reproject
from tracking.core.errors import InputError
from tracking.ingest.scenes import Scene

UTM_WKT = utm_grid().crs.to_wkt()


def slide(geom, crs=UTM_WKT, day=None) -> Landslide:
    return Landslide("a", "a", geom, crs, day)


def test_window_is_the_outline_grown_by_the_buffer_in_metres():
    w = landslide_window(slide(box(400100, 3399800, 400200, 3399900)), 50)
    assert w.bounds == (400050, 3399750, 400250, 3399950) and w.crs == UTM_WKT


def test_a_lonlat_outline_gets_its_window_in_the_utm_zone():
    lonlat = reproject(box(400100, 3399800, 400200, 3399900), UTM_WKT, "EPSG:4326")
    w = landslide_window(slide(lonlat, "EPSG:4326"), 0)
    assert "UTM zone 48N" in w.crs
    assert np.allclose(w.bounds, (400100, 3399800, 400200, 3399900), atol=0.5)


def test_a_negative_buffer_is_refused():
    with pytest.raises(InputError, match="buffer"):
        landslide_window(slide(box(0, 0, 1, 1)), -1)


def scene(bounds) -> Scene:
    left, bottom, right, top = bounds
    return Scene(path=Path("s.tif"), date=dt.date(2020, 1, 1), date_source="filename", sensor="", band_count=3,
                 dtype="uint16", crs=utm_grid().crs, transform=Affine(10, 0, left, 0, -10, top),
                 width=int((right - left) / 10), height=int((top - bottom) / 10), nodata=None)


def test_a_landslide_outside_every_scene_is_one_sentence():
    scenes = [scene((400000, 3399700, 400400, 3400000))]
    inside = slide(box(400100, 3399800, 400200, 3399900))
    check_covered(inside, landslide_window(inside, 200), scenes)
    far = slide(box(500000, 3500000, 500100, 3500100))
    with pytest.raises(InputError, match="lies outside every scene"):
        check_covered(far, landslide_window(far, 200), scenes)


def test_the_prompt_frame_is_the_nearest_good_date():
    frames = make_frames(5, bad=[2])
    third = FIRST_DATE + dt.timedelta(days=2 * STEP_DAYS)
    assert prompt_frame(frames, None) == 0
    assert prompt_frame(frames, frames.dates[3]) == 3
    assert prompt_frame(frames, third) in (1, 3)  # the cloudy date itself is never prompted
    assert prompt_frame(frames, third - dt.timedelta(days=1)) == 1
    assert prompt_frame(frames, dt.date(2030, 1, 1)) == 4


def test_the_outline_becomes_a_mask_prompt_with_a_note_when_its_date_moves():
    frames = make_frames(4, size=(30, 40))  # 10 m UTM grid, origin (400000, 3400000)
    outline = box(400100, 3399800, 400200, 3399900)  # columns 10..19, rows 10..19
    prompt, note = outline_prompt(slide(outline, day=frames.dates[2]), frames)
    assert prompt.frame == 2 and note is None
    assert prompt.mask.sum() == 100 and prompt.mask[10:20, 10:20].all()
    moved, note = outline_prompt(slide(outline, day=frames.dates[2] + dt.timedelta(days=10)), frames)
    assert moved.frame == 2 and "nearest good scene date" in note


def test_an_outline_smaller_than_a_pixel_is_refused():
    frames = make_frames(2, size=(30, 40))
    with pytest.raises(InputError, match="covers no pixel"):
        outline_prompt(slide(box(400101, 3399801, 400102, 3399802)), frames)
