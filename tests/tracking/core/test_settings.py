"""Server settings: defaults, the TOML file, environment overrides, bad values."""

import tomllib
from pathlib import Path

import pytest

from tracking.core import settings as S
from tracking.core.errors import InputError

EXAMPLE = Path(__file__).resolve().parents[3] / "landslide.example.toml"


def test_local_defaults_without_a_file(tmp_path):
    s = S.load_settings(None, env={})
    assert s.hosted is False and s.limits == S.LOCAL_LIMITS
    assert s.can_list_projects and s.path_inputs_allowed
    assert s.projects_dir == Path("projects").resolve()


def test_hosted_switches_to_strict_defaults_and_hides_paths(tmp_path):
    s = S.load_settings(None, env={"LANDSLIDE_HOSTED": "1"})
    assert s.hosted and s.limits == S.HOSTED_LIMITS
    assert not s.can_list_projects and not s.path_inputs_allowed
    assert S.HOSTED_LIMITS.upload_mb < S.LOCAL_LIMITS.upload_mb
    assert S.HOSTED_LIMITS.project_ttl_days > 0 and S.LOCAL_LIMITS.project_ttl_days == 0


def test_file_refines_hosted_defaults_and_env_wins(tmp_path):
    cfg = tmp_path / "conf" / "landslide.toml"
    cfg.parent.mkdir()
    cfg.write_text('hosted = true\nprojects_dir = "data/projects"\n[limits]\nupload_mb = 50\nmax_frames = 20\n')
    s = S.load_settings(cfg, env={})
    assert s.hosted and s.limits.upload_mb == 50 and s.limits.max_frames == 20
    assert s.limits.max_scenes == S.HOSTED_LIMITS.max_scenes  # untouched keys keep the hosted default
    assert s.projects_dir == (cfg.parent / "data" / "projects").resolve()  # relative to the file
    s = S.load_settings(cfg, env={"LANDSLIDE_UPLOAD_MB": "7.5", "LANDSLIDE_HOSTED": "0",
                                  "LANDSLIDE_PROJECTS_DIR": str(tmp_path / "p")})
    assert not s.hosted and s.limits.upload_mb == 7.5 and s.limits.max_frames == 20
    assert s.limits.max_scenes == S.LOCAL_LIMITS.max_scenes and s.projects_dir == tmp_path / "p"


def test_config_env_names_the_file(tmp_path):
    cfg = tmp_path / "x.toml"
    cfg.write_text("[limits]\nmax_scene_pixels = 1_000\n")
    assert S.load_settings(env={"LANDSLIDE_CONFIG": str(cfg)}).limits.max_scene_pixels == 1000
    with pytest.raises(InputError, match="does not exist"):
        S.load_settings(env={"LANDSLIDE_CONFIG": str(tmp_path / "missing.toml")})


@pytest.mark.parametrize("text, match", [
    ("hosted = 'maybe'\n", "true or false"),
    ("[limits]\nupload_mb = -1\n", "positive"),
    ("[limits]\nmax_frames = 'many'\n", "must be a number"),
    ("[limits]\nupload_gb = 1\n", "unknown limits: upload_gb"),
    ("colour = 'red'\n", "unknown settings: colour"),
    ("hosted = \n", "not valid TOML"),
])
def test_bad_files_are_one_sentence(tmp_path, text, match):
    cfg = tmp_path / "landslide.toml"
    cfg.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        S.load_settings(cfg, env={})
    assert "\n" not in str(info.value).strip()


def test_bad_environment_value_names_the_variable():
    with pytest.raises(InputError, match="LANDSLIDE_MAX_SCENES"):
        S.load_settings(None, env={"LANDSLIDE_MAX_SCENES": "lots"})


def test_ttl_zero_is_allowed_other_zeros_are_not():
    assert S.load_settings(None, env={"LANDSLIDE_PROJECT_TTL_DAYS": "0"}).limits.project_ttl_days == 0
    auto = S.load_settings(None, env={"LANDSLIDE_PARALLEL_RUNS": "0"}).limits
    assert auto.parallel_runs == 0 and auto.runs_in_parallel >= 1
    assert S.load_settings(None, env={"LANDSLIDE_PARALLEL_RUNS": "3"}).limits.runs_in_parallel == 3
    with pytest.raises(InputError):
        S.load_settings(None, env={"LANDSLIDE_MAX_FRAMES": "0"})


def test_example_file_documents_every_key_and_loads():
    text = EXAMPLE.read_text()
    data = tomllib.loads(text)
    assert set(data["limits"]) == {f for f in S.Limits.__dataclass_fields__}
    assert {"hosted", "projects_dir"} <= set(data)
    s = S.load_settings(EXAMPLE, env={})
    assert s.limits == S.LOCAL_LIMITS and not s.hosted  # the example shows the local defaults


def test_the_default_settings_file_is_looked_for_at_the_repository_root():
    assert S.REPO_ROOT == EXAMPLE.parent and (S.REPO_ROOT / "app.py").is_file()
    assert S.config_path(env={}) == (S.REPO_ROOT / "landslide.toml" if (S.REPO_ROOT / "landslide.toml").is_file()
                                     else None)


def test_current_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("LANDSLIDE_CONFIG", raising=False)
    monkeypatch.setattr(S, "REPO_ROOT", tmp_path)  # no landslide.toml there
    monkeypatch.setenv("LANDSLIDE_HOSTED", "1")
    assert S.current().hosted
    monkeypatch.setenv("LANDSLIDE_HOSTED", "0")
    monkeypatch.setenv("LANDSLIDE_MAX_FRAMES", "12")
    assert not S.current().hosted and S.current().limits.max_frames == 12


# -- Streamlit's own upload cap ---------------------------------------------------------

REPO = Path(__file__).resolve().parents[3]


def _streamlit_upload_cap(flags: list[str]) -> int:
    """server.maxUploadSize as Streamlit resolves it in the repository (config.toml + ``flags``)."""
    import re
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show", *flags], cwd=REPO,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return int(re.search(r"^maxUploadSize = (\d+)$", out, re.M).group(1))


def test_upload_mib_never_exceeds_the_project_limit():
    for mb in (0.5, 1.0, 7.5, 50.0, 200.0, 1024.0):
        mib = S.Limits(upload_mb=mb).upload_mib
        assert mib >= 1
        assert mib * 2 ** 20 <= max(mb * 1e6, 2 ** 20) < (mib + 1) * 2 ** 20
    assert S.HOSTED_LIMITS.upload_mib == 190 and S.LOCAL_LIMITS.upload_mib == 976


def test_dashboard_flags_hold_streamlit_to_the_hosted_upload_limit(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDSLIDE_")}
    env.update(LANDSLIDE_HOSTED="1", LANDSLIDE_UPLOAD_MB="50")
    out = subprocess.run([sys.executable, "-m", "tracking.core.settings"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    flags = out.split()
    assert flags == ["--server.maxUploadSize", "47"]
    # Streamlit's upload endpoint checks only this option (the uploaders' max_upload_size is
    # the browser's); with the flags it never lets through more than the project's 50 MB
    cap = _streamlit_upload_cap(flags)
    assert cap == 47 and cap * 2 ** 20 <= 50e6
    script = (REPO / "scripts" / "dashboard.sh").read_text()
    assert "-m tracking.core.settings" in script and '"${server_flags[@]}"' in script
    env["LANDSLIDE_UPLOAD_MB"] = "nonsense"
    bad = subprocess.run([sys.executable, "-m", "tracking.core.settings"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.strip() == "LANDSLIDE_UPLOAD_MB must be a number, not 'nonsense'."


def test_bare_streamlit_run_keeps_the_hosted_upload_cap():
    assert _streamlit_upload_cap([]) <= S.HOSTED_LIMITS.upload_mib
    assert S.streamlit_flags(S.load_settings(None, env={})) == ["--server.maxUploadSize", "976"]
