"""What a scene file's first bytes say: its format and the size it declares.

Read before GDAL opens a file, so that a header declaring a huge image is refused
(``max_scene_pixels`` of the server's limits) without decoding a pixel. GeoTIFF
(classic and BigTIFF), PNG and JPEG.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

from tracking.core.errors import InputError
from tracking.core.settings import Limits, limits_or_current

#: Leading bytes of each scene format, and the GDAL driver that reads it.
SCENE_MAGIC = (
    (b"II*\x00", "GTiff"), (b"MM\x00*", "GTiff"), (b"II+\x00", "GTiff"), (b"MM\x00+", "GTiff"),
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"),
)
HEADER_BYTES = 1 << 20  # far more than any header we parse needs


def megapixels(n: float) -> str:
    """A pixel count in words: "4.2 megapixels", or "120 megapixels" from ten on."""
    value = n / 1e6
    return f"{value:.1f} megapixels" if value < 10 else f"{value:,.0f} megapixels"


def check_scene_header(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a scene file whose header declares more than ``max_scene_pixels``, without reading pixels.

    GeoTIFF (classic and BigTIFF: the first image's width and length tags), PNG and
    JPEG (Pillow's header parsers, which decode nothing). Files of other kinds, or
    whose header cannot be parsed, pass: :func:`tracking.ingest.scenes.open_scene` judges them.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEADER_BYTES)
    except OSError:
        return
    check_scene_header_bytes(path.name, head, limits, path)


def check_scene_header_bytes(name: str, head: bytes, limits: Limits | None = None,
                             path: Path | None = None) -> None:
    """As :func:`check_scene_header`, on the file's first bytes (an upload not yet stored)."""
    lim = limits_or_current(limits)
    size = declared_size(head, path)
    if size is None:
        return
    width, height = size
    if width <= 0 or height <= 0:
        raise InputError(f"{name} declares a size of {width:,} x {height:,} pixels; it is not a readable scene.")
    if width * height > lim.max_scene_pixels:
        raise InputError(f"{name} declares {width:,} x {height:,} pixels ({megapixels(width * height)}), "
                         f"more than the {megapixels(lim.max_scene_pixels)} allowed per scene.")


def scene_driver(head: bytes) -> str | None:
    """The GDAL driver ("GTiff", "PNG" or "JPEG") for a file's leading bytes, or None."""
    for magic, driver in SCENE_MAGIC:
        if head.startswith(magic):
            return driver
    return None


def declared_size(head: bytes, path: Path | None = None) -> tuple[int, int] | None:
    """(width, height) a TIFF, PNG or JPEG header declares, or None when it is none of them."""
    driver = scene_driver(head)
    if driver == "GTiff":
        return _tiff_size(head, path)
    if driver is not None:
        return _pillow_size(head, path, driver)
    return None


def _pillow_size(head: bytes, path: Path | None, driver: str) -> tuple[int, int] | None:
    """Width and height from Pillow's PNG or JPEG plugin, which parses headers only.

    The plugin classes are used directly so Pillow's own decompression-bomb guard
    (whose threshold is process-wide) does not stand in for this project's limit.
    """
    from PIL import JpegImagePlugin, PngImagePlugin

    cls = PngImagePlugin.PngImageFile if driver == "PNG" else JpegImagePlugin.JpegImageFile
    sources = [io.BytesIO(head)] + ([path] if path is not None else [])
    for src in sources:  # a JPEG's frame header may lie past the first bytes (large EXIF blocks)
        try:
            with cls(src) as im:
                return int(im.size[0]), int(im.size[1])
        except (OSError, SyntaxError, ValueError, struct.error, EOFError):
            continue
    return None


# SHORT, LONG, LONG8 and the signed SSHORT, SLONG, SLONG8, all of which libtiff and GDAL accept
# for the image size.
_TIFF_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8), 8: ("h", 2), 9: ("i", 4), 17: ("q", 8)}


def _tiff_size(head: bytes, path: Path | None) -> tuple[int, int] | None:
    """ImageWidth (256) and ImageLength (257) of the first IFD of a classic or Big TIFF."""
    data = head
    end = "<" if data[:2] == b"II" else ">"
    try:
        big = struct.unpack(end + "H", data[2:4])[0] == 43
        offset = struct.unpack(end + ("Q" if big else "I"), data[8:16] if big else data[4:8])[0]
        if offset + 16 > len(data) and path is not None:  # IFD stored after the first bytes
            with open(path, "rb") as fh:
                fh.seek(offset)
                data, offset = fh.read(HEADER_BYTES), 0  # the IFD alone; its sizes are inline
        count_fmt, entry_size, count_size = ("Q", 20, 8) if big else ("H", 12, 2)
        (count,) = struct.unpack(end + count_fmt, data[offset:offset + count_size])
        tags = {}
        for k in range(min(count, 4096)):
            at = offset + count_size + k * entry_size
            tag, typ = struct.unpack(end + "HH", data[at:at + 4])
            if tag in (256, 257) and typ in _TIFF_TYPES:
                fmt, _ = _TIFF_TYPES[typ]
                value_at = at + (12 if big else 8)
                tags[tag] = struct.unpack(end + fmt, data[value_at:value_at + struct.calcsize(fmt)])[0]
    except struct.error:
        return None
    if 256 in tags and 257 in tags:
        return int(tags[256]), int(tags[257])
    return None
