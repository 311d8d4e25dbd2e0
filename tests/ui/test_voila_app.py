"""`make app`: Voila serves the notebooks as a code-free app (widgets and charts, no code cells)."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def test_voila_renders_notebook_01_without_code(tmp_path):
    voila = Path(sys.executable).with_name("voila")
    if not voila.exists():
        pytest.fail("voila is in requirements.txt but not installed")
    shutil.copy(ROOT / "notebooks" / "01_build_and_test_a_call.ipynb", tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENESYS_CLOUD_")}
    proc = subprocess.Popen([str(voila), str(tmp_path), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                             "--ServerApp.allow_root=True"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/voila/render/01_build_and_test_a_call.ipynb"
        deadline, page = time.time() + 90, None
        while time.time() < deadline:
            try:
                page = requests.get(url, timeout=60)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert page is not None and page.status_code == 200
        assert "Build and test a call" in page.text
        assert "application/vnd.jupyter.widget-view" in page.text
        assert "ComposerView(ComposerModel" not in page.text      # no code cells in the app
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
