"""Where the scenes come from: files, folders and zip archives, expanded into a file list.

Zip archives are extracted into a work folder with guards against entries that escape
it (``../x.tif``, absolute paths, links) and against zip bombs (see :class:`ExtractLimits`).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Sequence

from tracking.core.errors import InputError
from tracking.ingest.dates import is_date_manifest

SCENE_SUFFIXES = (".tif", ".tiff", ".png", ".jpg", ".jpeg")
# Files GDAL reads beside an image of the same name: world files (position and pixel size) and
# the .aux.xml (CRS, among others). They are kept next to their image, never opened as scenes.
SIDECAR_SUFFIXES = (".pgw", ".pngw", ".jgw", ".jpgw", ".jpegw", ".wld", ".tfw", ".tifw", ".aux.xml")
_CHUNK = 1 << 20
# One cleaned name part: a temporary ".<name>.<random>.part" beside it still fits the
# 255-byte file name limit of common file systems.
MAX_NAME = 120
_NAME_OK = re.compile(r"[^A-Za-z0-9._ -]+")
_SHOWN_OK = re.compile(r"[^A-Za-z0-9._ /-]+")


def clean_name(name: str, max_len: int = MAX_NAME) -> str:
    """One file name part with every character but letters, digits, ``._ -`` as "_", at most
    ``max_len`` characters; "" when nothing is left. A longer name keeps its suffix and both
    ends of its stem (a date may be at either end). Uploads and zip entries are stored under
    such names, and problem lines show no other (no Markdown, no paths)."""
    base = _NAME_OK.sub("_", str(name).replace("\x00", "")).strip(" ")
    if len(base) > max_len:
        stem, dot, ext = base.rpartition(".")
        if not (dot and 0 < len(ext) < 16 and stem):
            stem, dot, ext = base, "", ""
        room = max_len - len(dot + ext) - 1  # "_" joins the two ends
        base = stem[: room - room // 2] + "_" + stem[len(stem) - room // 2:] + dot + ext
    return base


def shown_name(name: str) -> str:
    """An archive entry's name as problem lines show it: cleaned like :func:`clean_name`
    (folders kept), at most 2 * MAX_NAME characters."""
    text = _SHOWN_OK.sub("_", str(name).replace("\\", "/"))
    return text if len(text) <= 2 * MAX_NAME else text[: 2 * MAX_NAME - 1] + "…"


def name_list(names: Sequence[str], shown: int = 3) -> str:
    """"a, b, c" or "a, b, c and 9,995 more": a long list of names in one line."""
    head = ", ".join(names[:shown])
    return head if len(names) <= shown else f"{head} and {len(names) - shown:,} more"


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


def is_sidecar(path: Path | PurePosixPath | str) -> bool:
    """A world file or .aux.xml, read by GDAL beside its image (see SIDECAR_SUFFIXES)."""
    return str(getattr(path, "name", path)).lower().endswith(SIDECAR_SUFFIXES)


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
            listing.problems.append(f"{shown_name(source.name)} does not exist.")
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
        names = ", ".join(shown_name(Path(s).name) for s in inputs) or "the input"
        detail = f": {' '.join(listing.problems)}" if listing.problems else "."
        raise InputError(f"No scenes found in {names}{detail}")
    return listing


def _walk(folder: Path, problems: list[str]) -> list[Path]:
    found: list[Path] = []

    def on_error(exc: OSError) -> None:
        problems.append(f"{shown_name(Path(str(exc.filename)).name)} could not be read ({_reason(exc)}).")

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
    """Extract the scenes and the first dates manifest of ``archive`` into ``target``; return their paths.

    Entries are stored under cleaned names (:func:`clean_name` for each folder and file;
    two that clean alike are told apart by a number, and said so). Other files and zips
    inside the zip are left in it, with one line each kind in ``problems``. Unsafe or
    oversized entries are skipped with a line; a corrupt archive gives one line and
    whatever was extracted before the damage.
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
    """Why ``exc`` happened, in words, without the server path an OSError's text carries."""
    if isinstance(exc, OSError):
        return str(exc.strerror or type(exc).__name__).rstrip(".")
    return str(exc).rstrip(".") or type(exc).__name__


@dataclass
class _Tally:
    """What one archive has written so far, against its limits."""

    left: int  # uncompressed bytes still allowed
    written: int = 0
    compressed: int = 0
    stop: bool = False


@dataclass
class _Plan:
    """What an archive's entries become before anything is written.

    keep: (entry, cleaned path relative to the extraction folder) of the scenes and the
    first dates manifest; not_used, nested: shown names of the other files and archives.
    """

    keep: list[tuple[zipfile.ZipInfo, PurePosixPath]] = field(default_factory=list)
    not_used: list[str] = field(default_factory=list)
    nested: list[str] = field(default_factory=list)


def _plan(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], archive: Path, problems: list[str]) -> _Plan:
    """Choose the entries to extract (scenes and one dates manifest) under cleaned, unique names."""
    plan, taken, manifest = _Plan(), set(), False
    for info in infos:
        if info.is_dir():
            continue
        rel = _safe_relative(info)
        if rel is None:
            problems.append(f"{archive.name}: entry '{shown_name(info.filename)}' points outside the archive "
                            f"folder and was skipped.")
            continue
        suffix = rel.suffix.lower()
        if is_sidecar(rel) and not any(p.startswith(".") or p == "__MACOSX" for p in rel.parts):
            plan.keep.append((info, _unique_name(PurePosixPath(*[clean_name(p) or "_" for p in rel.parts]), taken)))
            continue
        if ignored(rel):
            continue
        if suffix == ".zip":
            plan.nested.append(shown_name(rel.name))
            continue
        if suffix not in SCENE_SUFFIXES and not (suffix == ".csv" and not manifest and _is_manifest(zf, info)):
            plan.not_used.append(shown_name(rel.name))
            continue
        manifest = manifest or suffix == ".csv"
        clean = _unique_name(PurePosixPath(*[clean_name(p) or "_" for p in rel.parts]), taken)
        if clean.name != clean_name(rel.name):
            problems.append(f"{archive.name}: entry '{shown_name(info.filename)}' has the same name as another "
                            f"entry once odd characters are replaced; it was kept as {clean.name}.")
        plan.keep.append((info, clean))
    return plan


def _is_manifest(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    try:
        with zf.open(info) as fh:
            return is_date_manifest(fh)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
        return False


def _unique_name(rel: PurePosixPath, taken: set[str]) -> PurePosixPath:
    """``rel``, or ``stem_2.ext``, ``stem_3.ext``... when another entry already took it (any case)."""
    out, n = rel, 1
    while str(out).lower() in taken:
        n += 1
        out = rel.with_name(f"{rel.stem}_{n}{rel.suffix}")
    taken.add(str(out).lower())
    return out


def _left_out(plan: _Plan, archive: Path) -> list[str]:
    """One line for the archives inside the archive and one for the other files, however many."""
    lines = []
    if plan.nested:
        n = len(plan.nested)
        lines.append(f"{archive.name}: {name_list(plan.nested)} {'is a zip' if n == 1 else 'are zips'} inside "
                     f"the archive and {'was' if n == 1 else 'were'} not opened; unzip "
                     f"{'it' if n == 1 else 'them'} and upload the scenes inside.")
    if plan.not_used:
        n = len(plan.not_used)
        lines.append(f"{archive.name}: {n:,} file{'' if n == 1 else 's'} {'is' if n == 1 else 'are'} not "
                     f"{'a scene' if n == 1 else 'scenes'} or a dates manifest and {'was' if n == 1 else 'were'} "
                     f"not used ({name_list(plan.not_used)}).")
    return lines


def _extract_entries(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], archive: Path,
                     target: Path, limits: ExtractLimits, problems: list[str]) -> list[Path]:
    root = Path(os.path.abspath(target))
    tally = _Tally(left=limits.max_total_bytes)
    out: list[Path] = []
    plan = _plan(zf, infos, archive, problems)
    problems.extend(_left_out(plan, archive))
    for info, rel in plan.keep:
        dest = root.joinpath(*rel.parts)
        if not os.path.abspath(dest).startswith(str(root) + os.sep):
            problems.append(f"{archive.name}: entry '{shown_name(info.filename)}' was skipped (unsafe path).")
            continue
        error = _extract_one(zf, info, dest, limits, tally)
        if error is None and (error := _check_overall(limits, tally)):
            dest.unlink()
        if error:
            problems.append(f"{archive.name}: entry '{shown_name(info.filename)}' {error}")
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
    written, error, tmp = 0, None, ""
    try:  # a folder or name the file system refuses loses this entry, not the archive
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
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
        if tmp and os.path.exists(tmp):
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
