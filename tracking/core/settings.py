"""Server settings: hosted or local, the limits, and where projects live.

Read, in this order (later wins), from:

1. defaults: generous on a workstation, stricter when ``hosted`` is on;
2. a TOML file: ``$LANDSLIDE_CONFIG``, else ``landslide.toml`` at the repository root
   (every key is described in ``landslide.example.toml``);
3. environment variables: ``LANDSLIDE_HOSTED=1``, ``LANDSLIDE_PROJECTS_DIR``, and
   ``LANDSLIDE_<LIMIT>`` for each limit (e.g. ``LANDSLIDE_UPLOAD_MB=50``).

Whether the server is hosted is decided first (environment, then file), because it
chooses the defaults the file and the environment then refine.

In hosted mode the browser never names a path on the server: pages offer uploads
and the built-in sample only, no project list, and no path inputs.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from tracking.core.errors import InputError
from tracking.core.stamps import file_stamp

REPO_ROOT = Path(__file__).resolve().parents[2]  # tracking/core/settings.py -> the repository
CONFIG_NAME = "landslide.toml"
ENV_PREFIX = "LANDSLIDE_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Limits:
    """What one project may use; every limit is checked before the work it guards.

    upload_mb:        largest single uploaded file, in MB (10**6 bytes).
    upload_total_mb:  all uploaded scene files of one project together, in MB.
    max_scenes:       scene files in one project (zip archives count their entries).
    max_scene_pixels: width x height one scene may declare in its header.
    max_grid_pixels:  width x height of the common analysis grid (one frame).
    max_frames:       frames one tracking run may hold.
    project_disk_mb:  disk space one project folder may use, in MB.
    project_ttl_days: projects not updated for this many days are deleted; 0 keeps them.
    parallel_runs:    frames of weights-free tracking computed at once across all
                      sessions (more sessions queue frame by frame); 0 means the
                      number of CPU cores.
    visitor_cpu_s:    CPU seconds of heavy work (previews, frame building, tracking)
                      one visitor (browser session) may use in any hour; past it the
                      work stops and more is refused until the hour has moved on
                      (:mod:`tracking.hosting.cpu_budget`). 0 means no budget.
    """

    upload_mb: float = 1024.0
    upload_total_mb: float = 8192.0
    max_scenes: int = 1000
    max_scene_pixels: int = 2_000_000_000
    max_grid_pixels: int = 25_000_000
    max_frames: int = 1000
    project_disk_mb: float = 50_000.0
    project_ttl_days: float = 0.0
    parallel_runs: int = 0
    visitor_cpu_s: float = 0.0

    @property
    def runs_in_parallel(self) -> int:
        """``parallel_runs``, with 0 resolved to the number of CPU cores."""
        return self.parallel_runs or max(1, os.cpu_count() or 1)

    @property
    def upload_bytes(self) -> int:
        return int(self.upload_mb * 1e6)

    @property
    def upload_mib(self) -> int:
        """``upload_mb`` in Streamlit's upload unit (MB of 2**20 bytes, as its server counts
        ``server.maxUploadSize``), rounded down so it never lets through more than upload_mb."""
        return max(1, self.upload_bytes // 2 ** 20)

    @property
    def upload_total_bytes(self) -> int:
        return int(self.upload_total_mb * 1e6)

    @property
    def project_disk_bytes(self) -> int:
        return int(self.project_disk_mb * 1e6)


#: Defaults for a shared demo server: several people, one machine, strangers' files.
HOSTED_LIMITS = Limits(upload_mb=200.0, upload_total_mb=500.0, max_scenes=60, max_scene_pixels=100_000_000,
                       max_grid_pixels=4_000_000, max_frames=60, project_disk_mb=2500.0, project_ttl_days=7.0,
                       visitor_cpu_s=1200.0)
LOCAL_LIMITS = Limits()
_LIMIT_KEYS = tuple(f.name for f in dataclasses.fields(Limits))


@dataclass(frozen=True)
class Settings:
    """The server's settings (see the module docstring for where they come from).

    hosted:       a shared demo: no server paths from the browser, no project list,
                  stricter limits, old projects expire.
    limits:       the :class:`Limits` in force.
    projects_dir: the folder holding every project (absolute).
    source:       the TOML file read, or "" when none was.
    """

    hosted: bool
    limits: Limits
    projects_dir: Path
    source: str = ""

    @property
    def can_list_projects(self) -> bool:
        """Whether a page may list the projects on this server (never when hosted)."""
        return not self.hosted

    @property
    def path_inputs_allowed(self) -> bool:
        """Whether a page may let the browser type a server path (never when hosted)."""
        return not self.hosted


def config_path(env: Mapping[str, str] | None = None) -> Path | None:
    """The TOML file to read: $LANDSLIDE_CONFIG (which must exist), else ./landslide.toml at the repo root."""
    env = os.environ if env is None else env
    named = env.get(ENV_PREFIX + "CONFIG", "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise InputError(f"The settings file {path} named by {ENV_PREFIX}CONFIG does not exist.")
        return path
    default = REPO_ROOT / CONFIG_NAME
    return default if default.is_file() else None


def load_settings(path: str | os.PathLike | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Settings from defaults, the TOML file ``path`` (default :func:`config_path`) and ``env``.

    Raises InputError with one sentence naming the file or variable on a bad value.
    """
    env = os.environ if env is None else env
    path = Path(path) if path is not None else config_path(env)
    data = _read_toml(path) if path is not None else {}
    where = path.name if path is not None else "the settings"
    unknown = set(data) - {"hosted", "projects_dir", "limits"}
    if unknown:
        raise InputError(f"{where} has unknown settings: {', '.join(sorted(unknown))}.")
    hosted = _bool(data.get("hosted", False), f"'hosted' in {where}")
    if env.get(ENV_PREFIX + "HOSTED") is not None:
        hosted = _bool(env[ENV_PREFIX + "HOSTED"], f"{ENV_PREFIX}HOSTED")
    limits = _limits(HOSTED_LIMITS if hosted else LOCAL_LIMITS, data.get("limits", {}), env, where)
    projects_dir = _projects_dir(data, env, path)
    return Settings(hosted=hosted, limits=limits, projects_dir=projects_dir, source=str(path) if path else "")


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise InputError(f"The settings file {path} does not exist.") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"The settings file {path.name} is not valid TOML ({exc}).") from None


def _limits(base: Limits, table, env: Mapping[str, str], where: str) -> Limits:
    if not isinstance(table, dict):
        raise InputError(f"'limits' in {where} must be a table ([limits]).")
    unknown = set(table) - set(_LIMIT_KEYS)
    if unknown:
        raise InputError(f"{where} has unknown limits: {', '.join(sorted(unknown))}.")
    values = {}
    for key in _LIMIT_KEYS:
        var = ENV_PREFIX + key.upper()
        if var in env and str(env[var]).strip() != "":
            values[key] = _number(env[var], key, var)
        elif key in table:
            values[key] = _number(table[key], key, f"'limits.{key}' in {where}")
    return dataclasses.replace(base, **values)


def _number(value, key: str, where: str):
    """An int or float limit (type as in :class:`Limits`), positive (0 allowed where it means "none" or "auto")."""
    kind = type(getattr(LOCAL_LIMITS, key))
    if isinstance(value, bool):
        raise InputError(f"{where} must be a number, not {value!r}.")
    try:
        number = kind(float(str(value).replace("_", ""))) if isinstance(value, str) else kind(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{where} must be a number, not {value!r}.") from None
    zero_ok = ("project_ttl_days", "parallel_runs", "visitor_cpu_s")  # 0 means "none" or "auto" there
    if number != number or number < 0 or (number == 0 and key not in zero_ok):
        raise InputError(f"{where} must be a positive number, not {value!r}.")
    return number


def _bool(value, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InputError(f"{where} must be true or false, not {value!r}.")


def _projects_dir(data: dict, env: Mapping[str, str], path: Path | None) -> Path:
    named = env.get(ENV_PREFIX + "PROJECTS_DIR", "").strip()
    if named:
        return Path(named).expanduser().resolve()
    value = data.get("projects_dir")
    if value is None:
        return Path("projects").resolve()
    if not isinstance(value, str) or not value.strip():
        raise InputError("'projects_dir' in the settings file must be a folder name.")
    folder = Path(value).expanduser()
    if not folder.is_absolute() and path is not None:
        folder = path.parent / folder  # relative to the settings file, not to where the server started
    return folder.resolve()


# -- the process's settings -------------------------------------------------------------
_CACHE: dict[tuple, Settings] = {}


def current() -> Settings:
    """This server's settings, read again only when the file or a LANDSLIDE_* variable changes."""
    env_key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX)))
    path = config_path()
    stamp = (str(path), file_stamp(path)) if path is not None else None
    key = (env_key, stamp, os.getcwd())
    settings = _CACHE.get(key)
    if settings is None:
        settings = load_settings(path)
        _CACHE.clear()
        _CACHE[key] = settings
    return settings


def limits_or_current(limits: Limits | None) -> Limits:
    """``limits``, or this server's (:func:`current`) when None: every limit check's default."""
    return current().limits if limits is None else limits


# -- flags for the Streamlit server -----------------------------------------------------


def streamlit_flags(settings: Settings) -> list[str]:
    """``streamlit run`` options that make the server agree with ``settings``.

    Streamlit's upload endpoint checks only its own ``server.maxUploadSize``; the uploaders'
    ``max_upload_size`` is enforced by the browser alone, so a client that posts to the
    endpoint directly is held only by the server option. It is set to the project's upload
    limit (see :attr:`Limits.upload_mib`) so that no upload bigger than the limit reaches
    the server's memory.
    """
    return ["--server.maxUploadSize", str(settings.limits.upload_mib)]


def main() -> int:
    """Print :func:`streamlit_flags` of this server's settings on one line (scripts/dashboard.sh
    passes them to ``streamlit run``); a bad settings file is one sentence on stderr."""
    import sys

    try:
        flags = streamlit_flags(load_settings())
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(" ".join(flags))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
