"""Finding, listing and downloading SAM 2.1 checkpoints (downloads from a local HTTP server)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from importlib import resources
from pathlib import Path

import pytest

from tracking.cli.main import main
from tracking.core.errors import InputError
from tracking.engines.sam2 import models as sam2_models
from tracking.engines.sam2.models import MODELS, Sam2Model, get_model
from tracking.engines.sam2.weights import (
    download,
    find_checkpoint,
    list_weights,
    require_checkpoint,
    sha256_file,
    weights_dir,
)

PAYLOAD = bytes(range(256)) * 40  # 10 240 bytes standing in for a checkpoint


@pytest.fixture(autouse=True)
def _clean_env(tmp_path, monkeypatch):
    monkeypatch.setenv("LANDSLIDE_SAM2_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SAM2_CHECKPOINT", raising=False)


class _Handler(http.server.BaseHTTPRequestHandler):
    """/good: the payload; /short: announces nothing and stops early; anything else: 404."""

    def do_GET(self):
        if self.path.endswith("/good.pt"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(PAYLOAD)))
            self.end_headers()
            self.wfile.write(PAYLOAD)
        elif self.path.endswith("/short.pt"):
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(PAYLOAD[:1000])
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _fake(url: str, size: int = len(PAYLOAD)) -> Sam2Model:
    return Sam2Model("tiny", MODELS["tiny"].config, "sam2.1_hiera_tiny.pt", size, url)


def test_registry_names_official_configs_and_addresses():
    assert list(MODELS) == ["tiny", "small", "base_plus", "large"]
    configs = resources.files("sam2")
    for spec in MODELS.values():
        assert configs.joinpath(spec.config).is_file()
        assert spec.url == f"https://dl.fbaipublicfiles.com/segment_anything_2/092824/{spec.filename}"
    assert MODELS["tiny"].size_bytes == 156_008_466 and MODELS["large"].size_bytes == 898_083_611
    assert get_model("Base+") is MODELS["base_plus"] and get_model("TINY") is MODELS["tiny"]
    with pytest.raises(InputError, match="choose one of tiny, small, base_plus, large"):
        get_model("huge")


def test_find_order_explicit_then_env_then_cache(tmp_path, monkeypatch):
    cached = weights_dir() / "sam2.1_hiera_tiny.pt"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"c")
    env, explicit = tmp_path / "env.pt", tmp_path / "explicit.pt"
    env.write_bytes(b"e")
    explicit.write_bytes(b"x")
    assert find_checkpoint("tiny") == cached
    assert find_checkpoint("small") is None
    monkeypatch.setenv("SAM2_CHECKPOINT", str(env))
    assert find_checkpoint("tiny") == env
    assert find_checkpoint("tiny", explicit) == explicit
    with pytest.raises(InputError, match="missing.pt does not exist"):
        find_checkpoint("tiny", tmp_path / "missing.pt")
    monkeypatch.setenv("SAM2_CHECKPOINT", str(tmp_path / "gone.pt"))
    with pytest.raises(InputError, match=r"gone.pt named by \$SAM2_CHECKPOINT"):
        find_checkpoint("tiny")


def test_require_checkpoint_names_the_download_command():
    with pytest.raises(InputError, match=r"`python -m tracking weights download small`"):
        require_checkpoint("small")


def test_list_reports_present_incomplete_and_missing():
    folder = weights_dir()
    folder.mkdir(parents=True)
    with open(folder / MODELS["tiny"].filename, "wb") as fh:
        fh.truncate(MODELS["tiny"].size_bytes)  # sparse file of the exact size
    (folder / MODELS["large"].filename).write_bytes(b"partial")
    entries = {e.model.name: e for e in list_weights()}
    assert entries["tiny"].complete
    assert entries["large"].present and not entries["large"].complete and entries["large"].size_bytes == 7
    assert not entries["small"].present and entries["small"].path == folder / "sam2.1_hiera_small.pt"


def test_download_writes_the_checked_file(tmp_path, server):
    path = download(_fake(f"{server}/good.pt"), tmp_path / "w", progress=False)
    assert path == tmp_path / "w" / "sam2.1_hiera_tiny.pt"
    assert path.read_bytes() == PAYLOAD
    assert sha256_file(path) == hashlib.sha256(PAYLOAD).hexdigest()


def test_download_rejects_a_wrong_size_and_leaves_nothing(tmp_path, server):
    dest = tmp_path / "w"
    with pytest.raises(InputError, match="offers 10240 bytes"):
        download(_fake(f"{server}/good.pt", size=len(PAYLOAD) + 1), dest, progress=False)
    with pytest.raises(InputError, match="stopped at 1000 of 10240 bytes"):
        download(_fake(f"{server}/short.pt"), dest, progress=False)
    assert list(dest.iterdir()) == []


def test_download_failure_is_one_sentence(tmp_path, server):
    with pytest.raises(InputError, match="Could not download .*404"):
        download(_fake(f"{server}/missing.pt"), tmp_path, progress=False)


def test_complete_file_is_not_downloaded_again(tmp_path):
    (tmp_path / "sam2.1_hiera_tiny.pt").write_bytes(PAYLOAD)
    # The address is unreachable: returning the file proves no request was made.
    assert download(_fake("http://127.0.0.1:9/x.pt"), tmp_path, progress=False).read_bytes() == PAYLOAD


def test_weights_command_lists_and_downloads(server, monkeypatch, capsys):
    assert main(["weights", "list"]) == 0
    out = capsys.readouterr().out
    assert "tiny" in out and "missing" in out and "weights download tiny" in out
    monkeypatch.setitem(sam2_models.MODELS, "tiny", _fake(f"{server}/good.pt"))
    assert main(["weights", "download", "tiny", "--quiet"]) == 0
    assert (weights_dir() / "sam2.1_hiera_tiny.pt").read_bytes() == PAYLOAD
    assert main(["weights", "list"]) == 0
    assert "present" in capsys.readouterr().out
    monkeypatch.setitem(sam2_models.MODELS, "small", Sam2Model("small", "c", "s.pt", 5, f"{server}/nothing.pt"))
    assert main(["weights", "download", "small", "--quiet"]) == 2
    assert capsys.readouterr().err.startswith("error: Could not download")
    assert not Path(weights_dir() / "s.pt").exists()
