"""``evolution.gif``: one frame per date with the scar outline, a translucent fill and the date."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from tracking.core.atomic import write_bytes
from tracking.core.frames import Frames
from tracking.core.track import Provenance, Track
from tracking.render.overlay import outline

#: Outline colours by object id (cycled): red, cyan, yellow, magenta, lime, orange.
OBJECT_COLORS = ((230, 40, 40), (0, 210, 230), (250, 220, 0), (230, 0, 200), (90, 230, 60), (255, 140, 0))
FILL_ALPHA = 0.3


def _target_size(h: int, w: int, min_long: int, max_long: int) -> tuple[int, int]:
    """(width, height) scaled so the long side lies in [min_long, max_long] (integer upscaling)."""
    long_side = max(h, w)
    if long_side < min_long:
        f = int(np.ceil(min_long / long_side))
        f = max(1, min(f, max_long // long_side))
        return (w * f, h * f)
    if long_side > max_long:
        f = max_long / long_side
        return (max(1, round(w * f)), max(1, round(h * f)))
    return (w, h)


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow without FreeType: fixed bitmap font
        return ImageFont.load_default()


def render_frame(image: np.ndarray, masks: dict[int, np.ndarray], label: str,
                 size: tuple[int, int]) -> Image.Image:
    """One GIF frame (RGB): ``image`` (H, W, 3) uint8 resized to ``size`` (width, height),
    each object's mask (H, W) bool filled translucently and outlined, ``label`` stamped top left."""
    w, h = size
    upscale = w >= image.shape[1]
    base = Image.fromarray(image).resize(size, Image.NEAREST if upscale else Image.BILINEAR)
    rgb = np.asarray(base, dtype=np.float32).copy()
    thickness = max(1, round(w / 360))
    for oid, mask in sorted(masks.items()):
        m = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.NEAREST)) > 0
        if not m.any():
            continue
        color = np.array(OBJECT_COLORS[(oid - 1) % len(OBJECT_COLORS)], np.float32)
        rgb[m] = (1 - FILL_ALPHA) * rgb[m] + FILL_ALPHA * color
        rgb[outline(m, thickness)] = color
    frame = Image.fromarray(rgb.clip(0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(frame)
    font = _font(max(12, h // 20))
    x0, y0, x1, y1 = draw.textbbox((6, 6), label, font=font)
    draw.rectangle((x0 - 4, y0 - 3, x1 + 4, y1 + 3), fill=(0, 0, 0))
    draw.text((6, 6), label, fill=(255, 255, 255), font=font)
    return frame


def evolution_gif(frames: Frames, track: Track, duration_ms: int = 800,
                  min_long: int = 480, max_long: int = 800) -> bytes:
    """GIF bytes: every frame in date order with its outlines and date (and provenance when not propagated)."""
    n, h, w = frames.images.shape[:3]
    size = _target_size(h, w, min_long, max_long)
    pictures = []
    for i in range(n):
        masks = {oid: obj.masks[i] for oid, obj in track.objects.items()}
        label = frames.dates[i].isoformat()
        kinds = {obj.provenance[i] for obj in track.objects.values()} - {Provenance.PROPAGATED, Provenance.NONE}
        if kinds:
            label += " (" + ", ".join(sorted(k.value for k in kinds)) + ")"
        pictures.append(render_frame(frames.images[i], masks, label, size))
    buf = io.BytesIO()
    palette = [p.convert("P", palette=Image.ADAPTIVE, colors=255) for p in pictures]
    palette[0].save(buf, format="GIF", save_all=True, append_images=palette[1:],
                    duration=duration_ms, loop=0, disposal=1)
    return buf.getvalue()


def write_evolution_gif(path: str | Path, frames: Frames, track: Track) -> Path:
    """Write ``evolution_gif(frames, track)`` to ``path`` atomically."""
    write_bytes(path, evolution_gif(frames, track))
    return Path(path)
