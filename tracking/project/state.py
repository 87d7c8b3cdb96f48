"""A project's saved state, typed: what ``project.json`` holds, read and written in one place.

:class:`ProjectMeta` is the whole file: the project's name and times, the analyst's
frame options, date fixes and exclusions, the engine choice, the uploaded sources,
the problems the last frame build found, the frames' content hash, where the
sample's files are (a sample project), the reference outlines, and the record of
the last tracking run (:class:`RunRecord`).

Versions: ``version`` 2 (:data:`SCHEMA_VERSION`) is this layout. Files written
before it carry no version (read as 1); their keys and value shapes are the same
ones (dates as ISO strings, an empty ``options`` or ``engine`` for "not chosen
yet", ``sample``/``run``/``reference`` absent when unset), so :meth:`ProjectMeta.from_dict`
reads both and fills what is missing with the defaults the dashboard always used.
A file is always written back at :data:`SCHEMA_VERSION`.

Unknown keys are kept, deliberately: they go to ``ProjectMeta.extra`` and are
written back unchanged, so a project touched by a newer release (or a tool that
adds its own key) loses nothing when this release saves it. Inside the nested
records (engine, sample, run) unknown keys are dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path

from tracking.core.acqdate import from_iso
from tracking.ingest.build import FrameOptions

SCHEMA_VERSION = 2
DEFAULT_NAME = "Untitled landslide"


def now_iso() -> str:
    """The current UTC time as ISO 8601 to the second (the stamps project.json holds)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _known(cls, d: dict) -> dict:
    """The items of ``d`` that name a field of dataclass ``cls`` (others are dropped)."""
    if not isinstance(d, dict):
        raise ValueError(f"expected a mapping for {cls.__name__}, got {type(d).__name__}")
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in d.items() if k in names}


def _opt_str(value) -> str | None:
    return None if value is None else str(value)


@dataclass
class EngineChoice:
    """The engine the analyst picked on the Track page: kind ("auto", "sam2", "baseline"),
    SAM2 model ("tiny", "small", "base_plus", "large") and device ("auto", "cpu", "cuda", "mps")."""

    kind: str = "auto"
    model: str = "tiny"
    device: str = "auto"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "model": self.model, "device": self.device}

    @classmethod
    def from_dict(cls, d: dict | None) -> "EngineChoice":
        return cls(**{k: str(v) for k, v in _known(cls, d or {}).items() if v is not None})


@dataclass
class SamplePaths:
    """Where the built-in sample's files are, for a project made from the sample.

    They stay in the shared sample folder (not copied into the project): its root,
    the true masks (one GeoTIFF per date) and the three prompt files of its first date.
    """

    root: Path | None = None
    truth_dir: Path | None = None
    prompt_path: Path | None = None
    prompt_points_path: Path | None = None
    prompt_box_path: Path | None = None

    def to_dict(self) -> dict:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, d: dict | None) -> "SamplePaths | None":
        if not d:
            return None
        return cls(**{k: Path(v) for k, v in _known(cls, d).items() if v})

    @classmethod
    def of(cls, sample) -> "SamplePaths":
        """From a :class:`tracking.sample.series.SampleSeries` (any object with those attributes)."""
        return cls(**{f.name: Path(getattr(sample, f.name)) for f in fields(cls)
                      if getattr(sample, f.name, None) is not None})


@dataclass
class RunRecord:
    """The last tracking run of the project.

    key: the run's cache key (frames, exclusions, prompts, engine settings), None until
    the run completes; completed: False while running and after a cancel or an error.
    engine: the name of the engine that ran; engine_info: its provenance for exports
    (:func:`tracking.engines.factory.engine_provenance`); note: one sentence on the choice.
    requested, model, device: the settings asked for ("" requested: not recorded).
    seconds: the run's time; frames_tracked: frames holding a mask; carried: frames
    carried over a bad frame. started, finished: ISO 8601 UTC stamps or None.
    """

    key: str | None = None
    completed: bool = False
    engine: str = ""
    engine_info: dict = field(default_factory=dict)
    note: str = ""
    requested: str = ""
    model: str = "tiny"
    device: str = "auto"
    seconds: float = 0.0
    frames_tracked: int = 0
    carried: int = 0
    started: str | None = None
    finished: str | None = None

    def to_dict(self) -> dict:
        return {f.name: (dict(self.engine_info) if f.name == "engine_info" else getattr(self, f.name))
                for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict | None) -> "RunRecord | None":
        if not d:
            return None
        d = _known(cls, d)
        return cls(key=_opt_str(d.get("key")), completed=bool(d.get("completed", False)),
                   engine=str(d.get("engine") or ""), engine_info=dict(d.get("engine_info") or {}),
                   note=str(d.get("note") or ""), requested=str(d.get("requested") or ""),
                   model=str(d.get("model") or "tiny"), device=str(d.get("device") or "auto"),
                   seconds=float(d.get("seconds") or 0.0), frames_tracked=int(d.get("frames_tracked") or 0),
                   carried=int(d.get("carried") or 0), started=_opt_str(d.get("started")),
                   finished=_opt_str(d.get("finished")))

    @property
    def engine_kind(self) -> str:
        """The engine kind to ask for again: the one requested, else the one that ran, else "auto"."""
        kind = self.requested or self.engine
        return kind if kind in ("auto", "sam2", "baseline") else "auto"


@dataclass
class ScarObject:
    """One scar the analyst tracks (an object id of the prompts and the track): its name and colour."""

    id: int
    name: str
    color: str  # "#rrggbb"

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "color": self.color}

    @classmethod
    def from_dict(cls, d: dict) -> "ScarObject":
        d = _known(cls, d)
        return cls(id=int(d["id"]), name=str(d.get("name") or f"Scar {d['id']}"), color=str(d.get("color") or ""))


@dataclass
class ProjectMeta:
    """Everything ``project.json`` holds (see the module docstring for versions and unknown keys).

    options: the frame options (defaults until the analyst changes them); date_overrides:
    {scene file name: acquisition date} fixed by hand; excluded: names of the scene files
    left out; sources: names of the uploaded files; problems: sentences from the last
    frame build; frames_hash: content hash of the saved frames, None before the first build;
    reference: the reference outlines, relative to the project folder (or absolute, for
    the sample's true masks), None when unset; run: the last tracking run, None before one;
    objects: the scars' names and colours by object id (empty: one scar, "Scar 1").
    version: the schema version the state was read at (1: a file from before versions;
    saving writes :data:`SCHEMA_VERSION`); extra: unknown keys of the file, written back.
    """

    id: str
    name: str = DEFAULT_NAME
    created: str = ""
    updated: str = ""
    options: FrameOptions = field(default_factory=FrameOptions)
    date_overrides: dict[str, dt.date] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)
    engine: EngineChoice = field(default_factory=EngineChoice)
    sources: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    frames_hash: str | None = None
    sample: SamplePaths | None = None
    reference: str | None = None
    run: RunRecord | None = None
    objects: list[ScarObject] = field(default_factory=list)
    version: int = SCHEMA_VERSION
    extra: dict = field(default_factory=dict)

    @classmethod
    def new(cls, project_id: str, name: str = "") -> "ProjectMeta":
        """A fresh project's state, created and updated now."""
        now = now_iso()
        return cls(id=project_id, name=name or DEFAULT_NAME, created=now, updated=now)

    def to_dict(self) -> dict:
        """The JSON-ready dict project.json holds (unknown keys from the file kept)."""
        known = {"version": SCHEMA_VERSION, "id": self.id, "name": self.name, "created": self.created,
                 "updated": self.updated, "options": self.options.to_dict(),
                 "date_overrides": {k: v.isoformat() for k, v in sorted(self.date_overrides.items())},
                 "excluded": list(self.excluded), "engine": self.engine.to_dict(), "sources": list(self.sources),
                 "problems": list(self.problems), "frames_hash": self.frames_hash,
                 "sample": self.sample.to_dict() if self.sample is not None else None,
                 "reference": self.reference, "run": self.run.to_dict() if self.run is not None else None,
                 "objects": [o.to_dict() for o in self.objects]}
        return {**{k: v for k, v in self.extra.items() if k not in known}, **known}

    @classmethod
    def from_dict(cls, d: dict) -> "ProjectMeta":
        """Read a project.json dict of version 2, or of the version-less format before it.

        Raises ValueError (or TypeError) when a value has the wrong shape; the caller
        turns that into one sentence for the analyst.
        """
        if not isinstance(d, dict):
            raise ValueError("project.json does not hold a mapping")
        names = {f.name for f in fields(cls)} - {"extra"}
        options = d.get("options") or {}
        return cls(id=str(d.get("id") or ""), name=str(d.get("name") or DEFAULT_NAME),
                   created=str(d.get("created") or ""), updated=str(d.get("updated") or ""),
                   options=FrameOptions.from_dict(options) if options else FrameOptions(),
                   date_overrides={str(k): from_iso(str(v))
                                   for k, v in (d.get("date_overrides") or {}).items()},
                   excluded=[str(s) for s in d.get("excluded") or []],
                   engine=EngineChoice.from_dict(d.get("engine")),
                   sources=[str(s) for s in d.get("sources") or []],
                   problems=[str(s) for s in d.get("problems") or []],
                   frames_hash=_opt_str(d.get("frames_hash")), sample=SamplePaths.from_dict(d.get("sample")),
                   reference=_opt_str(d.get("reference")) or None, run=RunRecord.from_dict(d.get("run")),
                   objects=[ScarObject.from_dict(o) for o in d.get("objects") or []],
                   version=int(d.get("version", 1)), extra={k: v for k, v in d.items() if k not in names})
