"""Drawings on a canvas to prompts in grid pixels, and back.

The dashboard's canvas (streamlit-drawable-canvas 0.13, Fabric.js 7) returns its
drawing as Fabric JSON in *canvas* pixels. This module turns that JSON into a
:class:`tracking.core.prompts.Prompt` on the image grid, and a saved prompt back into
an initial drawing, without importing Streamlit or the component (so it is unit
tested and usable anywhere).

Conventions
-----------
- The background image is drawn stretched over the whole canvas, so image pixel
  x = canvas x * image_width / canvas_width (and likewise for y).
- A point is a ``Circle``; its colour says its label: :data:`NEGATIVE_COLOR` is a
  "not scar" click, any other colour a "scar" click.
- A ``Rect`` is the box (the last one drawn wins; a prompt has one box).
- ``Polygon`` outlines and freehand ``Path`` strokes are rasterised into a mask;
  when any is present the prompt is a mask prompt and points or boxes are left out
  (SAM2 takes either a mask or clicks on one frame, not both).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rasterio.features import rasterize
from shapely.geometry import LineString, Polygon

from tracking.core.prompts import Prompt

POSITIVE_COLOR = "#00e676"
NEGATIVE_COLOR = "#ff1744"
BOX_COLOR = "#ffea00"
POLYGON_COLOR = "#40c4ff"

# Fabric's origin keywords as fractions of the object's outer size.
_ORIGIN = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}
_FABRIC_DEFAULT_ORIGIN = "center"  # Fabric.js 7 (the canvas 0.13 ships it)


@dataclass(frozen=True)
class CanvasScale:
    """Canvas size and image size; maps canvas pixels to image pixels.

    canvas: (width, height) of the canvas in CSS pixels.
    image:  (height, width) of the image grid, i.e. ``frames.shape``.
    window: (col, row, width, height) of the part of the image the canvas shows when zoomed
            in, in image pixels; None for the whole image.
    """

    canvas: tuple[int, int]
    image: tuple[int, int]
    window: tuple[int, int, int, int] | None = None

    @property
    def _win(self) -> tuple[int, int, int, int]:
        return self.window if self.window is not None else (0, 0, self.image[1], self.image[0])

    @property
    def sx(self) -> float:
        return self._win[2] / self.canvas[0]

    @property
    def sy(self) -> float:
        return self._win[3] / self.canvas[1]

    @property
    def ox(self) -> float:
        """Image column of the canvas's left edge."""
        return float(self._win[0])

    @property
    def oy(self) -> float:
        """Image row of the canvas's top edge."""
        return float(self._win[1])


@dataclass
class CanvasSummary:
    """What a drawing holds, by kind (for captions such as "2 scar points, 1 box")."""

    positive: int = 0
    negative: int = 0
    boxes: int = 0
    outlines: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.negative + self.boxes + self.outlines

    def describe(self) -> str:
        """Plain words, e.g. "2 scar points, 1 box" ("nothing drawn" when empty)."""
        parts = [(self.positive, "scar point"), (self.negative, "not-scar point"), (self.boxes, "box"),
                 (self.outlines, "outline")]
        words = [f"{n} {name}{'es' if name == 'box' and n > 1 else 's' if n > 1 else ''}" for n, name in parts if n]
        return ", ".join(words) if words else "nothing drawn"

    @property
    def ignored(self) -> int:
        """Points and boxes left out because an outline makes the prompt a mask."""
        return (self.positive + self.negative + self.boxes) if self.outlines else 0


#: Width in CSS pixels of the Prompt page's drawing column in a 1,400 px wide browser with the
#: sidebar open (3 of 5 parts of the wide layout's main area, less the gap): a canvas wider
#: than this is cut off at the column's edge (a 720 px canvas lost 26 % of a wide image).
PROMPT_COLUMN_PX = 520
#: Tallest prompt canvas: a portrait frame keeps the whole image in view without scrolling.
PROMPT_MAX_HEIGHT = 640


def prompt_canvas_size(image_shape: tuple[int, int],
                       window: tuple[int, int, int, int] | None = None) -> tuple[int, int]:
    """(width, height) of the Prompt page's canvas for an (H, W) image, or for its zoom ``window``:
    as large as fits the drawing column (:data:`PROMPT_COLUMN_PX`) and :data:`PROMPT_MAX_HEIGHT`."""
    shown = image_shape if window is None else (window[3], window[2])
    return canvas_size(shown, PROMPT_COLUMN_PX, PROMPT_MAX_HEIGHT)


def zoom_window(image_shape: tuple[int, int], zoom: float, centre: tuple[float, float]) -> tuple[int, int, int, int]:
    """(col, row, width, height) of the part of an (H, W) image shown ``zoom`` times larger, centred
    on ``centre`` (x, y as fractions of the width and height) and kept inside the image."""
    h, w = image_shape
    ww, wh = max(1, round(w / zoom)), max(1, round(h / zoom))
    col = int(np.clip(round(centre[0] * w - ww / 2), 0, w - ww))
    row = int(np.clip(round(centre[1] * h - wh / 2), 0, h - wh))
    return col, row, ww, wh


def canvas_size(image_shape: tuple[int, int], max_width: int = 720, max_height: int = 560) -> tuple[int, int]:
    """(width, height) of a canvas showing an (H, W) image whole, aspect kept, as large as allowed."""
    h, w = image_shape
    scale = min(max_width / w, max_height / h)
    return max(1, int(round(w * scale))), max(1, int(round(h * scale)))


def summarize(json_data: dict | None) -> CanvasSummary:
    """Count the points, boxes and outlines of a canvas drawing (its Fabric JSON)."""
    out = CanvasSummary()
    for obj in _objects(json_data):
        kind = obj.get("type", "")
        if kind == "Circle":
            if _is_negative(obj):
                out.negative += 1
            else:
                out.positive += 1
        elif kind in ("Rect", "LabeledRect"):
            out.boxes += 1
        elif kind in ("Polygon", "Path"):
            out.outlines += 1
    return out


def canvas_to_prompt(json_data: dict | None, scale: CanvasScale, frame: int,
                     object_id: int = 1) -> Prompt | None:
    """The prompt a drawing describes, in image (grid) pixels, or None when it is empty.

    Parameters
    ----------
    json_data : dict
        ``CanvasResult.json_data`` (Fabric JSON with an ``objects`` list).
    scale : CanvasScale
        Canvas and image sizes.
    frame, object_id : int
        Where the prompt applies.
    """
    points, labels, box, shapes = [], [], None, []
    for obj in _objects(json_data):
        kind = obj.get("type", "")
        if kind == "Circle":
            cx, cy = _center(obj)
            points.append(_clip_point(scale.ox + cx * scale.sx, scale.oy + cy * scale.sy, scale.image))
            labels.append(0 if _is_negative(obj) else 1)
        elif kind in ("Rect", "LabeledRect"):
            box = _rect_box(obj, scale)
        elif kind == "Polygon":
            poly = _polygon(obj, scale)
            if poly is not None:
                shapes.append(poly)
        elif kind == "Path":
            stroke = _path_stroke(obj, scale)
            if stroke is not None:
                shapes.append(stroke)
    if shapes:
        mask = rasterize([(g, 1) for g in shapes], out_shape=scale.image, fill=0, dtype="uint8",
                         all_touched=False).astype(bool)
        if not mask.any():  # a sliver thinner than a pixel: keep the pixels it touches
            mask = rasterize([(g, 1) for g in shapes], out_shape=scale.image, fill=0, dtype="uint8",
                             all_touched=True).astype(bool)
        return Prompt(frame, object_id, mask=mask) if mask.any() else None
    if not points and box is None:
        return None
    return Prompt(frame, object_id, np.array(points, np.float32).reshape(-1, 2),
                  np.array(labels, np.int32), box)


def prompt_to_drawing(prompt: Prompt | None, scale: CanvasScale, stroke_width: int = 3,
                      point_radius: int = 5) -> dict:
    """An ``initial_drawing`` that shows a saved prompt's points and box on the canvas again.

    Masks are not turned back into shapes (show them as an overlay on the image instead).
    """
    objects: list[dict] = []
    if prompt is None:
        return {"objects": objects}
    if prompt.box is not None:
        x0, y0, x1, y1 = prompt.box
        objects.append({"type": "Rect", "left": (x0 - scale.ox) / scale.sx, "top": (y0 - scale.oy) / scale.sy,
                        "width": (x1 - x0) / scale.sx, "height": (y1 - y0) / scale.sy,
                        "originX": "left", "originY": "top", "scaleX": 1, "scaleY": 1, "angle": 0,
                        "stroke": BOX_COLOR, "strokeWidth": stroke_width, "fill": "rgba(0,0,0,0)",
                        "strokeUniform": True})
    for (x, y), label in zip(prompt.points, prompt.labels):
        color = POSITIVE_COLOR if label else NEGATIVE_COLOR
        objects.append({"type": "Circle", "left": (float(x) - scale.ox) / scale.sx,
                        "top": (float(y) - scale.oy) / scale.sy,
                        "originX": "center", "originY": "center", "radius": point_radius,
                        "scaleX": 1, "scaleY": 1, "angle": 0, "stroke": color, "strokeWidth": stroke_width,
                        "fill": color})
    return {"objects": objects}


# -- Fabric geometry ---------------------------------------------------------------
def _objects(json_data: dict | None) -> list[dict]:
    if not isinstance(json_data, dict):
        return []
    objs = json_data.get("objects") or []
    return [o for o in objs if isinstance(o, dict)]


def _is_negative(obj: dict) -> bool:
    colors = {str(obj.get("fill", "")).lower(), str(obj.get("stroke", "")).lower()}
    return NEGATIVE_COLOR in colors


def _num(obj: dict, key: str, default: float = 0.0) -> float:
    try:
        value = float(obj.get(key, default))
    except (TypeError, ValueError):
        return default
    return value if np.isfinite(value) else default


def _outer_size(obj: dict, width: float, height: float) -> tuple[float, float]:
    """Fabric's transformed size: the shape plus its stroke (unscaled when strokeUniform)."""
    sx, sy, sw = _num(obj, "scaleX", 1.0), _num(obj, "scaleY", 1.0), _num(obj, "strokeWidth", 0.0)
    if obj.get("strokeUniform"):
        return width * sx + sw, height * sy + sw
    return (width + sw) * sx, (height + sw) * sy


def _center(obj: dict) -> tuple[float, float]:
    """Canvas position of the object's centre, whatever its origin."""
    width, height = _num(obj, "width"), _num(obj, "height")
    if obj.get("type") == "Circle" and not width:
        width = height = 2 * _num(obj, "radius")
    ow, oh = _outer_size(obj, width, height)
    ox = _ORIGIN.get(str(obj.get("originX", _FABRIC_DEFAULT_ORIGIN)), 0.5)
    oy = _ORIGIN.get(str(obj.get("originY", _FABRIC_DEFAULT_ORIGIN)), 0.5)
    return _num(obj, "left") + (0.5 - ox) * ow, _num(obj, "top") + (0.5 - oy) * oh


def _rect_box(obj: dict, scale: CanvasScale) -> tuple[float, float, float, float]:
    """The rectangle's inner edges, as the mouse drew them, in image pixels (clipped to the image)."""
    w = _num(obj, "width") * _num(obj, "scaleX", 1.0)
    h = _num(obj, "height") * _num(obj, "scaleY", 1.0)
    ow, oh = _outer_size(obj, _num(obj, "width"), _num(obj, "height"))
    cx, cy = _center(obj)
    x0, y0 = cx - ow / 2, cy - oh / 2  # the rect tool puts the mouse-down point at the outer corner
    hgt, wid = scale.image
    ox, oy = scale.ox, scale.oy
    return (float(np.clip(ox + x0 * scale.sx, 0, wid)), float(np.clip(oy + y0 * scale.sy, 0, hgt)),
            float(np.clip(ox + (x0 + w) * scale.sx, 0, wid)), float(np.clip(oy + (y0 + h) * scale.sy, 0, hgt)))


def _to_canvas(obj: dict, local: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Fabric path/polygon coordinates to canvas pixels: (p - pathOffset) * scale, rotated, + centre."""
    sx, sy = _num(obj, "scaleX", 1.0), _num(obj, "scaleY", 1.0)
    pts = (local - offset) * np.array([sx, sy])
    angle = np.deg2rad(_num(obj, "angle"))
    if angle:
        c, s = np.cos(angle), np.sin(angle)
        pts = pts @ np.array([[c, s], [-s, c]])
    return pts + np.array(_center(obj))


def _polygon(obj: dict, scale: CanvasScale) -> Polygon | None:
    raw = obj.get("points") or []
    pts = np.array([[_num(p, "x"), _num(p, "y")] for p in raw if isinstance(p, dict)], float).reshape(-1, 2)
    if len(pts) < 3:
        return None
    offset = (pts.min(axis=0) + pts.max(axis=0)) / 2  # Fabric's pathOffset: centre of the points' box
    canvas = _to_canvas(obj, pts, offset)
    poly = Polygon(canvas * np.array([scale.sx, scale.sy]) + np.array([scale.ox, scale.oy])).buffer(0)
    return None if poly.is_empty else poly


def _path_stroke(obj: dict, scale: CanvasScale):
    """A freehand stroke as a band as wide as the brush, in image pixels."""
    pts = []
    for cmd in obj.get("path") or []:
        if not isinstance(cmd, (list, tuple)) or len(cmd) < 3:
            continue
        nums = [float(v) for v in cmd[1:] if isinstance(v, (int, float))]
        pts.extend(zip(nums[0::2], nums[1::2]))  # control and end points alike: fine at brush scale
    if not pts:
        return None
    pts = np.array(pts, float)
    offset = (pts.min(axis=0) + pts.max(axis=0)) / 2
    canvas = _to_canvas(obj, pts, offset) * np.array([scale.sx, scale.sy]) + np.array([scale.ox, scale.oy])
    radius = max(0.5, _num(obj, "strokeWidth", 1.0) * (scale.sx + scale.sy) / 4)
    line = LineString(canvas) if len(canvas) > 1 else LineString([canvas[0], canvas[0] + 1e-6])
    return line.buffer(radius)


def _clip_point(x: float, y: float, image: tuple[int, int]) -> tuple[float, float]:
    h, w = image
    return float(np.clip(x, 0, w - 1e-3)), float(np.clip(y, 0, h - 1e-3))


def pixel_box_to_bounds(box: tuple[float, float, float, float], transform) -> tuple[float, float, float, float]:
    """A box (x0, y0, x1, y1) in grid pixels as (left, bottom, right, top) in the grid's CRS.

    ``transform`` is the grid's affine transform (north-up or not, the box's corners decide).
    """
    x0, y0, x1, y1 = box
    corners = [transform @ (x, y) for x in (x0, x1) for y in (y0, y1)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def same_prompt(a: Prompt | None, b: Prompt | None, tol: float = 0.5) -> bool:
    """True when two prompts say the same thing to within ``tol`` pixels (a canvas round trip
    moves coordinates by a fraction of a pixel)."""
    if a is None or b is None:
        return a is b
    if (a.frame, a.object_id, a.kind) != (b.frame, b.object_id, b.kind):
        return False
    if a.points.shape != b.points.shape or not np.array_equal(a.labels, b.labels):
        return False
    if len(a.points) and np.abs(a.points - b.points).max() > tol:
        return False
    if (a.box is None) != (b.box is None) or (a.box is not None and
                                              np.abs(np.subtract(a.box, b.box)).max() > tol):
        return False
    if a.mask is not None:
        return b.mask is not None and a.mask.shape == b.mask.shape and np.array_equal(a.mask, b.mask)
    return True
