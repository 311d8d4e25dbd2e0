"""Every example in the manual runs, against the built-in simulator only.

From README.md and docs/**/*.md this takes:
  - every ```python block: a page's blocks run in order in one namespace;
  - every ```console block: each `$ python -m diag ...` (or `$ diag ...`, or `$ echo '...' | python -m diag ... -`)
    line runs through diag.app.cli.main(argv) in-process. Its exit code must be the one the line documents with a
    trailing `# exit N` comment (0 when it says none). Where the block shows output under the command, its first
    line must be the command's first line of output, and every further line shown must follow in order (`...`
    stands for any text; a line of `...` alone for lines left out).
A block that cannot run by design is marked in the Markdown with `<!-- not-run: reason -->` right before it.

Each page runs in a fresh temporary folder holding a copy of docs/examples/ (so `docs/examples/customer.har` is there
as in the repository), with DIAG_HOME in that folder, no GENESYS_CLOUD_* or DIAG_ALLOWED_* variable, a fresh
simulator behind diag.connect() (calls end after 0.3 s instead of 3 s, so that following one is quick), and no
socket to anything but this machine.

Also here: the site builds with `mkdocs build --strict`, the command-line reference is what the parser gives, and
README.md stays at most 8,000 bytes.
"""
from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
README_LIMIT = 8000
MOST_NOT_RUN = 12            # blocks that cannot run by design: keep them few

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)[^\n]*$")
NOT_RUN = re.compile(r"^\s*<!--\s*not-run:(?P<reason>.*?)-->\s*$")
EXIT = re.compile(r"(?:^|\s)#\s*exit\s+(?P<code>\d+)\b")
DIAG = ("python -m diag ", "diag ")
LOCAL = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Block:
    page: Path
    line: int            # 1-based line of the opening fence
    lang: str
    text: str
    not_run: str | None  # the reason given, when the block is marked not-run

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The fenced code blocks of a page (also inside admonitions and lists), with their not-run marks."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m["indent"], m["fence"], m["lang"].lower()
        body, j = [], i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence))
                                      and lines[j].strip().strip(fence[0]) == ""):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        mark = NOT_RUN.match(lines[k]) if k >= 0 else None
        found.append(Block(page, i + 1, lang, "\n".join(body) + "\n", mark["reason"].strip() if mark else None))
        i = j + 1
    return found


def runnable(block: Block) -> bool:
    if block.lang in ("python", "py"):
        return True
    return block.lang == "console" and any(line.startswith("$ ") for line in block.text.splitlines())


ALL = [b for page in PAGES for b in blocks(page)]
PAGES_WITH_EXAMPLES = [page for page in PAGES if any(runnable(b) and b.not_run is None for b in ALL if b.page == page)]


# ---- the one environment every page runs in ----

@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A fresh folder and workspace, no credentials, a fresh simulator, and no socket beyond this machine."""
    from diag.client import connect as connect_module
    from diag.sim import Simulator

    for name in list(os.environ):
        if name.startswith(("GENESYS_CLOUD_", "DIAG_ALLOWED_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "diag-home"))
    shutil.copytree(DOCS / "examples", tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(connect_module, "_shared_sim",
                        Simulator(seed=1, fresh_ids=True, overrides={"call_timeline_seconds": 0.3}))

    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo
    refused: list[str] = []   # diag turns a refused connection into an exchange's transport_error: kept here too

    def host_of(address) -> str:
        return str(address[0] if isinstance(address, tuple) else address)

    def local_only_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and host_of(address) not in LOCAL \
                and not host_of(address).startswith("127."):
            refused.append(host_of(address))
            raise OSError(f"the docs examples never leave this machine (tried {host_of(address)})")
        return real_connect(sock, address)

    def local_only_getaddrinfo(host, *args, **kwargs):
        if host is not None and str(host) not in LOCAL and not str(host).startswith("127."):
            refused.append(str(host))
            raise socket.gaierror(f"the docs examples never leave this machine (looked up {host})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", local_only_connect)
    monkeypatch.setattr(socket, "getaddrinfo", local_only_getaddrinfo)
    return refused


# ---- console blocks ----

@dataclass
class Command:
    line: str
    argv: list[str]
    stdin: str | None
    exit_code: int
    shown: list[str]


def commands(block: Block) -> list[Command]:
    out: list[Command] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            out.append(parse_command(line[2:], block))
        elif out:
            out[-1].shown.append(line.rstrip())
    return out


def parse_command(line: str, block: Block) -> Command:
    code = EXIT.search(line)
    words = shlex.split(line, comments=True)
    stdin = None
    if "|" in words:
        left, right = words[:words.index("|")], words[words.index("|") + 1:]
        assert left[:1] == ["echo"] and len(left) == 2, \
            f"{block.where}: only `echo 'TEXT' | python -m diag ...` may feed a command: {line}"
        stdin, words = left[1] + "\n", right
    command = " ".join(words) + " "
    prefix = next((p for p in DIAG if command.startswith(p)), None)
    assert prefix is not None, (f"{block.where}: a console block runs diag commands only ({line!r}); put other "
                                "shell commands in a ```sh block, or mark the block <!-- not-run: reason -->")
    return Command(line, words[len(prefix.split()):], stdin, int(code["code"]) if code else 0, [])


def run_cli(argv: list[str], stdin: str | None) -> tuple[int, str, str]:
    from diag.app.cli import main

    out, err = io.StringIO(), io.StringIO()
    fake_stdin = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    old_stdin = sys.stdin
    sys.stdin = fake_stdin
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(argv)
            except SystemExit as exc:          # argparse: a usage error
                code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def _pattern(shown: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in shown.strip().split("...")))


def check_output(command: Command, stdout: str, stderr: str, where: str) -> None:
    shown = [s for s in command.shown if s.strip()]
    if not shown:
        return
    first = (stdout if stdout.strip() else stderr).lstrip("\n").splitlines()[0].rstrip()
    if not _pattern(shown[0]).fullmatch(first.strip()):
        pytest.fail(f"{where}: `{command.line}` printed first\n  {first}\nbut the page shows\n  {shown[0]}")
    actual = [line.rstrip() for line in (stdout + stderr).splitlines()]
    at = 1
    for expected in shown[1:]:
        if expected.strip() == "...":
            continue
        pattern = _pattern(expected)
        while at < len(actual) and not pattern.fullmatch(actual[at].strip()):
            at += 1
        if at >= len(actual):
            pytest.fail(f"{where}: `{command.line}` did not print, in this order,\n  {expected}\n"
                        f"Its output:\n{stdout}{stderr}")
        at += 1


def run_console(block: Block) -> None:
    for command in commands(block):
        code, stdout, stderr = run_cli(command.argv, command.stdin)
        if code != command.exit_code:
            pytest.fail(f"{block.where}: `{command.line}` exited {code}, the page says {command.exit_code}\n"
                        f"{stdout}{stderr}")
        check_output(command, stdout, stderr, block.where)


# ---- the tests ----

@pytest.mark.parametrize("page", PAGES_WITH_EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_on_the_page_runs_on_the_simulator(page, sandbox):
    namespace: dict = {"__name__": "__docs__"}
    for block in (b for b in ALL if b.page == page and runnable(b) and b.not_run is None):
        if block.lang == "console":
            run_console(block)
            continue
        code = compile(block.text, block.where, "exec")
        try:
            exec(code, namespace)
        except Exception as exc:
            raise AssertionError(f"{block.where}: the example raised {type(exc).__name__}: {exc}") from exc
    assert not sandbox, (f"{page.relative_to(ROOT)} tried to reach {sorted(set(sandbox))}: mark such an example "
                         "<!-- not-run: reason -->")


def test_blocks_that_do_not_run_say_why_and_are_few():
    marked = [b for b in ALL if b.not_run is not None]
    assert all(b.not_run for b in marked), [b.where for b in marked if not b.not_run]
    assert all(runnable(b) for b in marked), \
        f"a not-run mark before a block that would not run anyway: {[b.where for b in marked if not runnable(b)]}"
    assert len(marked) <= MOST_NOT_RUN, f"{len(marked)} blocks are marked not-run: {[b.where for b in marked]}"


def test_console_blocks_hold_only_commands_the_test_can_run():
    for block in ALL:
        if block.lang == "console" and block.not_run is None:
            assert runnable(block), f"{block.where}: a console block with no `$ ` command line"
            commands(block)   # asserts each `$` line is a diag command


def test_the_readme_is_short():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; at most {README_LIMIT}: move detail into docs/"


def test_the_readme_links_to_pages_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if "://" not in target:
            assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


def test_the_command_line_reference_is_what_the_parser_gives():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import cli_reference
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert (DOCS / "reference" / "cli.md").read_text(encoding="utf-8") == cli_reference.render(), \
        "docs/reference/cli.md is not what diag/app/cli.py's parser gives: run scripts/cli_reference.py"


def _site_tools() -> bool:
    import importlib.util
    return all(importlib.util.find_spec(name) is not None
               for name in ("mkdocs", "material", "mkdocstrings_handlers.python"))


def _build(site: Path) -> subprocess.Popen:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file",
                             str(ROOT / "mkdocs.yml"), "--site-dir", str(site)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


_EARLY: dict = {}


@pytest.fixture(scope="module", autouse=True)
def site_built_meanwhile(tmp_path_factory):
    """In a plain run the site builds in the background while the examples run (about 5 s saved); under xdist
    each worker would start one, so there the build test builds when it runs."""
    if _site_tools() and "PYTEST_XDIST_WORKER" not in os.environ:
        site = tmp_path_factory.mktemp("site")
        _EARLY["build"] = (_build(site), site)
    yield
    build = _EARLY.pop("build", None)
    if build is not None and build[0].poll() is None:
        build[0].kill()
        build[0].wait()


def test_the_site_builds_strictly(tmp_path):
    if not _site_tools():
        pytest.skip("mkdocs, mkdocs-material or mkdocstrings[python] is not installed")
    process, site = _EARLY.pop("build", None) or (_build(tmp_path / "site"), tmp_path / "site")
    try:
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output[-6000:]
    assert (site / "reference" / "python-api" / "index.html").exists()
