"""The scars (objects) of a project: add, name, colour, delete, and their prompts.

Each scar is an object id of the prompts and the track (the engines and the command line
track several at once). Its name and colour live in ``project.meta.objects``; a project
that never named one has a single "Scar 1". Each scar has one starting prompt: saving one
scar's prompt leaves the other scars' prompts as they were.
"""

from __future__ import annotations

from tracking.core.errors import InputError
from tracking.core.prompts import Prompt
from tracking.project.folder import Project
from tracking.project.state import ScarObject
from tracking.project.workflow import set_prompts
from tracking.render.overlay import object_color

MAX_OBJECTS = 12


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def default_object(object_id: int) -> ScarObject:
    """Scar ``object_id`` as it is before the analyst names it: "Scar N" in the track's colour for N."""
    return ScarObject(object_id, f"Scar {object_id}", _hex(object_color(object_id)))


def scar_objects(project: Project) -> list[ScarObject]:
    """The project's scars by id: the named ones, and any id its prompts use (at least Scar 1)."""
    known = {o.id: o for o in project.meta.objects}
    for p in project.load_prompts():
        known.setdefault(p.object_id, default_object(p.object_id))
    if not known:
        known[1] = default_object(1)
    return [known[k] for k in sorted(known)]


def _save(project: Project, objects: list[ScarObject]) -> None:
    project.meta.objects = sorted(objects, key=lambda o: o.id)
    project.save()


def add_object(project: Project, name: str = "") -> ScarObject:
    """A new scar with the next free id (a default name and colour); InputError past MAX_OBJECTS."""
    objects = scar_objects(project)
    if len(objects) >= MAX_OBJECTS:
        raise InputError(f"A project tracks at most {MAX_OBJECTS} scars; delete one before adding another.")
    new = default_object(max(o.id for o in objects) + 1)
    if name.strip():
        new = ScarObject(new.id, name.strip()[:60], new.color)
    _save(project, objects + [new])
    return new


def update_object(project: Project, object_id: int, name: str | None = None, color: str | None = None) -> None:
    """Rename or recolour one scar (an empty name keeps the old one)."""
    objects = scar_objects(project)
    for k, o in enumerate(objects):
        if o.id == object_id:
            objects[k] = ScarObject(o.id, (name or "").strip()[:60] or o.name, color or o.color)
            _save(project, objects)
            return
    raise InputError(f"There is no scar number {object_id} in this project.")


def delete_object(project: Project, object_id: int) -> None:
    """Remove one scar and its prompts (the last scar cannot go: there is always one to draw)."""
    objects = scar_objects(project)
    if len(objects) <= 1:
        raise InputError("The project needs at least one scar; clear its prompt instead.")
    prompts = [p for p in project.load_prompts() if p.object_id != object_id]
    if len(prompts) != len(project.load_prompts()):
        set_prompts(project, prompts)
    _save(project, [o for o in objects if o.id != object_id])


def save_object_prompt(project: Project, prompt: Prompt) -> list[Prompt]:
    """Make ``prompt`` its scar's starting prompt (one per scar), keeping every other scar's prompt."""
    kept = [p for p in project.load_prompts() if p.object_id != prompt.object_id]
    prompts = sorted(kept + [prompt], key=lambda p: (p.object_id, p.frame))
    set_prompts(project, prompts)
    return prompts
