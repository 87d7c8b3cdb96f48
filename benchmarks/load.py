"""Load test: N sessions tracking the sample at once on one server process, with the baseline engine.

    python benchmarks/load.py [--sessions 1 2 4 8] [--probes 6] [--size 256] [--parallel-runs K]

A Streamlit server runs every browser session as a thread of one process, so the
sessions here are threads of this process: each one has its own project (a copy
of the sample project, prompted with the sample's box) and presses Track at the
same moment as the others (``tracking.project.runs.run_tracking``, engines from the
shared model pool, exactly as the Track page calls it). Meanwhile a probe session
reruns a page of the real app (``app.py`` on the Track page of its own, already
tracked project, through Streamlit's AppTest) again and again: its rerun time is
the page latency a person feels while the others track.

Prints, for each N: the wall time until every run finished, throughput (runs per
minute and frames tracked per second over all sessions), each run's time (mean
and slowest), the longest pause between two progress updates of one run (a page
frozen behind another session would show here), and the probe page's rerun
latency (median and 95th percentile) under that load, next to the idle latency.
``--parallel-runs`` sets how many baseline frames run at once across sessions
(tracking.core.settings ``parallel_runs``; 0, the default, is the number of cores).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracking.project import frames_store, runs, workflow
from tracking.project.folder import Project, new_project_id


@dataclass
class RunStats:
    """What one session's tracking run took: seconds, frames done, the longest gap between progress calls, an error."""
    seconds: float = 0.0
    frames: int = 0
    longest_gap_s: float = 0.0
    error: str = ""


@dataclass
class Probe:
    """Reruns one page of the app until told to stop; keeps each rerun's seconds."""

    project: Project
    page: str = "pages/3_track.py"
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def start(self):
        from streamlit.testing.v1 import AppTest

        self.at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        self.at.query_params["project"] = self.project.id
        self.at.run()
        self.at.switch_page(self.page)
        self.at.run()
        return self

    def rerun(self) -> float:
        t0 = time.perf_counter()
        self.at.run()
        seconds = time.perf_counter() - t0
        if self.at.exception or self.at.error:
            self.errors.append(str([e.value for e in self.at.error] or self.at.exception))
        return seconds

    def loop(self, stop: threading.Event, pause_s: float = 0.05) -> None:
        while not stop.is_set():
            self.latencies.append(self.rerun())
            stop.wait(pause_s)


def keep_navigation_between_reruns() -> None:
    """AppTest forgets st.navigation after its first run; a live server does not (see tests/pages)."""
    import runpy

    import streamlit.runtime.scriptrunner.script_runner as script_runner

    script_runner._mpa_v1 = lambda path: runpy.run_path(path, run_name="__main__")


def clone(template: Path, base: Path) -> Project:
    """A copy of the template project under base with a new id."""
    pid = new_project_id()
    shutil.copytree(template, base / pid)
    project = Project.open(base, pid)
    project.meta.id = pid
    project.save()
    return project


def make_template(base: Path, sample) -> Path:
    """A project with the sample series loaded and its box prompt set, to clone for each session."""
    project = Project.create(base, name="Load test")
    workflow.load_sample(project)
    workflow.prompts_from_file(project, sample.prompt_box_path)
    return project.root


def track_one(project: Project, stats: RunStats, go: threading.Barrier) -> None:
    """Track project with the baseline once every session is ready, recording its stats."""
    last = [0.0]

    def progress(p) -> None:
        now = time.perf_counter()
        stats.longest_gap_s = max(stats.longest_gap_s, now - last[0])
        last[0] = now

    go.wait()
    t0 = last[0] = time.perf_counter()
    try:
        result = runs.run_tracking(project, "baseline", progress_cb=progress)
        stats.frames = result.frames_tracked
    except Exception as exc:  # reported in the table, the other sessions go on
        stats.error = f"{type(exc).__name__}: {exc}"
    stats.seconds = time.perf_counter() - t0


def load_round(n: int, template: Path, base: Path, probe: Probe) -> dict:
    """n sessions tracking at once while a probe reruns an idle page; their timings."""
    projects = [clone(template, base) for _ in range(n)]
    stats = [RunStats() for _ in range(n)]
    go = threading.Barrier(n + 1)
    workers = [threading.Thread(target=track_one, args=(p, s, go)) for p, s in zip(projects, stats)]
    for w in workers:
        w.start()
    probe.latencies.clear()
    stop = threading.Event()
    go.wait()
    t0 = time.perf_counter()
    prober = threading.Thread(target=probe.loop, args=(stop,))
    prober.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - t0
    stop.set()
    prober.join()
    for p in projects:
        p.delete()
    frames = sum(s.frames for s in stats)
    lat = sorted(probe.latencies)
    return {"n": n, "wall": wall, "runs_per_min": 60 * n / wall, "frames_per_s": frames / wall,
            "run_mean": statistics.mean(s.seconds for s in stats), "run_max": max(s.seconds for s in stats),
            "gap_max": max(s.longest_gap_s for s in stats), "probe_n": len(lat),
            "probe_p50": statistics.median(lat) if lat else float("nan"),
            "probe_p95": lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan"),
            "errors": [s.error for s in stats if s.error] + probe.errors[:1]}


def main() -> None:
    """Run a load round per session count asked for and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--probes", type=int, default=6, help="idle page reruns measured first")
    parser.add_argument("--size", type=int, default=0,
                        help="generate a sample of this many pixels a side instead of the built-in one (256)")
    parser.add_argument("--parallel-runs", type=int, default=None,
                        help="frames of baseline tracking computed at once across sessions (default: settings)")
    args = parser.parse_args()
    if args.parallel_runs is not None:
        os.environ["LANDSLIDE_PARALLEL_RUNS"] = str(args.parallel_runs)

    work = Path(tempfile.mkdtemp(prefix="landslide-load-"))
    os.environ["LANDSLIDE_PROJECTS_DIR"] = str(work / "projects")
    os.environ.setdefault("LANDSLIDE_SAM2_DIR", str(work / "no-weights"))  # the baseline, as documented
    try:
        from tracking.sample import series as sample_mod

        if args.size:
            sample = sample_mod.generate_sample(work / "sample", size=args.size)
            sample_mod.ensure_sample = lambda cache_dir=None: sample
        else:
            sample = sample_mod.ensure_sample()
        base = work / "projects"
        base.mkdir()
        t0 = time.perf_counter()
        template = make_template(base, sample)
        frames = frames_store.load_frames(Project.open(base, template.name))
        from tracking.core.settings import current

        print(f"sample: {len(frames)} frames of {frames.shape[1]} x {frames.shape[0]} px "
              f"(frames built in {time.perf_counter() - t0:.1f} s); {os.cpu_count()} CPU cores; "
              f"{current().limits.runs_in_parallel} baseline frame(s) at once across sessions")
        keep_navigation_between_reruns()
        probe_project = clone(template, base)
        runs.run_tracking(probe_project, "baseline")
        probe = Probe(probe_project).start()
        idle = sorted(probe.rerun() for _ in range(args.probes))
        print(f"idle page rerun (Track page, tracked project): median {statistics.median(idle) * 1000:.0f} ms, "
              f"max {idle[-1] * 1000:.0f} ms")
        print()
        head = (f"{'N':>3} {'wall s':>7} {'runs/min':>8} {'frames/s':>8} {'run mean s':>10} {'run max s':>9} "
                f"{'max gap s':>9} {'page p50 ms':>11} {'page p95 ms':>11} {'reruns':>6}")
        print(head)
        print("-" * len(head))
        for n in args.sessions:
            r = load_round(n, template, base, probe)
            print(f"{r['n']:>3} {r['wall']:>7.1f} {r['runs_per_min']:>8.1f} {r['frames_per_s']:>8.2f} "
                  f"{r['run_mean']:>10.1f} {r['run_max']:>9.1f} {r['gap_max']:>9.2f} "
                  f"{r['probe_p50'] * 1000:>11.0f} {r['probe_p95'] * 1000:>11.0f} {r['probe_n']:>6}")
            for err in r["errors"]:
                print(f"    error: {err}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
