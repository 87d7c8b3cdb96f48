"""The Prompt page's scar picker: which scar (object) is drawn, and adding, naming, colouring, deleting.

Everything is saved through :mod:`tracking.project.objects`.
"""

from __future__ import annotations

import streamlit as st

from tracking.core.prompts import Prompt
from tracking.project import objects
from tracking.project.folder import Project
from tracking.project.state import ScarObject
from tracking.ui.state import report

KEY = "prompt:object"
NEXT = "prompt:object-next"


def scar_picker(project: Project, saved: list[Prompt]) -> ScarObject:
    """The scar to draw on now; a row to switch scars, add one, and rename, recolour or delete it."""
    scars = objects.scar_objects(project)
    ids = [o.id for o in scars]
    if NEXT in st.session_state:  # chosen by a button on the last run (a widget's key is set before it is drawn)
        st.session_state[KEY] = st.session_state.pop(NEXT)
    if st.session_state.get(KEY) not in ids:
        st.session_state[KEY] = ids[0]
    prompted = {p.object_id for p in saved}
    by_id = {o.id: o for o in scars}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    oid = c1.selectbox("Scar", ids, key=KEY, format_func=lambda i: by_id[i].name + ("" if i in prompted else
                                                                                     " (no prompt yet)"),
                       help="Each scar is tracked on its own and measured and exported apart.")
    if c2.button("Add a scar", key="prompt:object-add", icon=":material/add:", width="stretch"):
        try:
            st.session_state[NEXT] = objects.add_object(project).id
            st.rerun()
        except Exception as exc:
            report(exc)
    scar = by_id[oid]
    _edit(project, scar, len(scars))
    return scar


def _edit(project: Project, scar: ScarObject, count: int) -> None:
    with st.expander(f"Name, colour or delete {scar.name}"):
        with st.form(f"prompt:object-form:{scar.id}", border=False):
            c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
            name = c1.text_input("Name", value=scar.name, max_chars=60, key=f"prompt:object-name:{scar.id}")
            color = c2.color_picker("Colour", value=scar.color or "#ff40a0", key=f"prompt:object-color:{scar.id}")
            if st.form_submit_button("Save name and colour"):
                try:
                    objects.update_object(project, scar.id, name, color)
                    st.rerun()
                except Exception as exc:
                    report(exc)
        if st.button(f"Delete {scar.name} and its prompt", key=f"prompt:object-delete:{scar.id}",
                     icon=":material/delete:", disabled=count <= 1,
                     help="The other scars and their prompts stay." if count > 1 else "There is always one scar."):
            try:
                objects.delete_object(project, scar.id)
                st.session_state[NEXT] = None  # back to the first scar
                st.rerun()
            except Exception as exc:
                report(exc)


def describe_saved(saved: list[Prompt], names: dict[int, str], describe) -> str:
    """ "Saved prompts: Scar 1: a box on 2019-06-14 (frame 1); Toe: 2 click(s) on ..." """
    named = len(names) > 1 or any(p.object_id not in names for p in saved)  # one scar: no name needed
    parts = [(f"{names.get(p.object_id, f'Scar {p.object_id}')}: " if named else "") + describe(p)
             for p in sorted(saved, key=lambda p: p.object_id)]
    return ("Saved prompt: " if len(parts) == 1 else "Saved prompts: ") + "; ".join(parts) + "."
