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
def tiff_header(width: int, height: int, bands: int = 3, big: bool = False) -> bytes:
    """A little-endian TIFF (or BigTIFF) with one IFD declaring ``width`` x ``height`` uint8 pixels.

    The single strip it points to holds 16 bytes, so any reader that trusts the header
    and allocates the whole image is the one at fault.
    """
    tags = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 2 if bands == 3 else 1),
            (273, 4, 0), (277, 3, bands), (278, 4, height), (279, 4, 16), (284, 3, 1)]
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
        for tag, typ, value in tags:
            value = data_at if tag == 273 else value
            ifd += struct.pack("<HHI", tag, typ, 1) + (struct.pack("<I", value) if typ == 4
                                                       else struct.pack("<H", value) + b"\x00\x00")
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
