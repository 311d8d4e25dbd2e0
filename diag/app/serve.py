"""The two servers the README's commands start, on 127.0.0.1 only, each with a token in the address it prints.

`make app`: the app (notebooks/00_diag_app.ipynb, code cells hidden) served by Voila. It refuses requests whose
Host header names another machine (a web page elsewhere cannot reach it through a name that resolves to
127.0.0.1), as JupyterLab does by default; it can read the workspace's logs and tickets.

`make lab`: JupyterLab on the workspace's copies of the notebooks, without its news and update pop-ups (they cover
the panels' buttons, and they would ask the internet).

    python -m diag.app.serve app [--port 8866] [--token TOKEN] [--notebook PATH]
    python -m diag.app.serve lab [--port 8888] [--root FOLDER]
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path

APP_NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "00_diag_app.ipynb"
LAB_SETTINGS = Path(__file__).resolve().parents[1] / "_data" / "lab"


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def voila_command(notebook: str | Path, port: int) -> list[str]:
    """Voila on one notebook (it is the landing page at /), loopback only, foreign Host headers refused (Voila
    allows them unless told), and a token required: the one in the environment (token_env), never on the command
    line, where any local user can read it (ps, /proc/PID/cmdline)."""
    return [sys.executable, "-m", "diag.app.serve", "voila", str(notebook), "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--ServerApp.allow_root=True", "--Voila.auto_token=True"]


def _voila(argv: list[str]) -> None:
    """Voila with the Host check on (its own default turns it off; on the command line a boolean in a dict would
    arrive as the string "False", which is true)."""
    from traitlets import default
    from voila.app import Voila

    class LoopbackVoila(Voila):
        @default("tornado_settings")
        def _loopback_only(self) -> dict:
            return {"allow_remote_access": False, "local_hostnames": ["localhost"]}

    LoopbackVoila.launch_instance(argv)


def token_env(token: str) -> dict[str, str]:
    """The environment entry that gives the server its token (readable by its own user only)."""
    if not token:
        raise ValueError("the app needs a token: it can read the workspace's logs and tickets")
    return {"JUPYTER_TOKEN": token}


def lab_command(root: str | Path, port: int, token: str | None = None) -> list[str]:
    """JupyterLab on `root`, loopback only, no news or update checks (a token of its own unless one is given)."""
    return [_tool("jupyter"), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", f"--ServerApp.root_dir={root}", "--LabApp.news_url=None",
            f"--LabApp.app_settings_dir={LAB_SETTINGS}",   # overrides.json: news and update checks off by default
            "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
            *([f"--IdentityProvider.token={token}"] if token else [])]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["voila"]:   # the server process itself (voila_command)
        _voila(argv[1:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m diag.app.serve", description="the app or JupyterLab")
    sub = parser.add_subparsers(dest="what", required=True)
    app = sub.add_parser("app", help="the app (Voila)")
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--token", default=None, help="default: a new random token, printed in the address")
    app.add_argument("--notebook", default=str(APP_NOTEBOOK), help="the app notebook")
    lab = sub.add_parser("lab", help="JupyterLab on the workspace's copies of the notebooks")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--root", required=True, help="the folder (python -m diag notebooks prints it)")
    args = parser.parse_args(argv)
    if args.what == "app":
        if not Path(args.notebook).is_file():
            print(f"diag: no app notebook at {args.notebook}", file=sys.stderr)
            return 2
        token = args.token or secrets.token_urlsafe(24)
        command, env = voila_command(args.notebook, args.port), {**os.environ, **token_env(token)}
        print(f"diag app: http://127.0.0.1:{args.port}/?token={token}", flush=True)
    else:
        command, env = lab_command(args.root, args.port), dict(os.environ)   # JupyterLab prints its own token
    os.execve(command[0], command, env)
    return 0   # not reached: the process is the server's now


if __name__ == "__main__":
    raise SystemExit(main())
