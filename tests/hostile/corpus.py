"""Broken and hostile input files, generated (never committed) for the hostile-input tests.

Each function writes one case into a folder given by the test and returns its path.
The files are tiny: a "huge" raster is a header that lies about its size, a zip bomb
is a few kilobytes of deflated zeros.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


# -- rasters that lie about their size ---------------------------------------------------
def tiff_header(width: int, height: int, bands: int = 3, big: bool = False,
                size_type: int = 4) -> bytes:
    """A little-endian TIFF (or BigTIFF) with one IFD declaring ``width`` x ``height`` uint8 pixels.

    The single strip it points to holds 16 bytes, so any reader that trusts the header
    and allocates the whole image is the one at fault. ``size_type`` (classic TIFF only)
    is the field type of the two size tags: 3 SHORT, 4 LONG, 8 SSHORT or 9 SLONG.
    """
    tags = [(256, size_type, width), (257, size_type, height), (258, 3, 8), (259, 3, 1),
            (262, 3, 2 if bands == 3 else 1), (273, 4, 0), (277, 3, bands), (278, 4, abs(height)),
            (279, 4, 16), (284, 3, 1)]
    if big:
        head = b"II+\x00" + struct.pack("<HHQ", 8, 0, 16)
        ifd_at = 16
        ifd_size = 8 + 20 * len(tags) + 8
        data_at = ifd_at + ifd_size
        ifd = struct.pack("<Q", len(tags))
        for tag, typ, value in tags:
            value = data_at if tag == 273 else value
            typ = 16 if typ == 4 else typ
            ifd += struct.pack("<HHQ", tag, typ, 1) + (struct.pack("<Q", value) if typ == 16
                                                       else struct.pack("<H", value) + b"\x00" * 6)
        ifd += struct.pack("<Q", 0)
    else:
        head = b"II*\x00" + struct.pack("<I", 8)
        ifd_at = 8
        ifd_size = 2 + 12 * len(tags) + 4
        data_at = ifd_at + ifd_size
        ifd = struct.pack("<H", len(tags))
        packed = {3: "<H2x", 4: "<I", 8: "<h2x", 9: "<i"}
        for tag, typ, value in tags:
            value = data_at if tag == 273 else value
            ifd += struct.pack("<HHI", tag, typ, 1) + struct.pack(packed[typ], value)
        ifd += struct.pack("<I", 0)
    return head + ifd + b"\x7f" * 16


def png_header(width: int, height: int) -> bytes:
    """A PNG signature, an IHDR chunk declaring ``width`` x ``height`` RGB, a tiny IDAT and IEND."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b""))


def jpeg_header(width: int, height: int) -> bytes:
    """A real 8 x 8 JPEG whose frame header (SOF0) is patched to claim ``width`` x ``height``."""
    buf = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), 120, np.uint8)).save(buf, format="JPEG")
    data = bytearray(buf.getvalue())
    at = data.index(b"\xff\xc0")
    data[at + 5:at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


# -- zip archives --------------------------------------------------------------------------
def zip_bytes(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    """A deflated zip of ``entries`` ({name: content}); ``symlinks`` adds {name: target} link entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o120777 << 16)  # a symbolic link, as `zip --symlinks` stores it
            zf.writestr(info, target)
    return buf.getvalue()


def zip_slip(good: dict[str, bytes], payload: bytes) -> bytes:
    """``good`` entries plus entries that try to land outside the extraction folder."""
    evil = {"../../evil_20200301.tif": payload, "/tmp/evil_abs_20200302.tif": payload,
            "C:/evil_drive_20200303.tif": payload, "a/../../../evil_deep_20200304.tif": payload}
    return zip_bytes({**good, **evil}, symlinks={"link_20200305.tif": "/etc/passwd"})


def zip_bomb_by_ratio(good: dict[str, bytes], name: str = "bomb_20200401.tif", mb: int = 20) -> bytes:
    """``good`` entries plus ``mb`` MB of zeros that deflate about a thousand times."""
    return zip_bytes({**good, name: b"\x00" * (mb << 20)})


def zip_lying_about_size(name: str, real: int = 1 << 20, claimed: int = 1000) -> bytes:
    """A zip whose one entry holds ``real`` bytes of zeros while both its headers claim ``claimed``."""
    data = bytearray(zip_bytes({name: b"\x00" * real}))
    local = data.index(b"PK\x03\x04")
    data[local + 22:local + 26] = struct.pack("<I", claimed)
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", claimed)
    return bytes(data)


# -- files pretending to be images --------------------------------------------------------
def impostors(real_png: bytes) -> dict[str, bytes]:
    """{case: bytes}: files whose names say image and whose bytes do not."""
    return {
        "html_as_tif": b"<!doctype html><html><body>not an image</body></html>",
        "zip_as_png": zip_bytes({"a.txt": b"hello"}),
        "empty_tif": b"",
        "png_named_jpg_cut_short": real_png[: len(real_png) // 3],
        "tiff_magic_then_junk": b"II*\x00" + b"\xff" * 64,
        "exe_as_jpeg": b"MZ\x90\x00" + b"\x00" * 200,
    }


# -- vector prompt files --------------------------------------------------------------------
def geojson(features: list[dict], crs: str | None = None) -> bytes:
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(doc).encode()


def feature(geometry: dict, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def square(x0: float, y0: float, size: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size],
                                                [x0, y0 + size], [x0, y0]]]}


def shapefile_zip(members: dict[str, bytes]) -> bytes:
    return zip_bytes(members)


def real_shapefile_members(folder: Path, geometry, crs: str = "EPSG:32648") -> dict[str, bytes]:
    """The .shp/.shx/.dbf/.prj of one polygon written by geopandas, as {name: bytes}."""
    import geopandas as gpd

    folder.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame({"object": [1]}, geometry=[geometry], crs=crs).to_file(folder / "outline.shp")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def zip_declaring(entries: dict[str, bytes], declared: dict[str, int]) -> bytes:
    """A zip of ``entries`` whose headers (local and central) claim ``declared`` {name: bytes}
    unpacked sizes: a few bytes that promise gigabytes, without writing them anywhere."""
    data = bytearray(zip_bytes(entries))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        offsets = {i.filename: i.header_offset for i in zf.infolist()}
    at = data.index(b"PK\x01\x02")
    while at >= 0:  # each central directory record: its name follows 46 bytes of fields
        (length,) = struct.unpack("<H", data[at + 28:at + 30])
        name = data[at + 46:at + 46 + length].decode()
        if name in declared:
            data[at + 24:at + 28] = struct.pack("<I", declared[name])
            data[offsets[name] + 22:offsets[name] + 26] = struct.pack("<I", declared[name])
        at = data.find(b"PK\x01\x02", at + 46)
    return bytes(data)


def png_bytes(seed: int = 0, size: int = 24) -> bytes:
    """A real RGB PNG of ``size`` x ``size`` pixels (noise from ``seed``)."""
    buf = io.BytesIO()
    rgb = np.random.default_rng(seed).integers(0, 255, (size, size, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def many_points(n: int, x0: float, y0: float, span: float, crs: str | None = None) -> bytes:
    """A GeoJSON of ``n`` positive click points spread over a ``span`` square at (x0, y0)."""
    rng = np.random.default_rng(n)
    xy = rng.uniform(0, span, (n, 2))
    return geojson([feature({"type": "Point", "coordinates": [x0 + x, y0 + y]}, label=1) for x, y in xy], crs)
