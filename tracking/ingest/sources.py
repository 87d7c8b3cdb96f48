"""Where the scenes come from: files, folders and zip archives, expanded into a file list.

Zip archives are extracted into a work folder with guards against entries that escape
it (``../x.tif``, absolute paths, links) and against zip bombs (see :class:`ExtractLimits`).
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Sequence

from tracking.ingest.dates import is_date_manifest
from tracking.core.errors import InputError

SCENE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")
_KEPT_IN_ZIPS = SCENE_SUFFIXES + (".csv",)  # archives inside archives are not opened
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ExtractLimits:
    """Guards for zip extraction.

    max_total_bytes: uncompressed bytes one archive may write in all.
    max_ratio: largest uncompressed / compressed size of one entry, and of the archive
        as a whole; checked once more than ``ratio_floor_bytes`` have been written
        (small files are harmless).
    max_entries: number of entries an archive may list.
    """

    max_total_bytes: int = 16 * 1024**3
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 8 * 1024**2
    max_entries: int = 10_000


@dataclass
class SourceListing:
    """Scene files found in the inputs, the date manifest if any, and one line per problem."""

    files: list[Path]
    manifest: Path | None
    problems: list[str] = field(default_factory=list)


def ignored(path: Path | PurePosixPath) -> bool:
    """Hidden files, macOS resource forks and GDAL side-car files are never scenes."""
    parts = path.parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts) or path.name.endswith(".aux.xml")


def collect_sources(inputs: Sequence[Path], workdir: Path,
                    limits: ExtractLimits = ExtractLimits()) -> SourceListing:
    """Expand files, folders (recursively) and zip archives into scene files.

    Zip archives are extracted under ``workdir``; nothing is written anywhere else.
    Raises InputError when no scene file is found at all.
    """
    listing = SourceListing(files=[], manifest=None)
    manifests: list[Path] = []
    used_dirs: set[str] = set()
    for source in inputs:
        source = Path(source)
        if not source.exists():
            listing.problems.append(f"{source} does not exist.")
        elif source.is_dir():
            for path in _walk(source, listing.problems):
                _add(path, listing, manifests, workdir, limits, used_dirs)
        else:
            _add(source, listing, manifests, workdir, limits, used_dirs)
    listing.files = _unique(listing.files)
    if manifests:
        listing.manifest = manifests[0]
        for other in manifests[1:]:
            listing.problems.append(f"{other.name} ignored: only one dates manifest is used "
                                    f"({manifests[0].name}).")
    if not listing.files:
        names = ", ".join(str(Path(s)) for s in inputs) or "the input"
        detail = f": {' '.join(listing.problems)}" if listing.problems else "."
        raise InputError(f"No scenes found in {names}{detail}")
    return listing


def _walk(folder: Path, problems: list[str]) -> list[Path]:
    found: list[Path] = []

    def on_error(exc: OSError) -> None:
        problems.append(f"{exc.filename} could not be read ({exc.strerror}).")

    for root, dirs, files in os.walk(folder, onerror=on_error):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__MACOSX")
        found.extend(Path(root) / f for f in sorted(files))
    return found


def _add(path: Path, listing: SourceListing, manifests: list[Path], workdir: Path,
         limits: ExtractLimits, used_dirs: set[str]) -> None:
    if ignored(PurePosixPath(path.name)):
        return
    suffix = path.suffix.lower()
    if suffix in SCENE_SUFFIXES:
        listing.files.append(path)
    elif suffix == ".csv":
        if is_date_manifest(path):
            manifests.append(path)
    elif suffix == ".zip":
        target = _unique_dir(workdir, path.stem, used_dirs)
        for extracted in extract_zip(path, target, limits, listing.problems):
            _add(extracted, listing, manifests, workdir, limits, used_dirs)


def _unique_dir(workdir: Path, stem: str, used: set[str]) -> Path:
    name, n = stem or "archive", 1
    while name in used:
        n += 1
        name = f"{stem}_{n}"
    used.add(name)
    return Path(workdir) / name


def _unique(paths: list[Path]) -> list[Path]:
    seen: set[Path] = set()
    out = []
    for p in paths:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def extract_zip(archive: Path, target: Path, limits: ExtractLimits = ExtractLimits(),
                problems: list[str] | None = None) -> list[Path]:
    """Extract the scene, CSV and zip entries of ``archive`` into ``target``; return their paths.

    Unsafe or oversized entries are skipped with a line in ``problems``; a corrupt archive
    gives one line and whatever was extracted before the damage.
    """
    problems = problems if problems is not None else []
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > limits.max_entries:
                problems.append(f"{archive.name} lists {len(infos)} entries (limit "
                                f"{limits.max_entries}); it was not extracted.")
                return []
            return _extract_entries(zf, infos, archive, target, limits, problems)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            RuntimeError, ValueError) as exc:
        problems.append(f"{archive.name} is not a readable zip archive ({_reason(exc)}).")
        return []


def _reason(exc: BaseException) -> str:
    return str(exc).rstrip(".") or type(exc).__name__


@dataclass
class _Tally:
    """What one archive has written so far, against its limits."""

    left: int  # uncompressed bytes still allowed
    written: int = 0
    compressed: int = 0
    stop: bool = False


def _extract_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], archive: Path,
                     target: Path, limits: ExtractLimits, problems: list[str]) -> list[Path]:
    root = Path(os.path.abspath(target))
    tally = _Tally(left=limits.max_total_bytes)
    out: list[Path] = []
    for info in infos:
        if info.is_dir():
            continue
        rel = _safe_relative(info)
        if rel is None:
            problems.append(f"{archive.name}: entry '{info.filename}' points outside the archive "
                            f"folder and was skipped.")
            continue
        if ignored(rel) or rel.suffix.lower() not in _KEPT_IN_ZIPS:
            continue
        dest = root.joinpath(*rel.parts)
        if not os.path.abspath(dest).startswith(str(root) + os.sep):
            problems.append(f"{archive.name}: entry '{info.filename}' was skipped (unsafe path).")
            continue
        error = _extract_one(zf, info, dest, limits, tally)
        if error is None and (error := _check_overall(limits, tally)):
            dest.unlink()
        if error:
            problems.append(f"{archive.name}: entry '{info.filename}' {error}")
            if tally.stop:
                break
            continue
        out.append(dest)
    return out


def _check_overall(limits: ExtractLimits, tally: _Tally) -> str | None:
    """Many small entries can add up to a bomb too: check the archive's overall ratio."""
    ratio_limit = limits.max_ratio * max(tally.compressed, 1)
    if tally.written > limits.ratio_floor_bytes and tally.written > ratio_limit:
        tally.stop = True
        return (f"brings the archive past {limits.max_ratio:g} times expansion (a zip bomb?); "
                f"extraction stopped.")
    return None


def _safe_relative(info: zipfile.ZipInfo) -> PurePosixPath | None:
    """The entry's path relative to the extraction folder, or None when it could escape."""
    name = info.filename.replace("\\", "/")
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode) or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return PurePosixPath(*parts)


def _extract_one(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path,
                 limits: ExtractLimits, tally: _Tally) -> str | None:
    """Stream one entry to ``dest`` (atomically); return why it was refused, or None."""
    if info.file_size > tally.left:
        tally.stop = True
        return "would exceed the archive size limit; extraction stopped."
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    written, error = 0, None
    try:
        with os.fdopen(fd, "wb") as out, zf.open(info) as src:
            while chunk := src.read(_CHUNK):
                written += len(chunk)
                out.write(chunk)
                error = _check_entry(info, written, limits, tally)
                if error:
                    break
        if error is None:
            os.replace(tmp, dest)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        error = f"is damaged ({_reason(exc)})."
    except OSError as exc:
        error = f"could not be written ({_reason(exc)})."
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    tally.left -= written
    if error is None:  # refused entries are deleted; only what stays counts for the ratio
        tally.written += written
        tally.compressed += info.compress_size
    return error


def _check_entry(info: zipfile.ZipInfo, written: int, limits: ExtractLimits, tally: _Tally) -> str | None:
    if written > tally.left:
        tally.stop = True
        return "would exceed the archive size limit; extraction stopped."
    if written > info.file_size:
        return "is larger than its header says (a zip bomb?); skipped."
    if written > limits.ratio_floor_bytes and written > limits.max_ratio * max(info.compress_size, 1):
        return f"expands more than {limits.max_ratio:g} times (a zip bomb?); skipped."
    return None
