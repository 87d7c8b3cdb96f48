"""Finding, listing and downloading SAM 2.1 checkpoints.

A checkpoint is looked for, in this order: an explicit path (``--checkpoint``),
the ``SAM2_CHECKPOINT`` environment variable, then the weights folder
(``$LANDSLIDE_SAM2_DIR``, else ``~/.cache/landslide-tracker/sam2``) under the
official file name. Downloads come only from Meta's address in
``sam2_models``, are checked for size and land atomically.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tracking.core.atomic import atomic_path
from tracking.core.errors import InputError
from tracking.core.stamps import file_stamp
from tracking.engines.sam2.models import MODELS, Sam2Model, get_model

ENV_CHECKPOINT = "SAM2_CHECKPOINT"
ENV_DIR = "LANDSLIDE_SAM2_DIR"
DEFAULT_DIR = Path("~/.cache/landslide-tracker/sam2")


def weights_dir() -> Path:
    """The folder that holds downloaded checkpoints."""
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR).expanduser()


def download_command(model: str | Sam2Model = "tiny") -> str:
    """The command line that downloads ``model``, for messages."""
    return f"python -m tracking weights download {get_model(model).name}"


def find_checkpoint(model: str | Sam2Model = "tiny", checkpoint: str | os.PathLike | None = None) -> Path | None:
    """The checkpoint to use, or None when none is present.

    An explicit ``checkpoint`` or ``$SAM2_CHECKPOINT`` that names a missing file is
    an error (the analyst asked for that file); a missing file in the weights
    folder just means "not downloaded yet".
    """
    spec = get_model(model)
    if checkpoint is not None and str(checkpoint) != "":
        path = Path(checkpoint).expanduser()
        if not path.is_file():
            raise InputError(f"The SAM2 checkpoint {path} does not exist.")
        return path
    env = os.environ.get(ENV_CHECKPOINT)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise InputError(f"The SAM2 checkpoint {path} named by ${ENV_CHECKPOINT} does not exist.")
        return path
    path = weights_dir() / spec.filename
    return path if path.is_file() else None


def require_checkpoint(model: str | Sam2Model = "tiny", checkpoint: str | os.PathLike | None = None) -> Path:
    """Like ``find_checkpoint`` but a missing checkpoint is an InputError naming the download command."""
    path = find_checkpoint(model, checkpoint)
    if path is None:
        spec = get_model(model)
        raise InputError(f"No SAM2 {spec.name} checkpoint ({spec.filename}) was found in {weights_dir()}; "
                         f"run `{download_command(spec)}` or pass --checkpoint.")
    return path


@dataclass
class WeightsEntry:
    """One model's checkpoint in the weights folder."""

    model: Sam2Model
    path: Path
    present: bool
    size_bytes: int | None

    @property
    def complete(self) -> bool:
        return self.present and self.size_bytes == self.model.size_bytes


def list_weights(directory: str | os.PathLike | None = None) -> list[WeightsEntry]:
    """Every known model with its expected path and whether it is there (and complete)."""
    folder = Path(directory).expanduser() if directory is not None else weights_dir()
    out = []
    for spec in MODELS.values():
        path = folder / spec.filename
        present = path.is_file()
        out.append(WeightsEntry(spec, path, present, path.stat().st_size if present else None))
    return out


def download(model: str | Sam2Model = "tiny", dest_dir: str | os.PathLike | None = None, progress: bool = True,
             force: bool = False, timeout: float = 60.0) -> Path:
    """Download the model's official checkpoint into ``dest_dir`` (default: the weights folder).

    The file is written beside its final name and moved there only once its size is
    exactly the expected one, so an interrupted or short download leaves nothing.
    A complete file already present is kept unless ``force``.
    """
    spec = get_model(model)
    folder = Path(dest_dir).expanduser() if dest_dir is not None else weights_dir()
    dest = folder / spec.filename
    if not force and dest.is_file() and dest.stat().st_size == spec.size_bytes:
        return dest
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(spec.url, timeout=timeout) as response, atomic_path(dest) as tmp:
            announced = response.headers.get("Content-Length")
            if announced is not None and int(announced) != spec.size_bytes:
                raise InputError(f"{spec.url} offers {int(announced)} bytes but {spec.filename} has "
                                 f"{spec.size_bytes}; nothing was saved.")
            got = _copy_stream(response, tmp, spec, progress)
            if got != spec.size_bytes:
                raise InputError(f"The download of {spec.filename} from {spec.url} stopped at {got} of "
                                 f"{spec.size_bytes} bytes; nothing was saved, run the command again.")
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        if isinstance(exc, urllib.error.HTTPError):
            reason = f"HTTP {exc.code} {exc.reason}"
        else:
            reason = getattr(exc, "reason", exc)
        raise InputError(f"Could not download {spec.url} ({reason}); check the network, or fetch the file by "
                         f"hand into {folder}.") from exc
    except PermissionError as exc:
        raise InputError(f"Cannot write the SAM2 checkpoint into {folder} ({exc.strerror}); set "
                         f"${ENV_DIR} to a writable folder.") from exc
    return dest


def _copy_stream(response, tmp: Path, spec: Sam2Model, progress: bool) -> int:
    """Copy the response body into ``tmp`` with a progress bar; return the byte count."""
    from tqdm import tqdm

    got = 0
    with open(tmp, "wb") as fh, tqdm(total=spec.size_bytes, unit="B", unit_scale=True, unit_divisor=1024,
                                     desc=spec.filename, disable=not progress, leave=True) as bar:
        while True:
            chunk = response.read(1 << 20)
            if not chunk:
                break
            fh.write(chunk)
            got += len(chunk)
            bar.update(len(chunk))
            if got > spec.size_bytes:
                break
    return got


_SHA_CACHE: dict[tuple[str, tuple[int, int] | None], str] = {}


def sha256_file(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file (for manifests); remembered per (path, size, mtime) in this process."""
    path = Path(path)
    key = (str(path.resolve()), file_stamp(path))
    if key not in _SHA_CACHE:
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _SHA_CACHE[key] = digest.hexdigest()
    return _SHA_CACHE[key]
