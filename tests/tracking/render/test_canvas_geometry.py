"""Canvas JSON (streamlit-drawable-canvas 0.13 / Fabric 7) to prompts in image pixels."""

import numpy as np
import pytest

from tracking.core.prompts import Prompt
from tracking.render.canvas_geometry import (
    NEGATIVE_COLOR,
    POSITIVE_COLOR,
    CanvasScale,
    canvas_size,
    canvas_to_prompt,
    prompt_to_drawing,
    summarize,
)

# A 100 x 50 (W x H) image shown on a 400 x 200 canvas: 4 canvas px per image px.
SCALE = CanvasScale(canvas=(400, 200), image=(50, 100))


def point_tool_circle(x, y, color, radius=3, stroke=3):
    """A Circle exactly as the canvas point tool makes it for a click at (x, y)."""
    return {"type": "Circle", "left": x - (radius + stroke / 2), "top": y, "originX": "left",
            "originY": "center", "radius": radius, "strokeWidth": stroke, "stroke": color, "fill": color,
            "scaleX": 1, "scaleY": 1, "angle": 0}


def rect_tool_rect(x0, y0, x1, y1, stroke=3):
    """A Rect as the rect tool makes it for a drag from (x0, y0) to (x1, y1)."""
    return {"type": "Rect", "left": min(x0, x1), "top": min(y0, y1), "width": abs(x1 - x0),
            "height": abs(y1 - y0), "originX": "left", "originY": "top", "strokeWidth": stroke,
            "strokeUniform": True, "scaleX": 1, "scaleY": 1, "angle": 0}


def test_points_scale_to_image_pixels_and_keep_labels():
    drawing = {"objects": [point_tool_circle(40, 20, POSITIVE_COLOR), point_tool_circle(200, 100, NEGATIVE_COLOR)]}
    p = canvas_to_prompt(drawing, SCALE, frame=2)
    assert p.frame == 2 and p.box is None and p.mask is None
    np.testing.assert_allclose(p.points, [[10, 5], [50, 25]], atol=1e-4)
    assert p.labels.tolist() == [1, 0]


def test_rect_becomes_box_in_image_pixels_whatever_the_drag_direction():
    p = canvas_to_prompt({"objects": [rect_tool_rect(360, 160, 40, 20)]}, SCALE, frame=0)
    assert p.box == pytest.approx((10, 5, 90, 40))
    assert p.kind == "box"


def test_scaled_center_origin_rect_after_editing():
    # Moved/resized in edit mode: origin centre, scaleX 2 -> 200 canvas px wide around x=200.
    rect = {"type": "Rect", "left": 200, "top": 100, "width": 100, "height": 40, "scaleX": 2, "scaleY": 1,
            "originX": "center", "originY": "center", "strokeWidth": 0}
    p = canvas_to_prompt({"objects": [rect]}, SCALE, frame=0)
    assert p.box == pytest.approx((25, 20, 75, 30))


def test_box_is_clipped_to_the_image():
    p = canvas_to_prompt({"objects": [rect_tool_rect(-40, -20, 800, 100)]}, SCALE, frame=0)
    assert p.box == pytest.approx((0, 0, 100, 25))


def test_polygon_rasterises_to_mask_and_wins_over_points():
    square = [{"x": 40, "y": 40}, {"x": 200, "y": 40}, {"x": 200, "y": 120}, {"x": 40, "y": 120}]
    poly = {"type": "Polygon", "points": square, "left": 120, "top": 80, "width": 160, "height": 80,
            "originX": "center", "originY": "center", "strokeWidth": 3, "scaleX": 1, "scaleY": 1}
    drawing = {"objects": [point_tool_circle(300, 20, POSITIVE_COLOR), poly]}
    p = canvas_to_prompt(drawing, SCALE, frame=1)
    assert p.kind == "mask" and p.mask.shape == (50, 100) and len(p.points) == 0
    rows, cols = np.nonzero(p.mask)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (10, 29, 10, 49)
    assert p.mask.sum() == 20 * 40
    assert summarize(drawing).ignored == 1


def test_moved_polygon_follows_its_left_top():
    tri = [{"x": 0, "y": 0}, {"x": 80, "y": 0}, {"x": 0, "y": 80}]
    # The same triangle moved so its box centre sits at canvas (240, 120).
    poly = {"type": "Polygon", "points": tri, "left": 240, "top": 120, "width": 80, "height": 80,
            "originX": "center", "originY": "center", "strokeWidth": 0}
    p = canvas_to_prompt({"objects": [poly]}, SCALE, frame=0)
    rows, cols = np.nonzero(p.mask)
    assert cols.min() == 50 and rows.min() == 20  # (200, 80) canvas -> (50, 20) image


def test_freehand_stroke_becomes_band_as_wide_as_brush():
    path = {"type": "Path", "path": [["M", 40, 100], ["L", 360, 100]], "left": 200, "top": 100,
            "width": 320, "height": 0, "originX": "center", "originY": "center", "strokeWidth": 16}
    p = canvas_to_prompt({"objects": [path]}, SCALE, frame=0)
    rows, cols = np.nonzero(p.mask)
    assert set(rows.tolist()) == {23, 24, 25, 26}  # 16 canvas px = 4 image px around row 25
    assert cols.min() <= 10 and cols.max() >= 89


def test_empty_or_junk_drawing_gives_none():
    assert canvas_to_prompt(None, SCALE, 0) is None
    assert canvas_to_prompt({"objects": []}, SCALE, 0) is None
    assert canvas_to_prompt({"objects": [{"type": "Text", "text": "hi"}, "junk"]}, SCALE, 0) is None
    degenerate = {"type": "Polygon", "points": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}
    assert canvas_to_prompt({"objects": [degenerate]}, SCALE, 0) is None


def test_prompt_round_trips_through_initial_drawing():
    prompt = Prompt(3, 1, np.array([[10.0, 5.0], [60.0, 30.0]]), np.array([1, 0]), (12.0, 8.0, 70.0, 40.0))
    drawing = prompt_to_drawing(prompt, SCALE)
    back = canvas_to_prompt(drawing, SCALE, frame=3)
    np.testing.assert_allclose(back.points, prompt.points, atol=1e-4)
    assert back.labels.tolist() == [1, 0]
    assert back.box == pytest.approx(prompt.box, abs=1e-4)
    assert summarize(drawing).positive == 1 and summarize(drawing).negative == 1
    assert summarize(drawing).describe() == "1 scar point, 1 not-scar point, 1 box"
    assert summarize({"objects": []}).describe() == "nothing drawn" and summarize(None).total == 0


def test_canvas_size_keeps_aspect_and_limits():
    assert canvas_size((50, 100), max_width=400, max_height=400) == (400, 200)
    w, h = canvas_size((1000, 500), max_width=720, max_height=560)
    assert h == 560 and w == 280


def test_pixel_box_to_grid_bounds():
    from affine import Affine

    from tracking.render.canvas_geometry import pixel_box_to_bounds

    t = Affine(10, 0, 400000, 0, -10, 3400000)
    assert pixel_box_to_bounds((2, 3, 12, 8), t) == (400020, 3399920, 400120, 3399970)


def test_same_prompt_tolerates_canvas_rounding_only():
    from tracking.render.canvas_geometry import same_prompt

    a = Prompt(0, 1, [[10.0, 5.0]], [1], (1.0, 2.0, 30.0, 40.0))
    assert same_prompt(a, Prompt(0, 1, [[10.2, 4.9]], [1], (1.1, 2.0, 30.0, 39.8)))
    assert not same_prompt(a, Prompt(0, 1, [[12.0, 5.0]], [1], (1.0, 2.0, 30.0, 40.0)))
    assert not same_prompt(a, Prompt(0, 1, [[10.0, 5.0]], [0], (1.0, 2.0, 30.0, 40.0)))
    assert not same_prompt(a, Prompt(1, 1, [[10.0, 5.0]], [1], (1.0, 2.0, 30.0, 40.0)))
    assert not same_prompt(a, None) and same_prompt(None, None)
    m = np.zeros((4, 4), bool)
    m[1, 1] = True
    assert same_prompt(Prompt(0, 1, mask=m), Prompt(0, 1, mask=m.copy()))
    assert not same_prompt(Prompt(0, 1, mask=m), Prompt(0, 1, mask=~m))


@pytest.mark.parametrize("shape", [(662, 1300), (2160, 3900), (1513, 2730), (1300, 662), (256, 256), (96, 1000)])
def test_prompt_canvas_fits_its_column_for_every_aspect(shape):
    from tracking.render.canvas_geometry import PROMPT_COLUMN_PX, PROMPT_MAX_HEIGHT, prompt_canvas_size

    w, h = prompt_canvas_size(shape)
    assert w <= PROMPT_COLUMN_PX and h <= PROMPT_MAX_HEIGHT
    assert abs(w / h - shape[1] / shape[0]) < 0.02 * shape[1] / shape[0]  # the whole image, not a crop
    assert w == PROMPT_COLUMN_PX or h == PROMPT_MAX_HEIGHT  # and as large as fits


def test_a_box_drawn_zoomed_in_comes_back_in_whole_image_pixels():
    from tracking.render.canvas_geometry import CanvasScale, canvas_to_prompt, prompt_to_drawing, zoom_window

    window = zoom_window((662, 1300), 2, (0.75, 0.25))  # the top right quarter, twice as large
    assert window == (650, 0, 650, 331)
    scale = CanvasScale((520, 265), (662, 1300), window)
    drawing = {"objects": [{"type": "Rect", "left": 52, "top": 26.5, "width": 104, "height": 53,
                            "originX": "left", "originY": "top", "strokeWidth": 0},
                           {"type": "Circle", "left": 260, "top": 132.5, "originX": "center",
                            "originY": "center", "radius": 5, "fill": "#00e676"}]}
    prompt = canvas_to_prompt(drawing, scale, frame=0)
    assert prompt.box == pytest.approx((650 + 65, 33.1, 650 + 195, 99.3), abs=0.01)
    assert prompt.points[0] == pytest.approx((650 + 325, 165.5), abs=0.01)
    back = canvas_to_prompt(prompt_to_drawing(prompt, scale), scale, frame=0)
    assert back.box == pytest.approx(prompt.box, abs=0.01)
    assert back.points[0] == pytest.approx(prompt.points[0], abs=0.01)
