"""Limits checked before any heavy work, each refused with one sentence (InputError).

Every check takes the :class:`tracking.hosting.settings.Limits` to apply, or reads the
server's (:func:`tracking.hosting.settings.current`) when given None. The checks only look
at sizes, counts and file headers, never at pixels:

- :func:`screen_uploads`: a batch of uploaded files (sizes, scene count, headers, disk);
- :func:`check_outline_upload`: an uploaded outline (prompt) file, zipped or not;
- :func:`check_archive_upload`: any other upload (a reference) against the project's disk;
- :func:`check_scene_header`: the width and height a GeoTIFF, PNG or JPEG declares;
- :func:`check_scene_count`, :func:`check_grid`, :func:`check_frames`, :func:`check_disk`.
"""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Sequence

from tracking.core.errors import InputError
from tracking.hosting.settings import Limits
from tracking.ingest.sources import SCENE_SUFFIXES, ignored

#: Leading bytes of each scene format, and the GDAL driver that reads it.
SCENE_MAGIC = (
    (b"II*\x00", "GTiff"), (b"MM\x00*", "GTiff"), (b"II+\x00", "GTiff"), (b"MM\x00+", "GTiff"),
    (b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"),
)
_HEADER_BYTES = 1 << 20  # far more than any header we parse needs


def _limits(limits: Limits | None) -> Limits:
    if limits is not None:
        return limits
    from tracking.hosting.settings import current

    return current().limits


def mb(n_bytes: float) -> str:
    """Bytes as a short figure for messages ("20 kB", "1.5 MB", "200 MB")."""
    if n_bytes < 1_000_000:
        return f"{n_bytes / 1e3:.0f} kB"
    value = n_bytes / 1e6
    return f"{value:.1f} MB" if value < 10 else f"{value:,.0f} MB"


def megapixels(n: float) -> str:
    """A pixel count in words: "4.2 megapixels", or "120 megapixels" from ten on."""
    value = n / 1e6
    return f"{value:.1f} megapixels" if value < 10 else f"{value:,.0f} megapixels"


# -- uploads ---------------------------------------------------------------------------
def check_upload_size(name: str, size: int, limits: Limits | None = None) -> None:
    """Refuse one uploaded file larger than ``upload_mb``."""
    lim = _limits(limits)
    if size > lim.upload_bytes:
        raise InputError(f"{name} is {mb(size)}, more than the {mb(lim.upload_bytes)} allowed per file.")


def screen_uploads(project, files: Sequence[tuple[str, bytes]],
                   limits: Limits | None = None) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Screen a batch of uploads for ``project`` before anything is stored.

    files: (file name as the browser sent it, content). Returns (the files that may be
    stored, one sentence per file refused): a file over ``upload_mb``, or a scene whose
    header declares more than ``max_scene_pixels``. Raises
    InputError when the batch as a whole would take the project past
    ``upload_total_mb``, ``max_scenes`` or ``project_disk_mb`` (zip archives count the
    scenes they list and the bytes they declare unpacked). A file named like an
    earlier upload replaces it, so the earlier one is not counted.
    """
    lim = _limits(limits)
    uploads = Path(project.root) / "uploads"
    existing = {p.name: p for p in uploads.iterdir() if p.is_file()} if uploads.is_dir() else {}
    kept, problems = [], []
    new_bytes = unpacked = new_scenes = 0
    for name, data in files:
        base = _base_name(name)
        try:
            scenes, declared = _screen_one(base, data, lim)
        except InputError as exc:
            problems.append(str(exc))
            continue
        kept.append((name, data))
        new_scenes += scenes
        unpacked += declared
        new_bytes += len(data)
        existing.pop(base, None)  # replaced by this upload
    kept_bytes = sum(p.stat().st_size for p in existing.values())
    if kept_bytes + new_bytes > lim.upload_total_bytes:
        raise InputError(f"These files would bring the project's uploads to {mb(kept_bytes + new_bytes)}, "
                         f"more than the {mb(lim.upload_total_bytes)} allowed.")
    kept_scenes = sum(_scenes_in(p) for p in existing.values())
    check_scene_count(kept_scenes + new_scenes, lim, what="With these files the project")
    check_disk(project, new_bytes + unpacked, lim)
    return kept, problems


def check_uploads(project, files: Sequence[tuple[str, bytes]], limits: Limits | None = None) -> None:
    """As :func:`screen_uploads`, but any refused file refuses the whole batch (InputError)."""
    _, problems = screen_uploads(project, files, limits)
    if problems:
        raise InputError(problems[0])


def _base_name(name: str) -> str:
    return PurePosixPath(str(name).replace("\\", "/")).name or str(name)


def _screen_one(base: str, data: bytes, lim: Limits) -> tuple[int, int]:
    """(scenes in one uploaded file, bytes a zip declares unpacked); InputError when refused."""
    check_upload_size(base, len(data), lim)
    suffix = Path(base).suffix.lower()
    if suffix in SCENE_SUFFIXES:
        check_scene_header_bytes(base, bytes(data[:_HEADER_BYTES]), lim)
        return 1, 0
    if suffix == ".zip":
        try:
            return zip_scene_summary(base, data)
        except InputError:  # unreadable: nothing can be extracted; the timeline reports it
            return 0, 0
    return 0, 0


def check_outline_upload(name: str, data: bytes, limits: Limits | None = None) -> None:
    """Refuse an uploaded outline (prompt) file over ``upload_mb``, or a zip declaring more unpacked.

    The zipped Shapefile reader holds its members in memory, and never reads more
    of a member than the archive declares, so the declared total bounds that memory.
    """
    lim = _limits(limits)
    base = _base_name(name)
    check_upload_size(base, len(data), lim)
    if Path(base).suffix.lower() != ".zip":
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            declared = sum(max(0, i.file_size) for i in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # the reader says it is damaged
    if declared > lim.upload_bytes:
        raise InputError(f"{base} would unpack to {mb(declared)}, more than the {mb(lim.upload_bytes)} "
                         f"allowed for an outline file.")


def check_archive_upload(project, name: str, data: bytes, limits: Limits | None = None) -> None:
    """Refuse an uploaded file (e.g. a reference zip of masks) over ``upload_mb``, or one whose
    size, plus what a zip declares unpacked, exceeds the disk ``project`` has left."""
    lim = _limits(limits)
    base = _base_name(name)
    check_upload_size(base, len(data), lim)
    unpacked = 0
    if Path(base).suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                unpacked = sum(max(0, i.file_size) for i in zf.infolist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            unpacked = 0  # the reader says it is damaged
    check_disk(project, len(data) + unpacked, lim)


def _scenes_in(path: Path) -> int:
    suffix = path.suffix.lower()
    if suffix in SCENE_SUFFIXES:
        return 1
    if suffix == ".zip":
        try:
            return zip_scene_summary(path.name, path)[0]
        except InputError:
            return 0
    return 0


def zip_scene_summary(name: str, data: bytes | Path) -> tuple[int, int]:
    """(scene entries listed, bytes every entry declares unpacked) from a zip's central directory.

    Nothing is decompressed. Extraction (:func:`tracking.ingest.sources.extract_zip`) never
    writes more than an entry declares, so the declared total bounds the disk it uses; it
    writes only the scenes and a dates manifest, but every entry counts here, so that no
    archive is accepted for more than the project may hold.
    """
    try:
        src: BinaryIO | Path = io.BytesIO(data) if isinstance(data, (bytes, bytearray, memoryview)) else data
        with zipfile.ZipFile(src) as zf:
            names = [(i, PurePosixPath(i.filename.replace("\\", "/"))) for i in zf.infolist() if not i.is_dir()]
            scenes = [i for i, p in names if p.suffix.lower() in SCENE_SUFFIXES and not ignored(p)]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise InputError(f"{name} is not a readable zip archive.") from None
    return len(scenes), sum(max(0, i.file_size) for i, _ in names)


# -- counts and sizes ------------------------------------------------------------------
def check_scene_count(n: int, limits: Limits | None = None, what: str = "The project") -> None:
    """Refuse (InputError) more than ``max_scenes`` scenes in ``what``."""
    lim = _limits(limits)
    if n > lim.max_scenes:
        raise InputError(f"{what} would hold {n} scenes, more than the {lim.max_scenes} allowed.")


def check_grid(width: int, height: int, limits: Limits | None = None) -> None:
    """Refuse an analysis grid (one frame) of more than ``max_grid_pixels``."""
    lim = _limits(limits)
    if int(width) * int(height) > lim.max_grid_pixels:
        raise InputError(f"The analysis grid would be {int(width):,} x {int(height):,} pixels, more than the "
                         f"{megapixels(lim.max_grid_pixels)} allowed; choose a smaller area of interest or a "
                         f"coarser resolution.")


def check_frames(n: int, limits: Limits | None = None) -> None:
    """Refuse a tracking run over more than ``max_frames`` frames."""
    lim = _limits(limits)
    if n > lim.max_frames:
        raise InputError(f"The series has {n} frames, more than the {lim.max_frames} one run may track; "
                         f"exclude some frames on the Scenes page.")


def check_disk(project, adding: int = 0, limits: Limits | None = None) -> None:
    """Refuse work that would take ``project``'s folder past ``project_disk_mb``."""
    lim = _limits(limits)
    used = project.disk_bytes()
    if used + adding > lim.project_disk_bytes:
        left = max(0, lim.project_disk_bytes - used)
        raise InputError(f"This needs {mb(adding)} of disk but the project has only {mb(left)} left "
                         f"of its {mb(lim.project_disk_bytes)}; remove some uploads or start a new project.")


# -- scene headers ---------------------------------------------------------------------
def check_scene_header(path: str | Path, limits: Limits | None = None) -> None:
    """Refuse a scene file whose header declares more than ``max_scene_pixels``, without reading pixels.

    GeoTIFF (classic and BigTIFF: the first image's width and length tags), PNG and
    JPEG (Pillow's header parsers, which decode nothing). Files of other kinds, or
    whose header cannot be parsed, pass: :func:`tracking.ingest.scenes.open_scene` judges them.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEADER_BYTES)
    except OSError:
        return
    check_scene_header_bytes(path.name, head, limits, path)


def check_scene_header_bytes(name: str, head: bytes, limits: Limits | None = None,
                             path: Path | None = None) -> None:
    """As :func:`check_scene_header`, on the file's first bytes (an upload not yet stored)."""
    lim = _limits(limits)
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
                data, offset = fh.read(_HEADER_BYTES), 0  # the IFD alone; its sizes are inline
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
