"""Architecture guards: the rules of docs/ARCHITECTURE.md that a test can check.

- Nothing in ``tracking/`` outside ``tracking/ui/`` imports Streamlit (or a ``streamlit_*``
  component) or ``tracking.ui``, at module level or inside a function; read from the source
  with ``ast``, and checked again by importing every such module with Streamlit unimportable.
- At most a dozen modules lie flat at the top of ``tracking/``; the rest sit in subpackages.
- No module of ``tracking/`` is longer than 400 lines and no function longer than 60, except
  the ones listed below with the reason (an entry goes when its module is split).

The import graph of ``tracking/`` has no cycle: tests/tracking/test_import_graph.py checks it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "tracking"
MAX_FLAT_MODULES = 12
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
#: Top-level packages only the Streamlit layer may import.
STREAMLIT_PACKAGES = ("streamlit", "streamlit_drawable_canvas", "streamlit_folium")

#: Modules allowed past MAX_MODULE_LINES for now: {"tracking.x.y": "why, and the plan to split it"}.
LONG_MODULES: dict[str, str] = {}
#: Functions allowed past MAX_FUNCTION_LINES for now: {"tracking.x.y.function": "why"}.
LONG_FUNCTIONS: dict[str, str] = {}


def library_modules() -> dict[str, Path]:
    """{dotted module name: path} of every module of the library (``__main__`` left out: it runs the CLI)."""
    modules = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module name ``source`` (the text of ``module``) imports, anywhere in the file.

    ``from a.b import c`` counts as both ``a.b`` and ``a.b.c`` (c may be a module); relative
    imports are resolved against ``module``'s package.
    """
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module or ""
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def ui_imports(names: set[str]) -> set[str]:
    """The names among ``names`` that belong to the Streamlit layer: Streamlit, its components, tracking.ui."""
    return {n for n in names if n.split(".")[0] in STREAMLIT_PACKAGES or n == "tracking.ui"
            or n.startswith("tracking.ui.")}


def outside_ui() -> dict[str, Path]:
    """The library's modules that must work without Streamlit: all but tracking.ui and its modules."""
    return {name: path for name, path in library_modules().items()
            if name != "tracking.ui" and not name.startswith("tracking.ui.")}


def test_no_module_outside_ui_imports_streamlit_or_the_ui():
    offenders = {}
    for name, path in outside_ui().items():
        found = ui_imports(imported_modules(path.read_text(), name, path.name == "__init__.py"))
        if found:
            offenders[name] = sorted(found)
    assert len(outside_ui()) > 50 and "tracking.core.errors" in outside_ui()
    assert not offenders, f"Streamlit or tracking.ui imported outside tracking/ui: {offenders}"


def test_the_import_finder_sees_imports_inside_functions_and_relative_ones():
    source = ("import numpy as np\n"
              "def draw():\n"
              "    import streamlit as st\n"
              "    from streamlit_drawable_canvas import st_canvas\n"
              "class Page:\n"
              "    def show(self):\n"
              "        from ..ui import widgets\n"
              "        from . import charts\n")
    names = imported_modules(source, "tracking.render.overlay")
    assert {"numpy", "streamlit", "streamlit_drawable_canvas", "tracking.ui.widgets",
            "tracking.render.charts"} <= names
    assert ui_imports(names) == {"streamlit", "streamlit_drawable_canvas", "streamlit_drawable_canvas.st_canvas",
                                 "tracking.ui", "tracking.ui.widgets"}
    assert ui_imports({"streamlit_like_but_not", "tracking.uikit", "numpy"}) == set()


_IMPORT_ALL = """
import importlib, json, sys
for name in %r:
    sys.modules[name] = None  # "import streamlit" now raises ImportError
failed = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed[name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(failed))
"""


def test_every_module_outside_ui_imports_with_streamlit_unimportable():
    names = sorted(outside_ui())
    canary = "tracking.ui.widgets"  # proves the blocking bites: the UI cannot import without Streamlit
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL % (STREAMLIT_PACKAGES,), *names, canary], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert canary in failed and "streamlit" in failed[canary], failed.get(canary)
    del failed[canary]
    assert not failed, f"modules that need Streamlit (or fail to import): {failed}"


def test_at_most_a_dozen_modules_flat_at_the_top_of_tracking():
    flat = sorted(p.name for p in LIBRARY.glob("*.py"))
    assert "__init__.py" in flat
    assert len(flat) <= MAX_FLAT_MODULES, f"{len(flat)} modules at the top of tracking/: {flat}"


def _line_count(path: Path) -> int:
    return len(path.read_text().splitlines())


def test_no_module_over_400_lines_but_the_listed_ones():
    lengths = {name: _line_count(path) for name, path in library_modules().items()}
    too_long = {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES}
    assert not set(too_long) - set(LONG_MODULES), f"split these modules (lines): {too_long}"
    split = sorted(set(LONG_MODULES) - set(too_long))
    assert not split, f"no longer over {MAX_MODULE_LINES} lines, take them off LONG_MODULES: {split}"


def long_functions(modules: dict[str, Path], limit: int = MAX_FUNCTION_LINES) -> dict[str, int]:
    """{"module.function": lines} of every function or method (nested ones too) longer than ``limit`` lines."""
    out = {}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > limit:
                    out[f"{name}.{node.name}"] = lines
    return out


def test_no_function_over_60_lines_but_the_listed_ones():
    too_long = long_functions(library_modules())
    assert not set(too_long) - set(LONG_FUNCTIONS), f"split these functions (lines): {too_long}"
    split = sorted(set(LONG_FUNCTIONS) - set(too_long))
    assert not split, f"no longer over {MAX_FUNCTION_LINES} lines, take them off LONG_FUNCTIONS: {split}"


def test_the_length_guards_count_what_they_claim(tmp_path):
    module = tmp_path / "long.py"
    module.write_text("def short():\n    return 1\n\n\ndef long():\n" + "    x = 1\n" * 61)
    assert _line_count(module) == 66
    assert long_functions({"long": module}) == {"long.long": 62}
