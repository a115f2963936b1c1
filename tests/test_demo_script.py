"""scripts/demo as a newcomer runs it: on the port PORT names, with links to that port, and
commands that work pasted into a new shell (no virtualenv activated, none of its settings).

The script runs in a copy of the checkout made of links (its scripts, the package, the project
file) whose .venv/bin holds this virtualenv's python and flask, marked as installed: the
script's first-time install never runs here, and a python that is asked to install refuses.
The printed commands run in that copy too, so that one which lost its settings finds the
copy's empty instance folder, never a real one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.live_server import free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(os.path.abspath(sys.executable)).parent
# What a new terminal has: no virtualenv, none of the demo's settings.
NEW_SHELL = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}

pytestmark = pytest.mark.skipif(
    not (VENV_BIN / "flask").exists(), reason="needs the virtualenv's flask script"
)


def sandbox_checkout(folder: Path) -> Path:
    checkout = folder / "checkout"
    (checkout / ".venv/bin").mkdir(parents=True)
    for name in ("scripts", "registrar", "pyproject.toml"):
        (checkout / name).symlink_to(ROOT / name)
    python = checkout / ".venv/bin/python"
    python.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then echo "no installing here" >&2; exit 1; fi\n'
        f'exec {shlex.quote(sys.executable)} "$@"\n'
    )
    python.chmod(0o755)
    (checkout / ".venv/bin/flask").symlink_to(VENV_BIN / "flask")
    # As scripts/_bootstrap.sh stamps an install of "." for this pyproject.toml.
    stamp = (ROOT / "pyproject.toml").read_text("utf-8").rstrip("\n") + "\n."
    (checkout / ".venv/.registrar-installed").write_text(
        hashlib.sha256(stamp.encode()).hexdigest() + "\n"
    )
    return checkout


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


@pytest.fixture
def running_demo(tmp_path) -> Iterator[tuple[int, list[str], Path]]:
    """scripts/demo serving on a free port; its output up to "Serving on", and its instance."""
    checkout = sandbox_checkout(tmp_path)
    port = free_port()
    instance = tmp_path / "instance"
    env = {**NEW_SHELL, "PORT": str(port), "REGISTRAR_INSTANCE_PATH": str(instance)}
    env["PYTHON"] = sys.executable  # the version check of scripts/_bootstrap.sh
    demo = subprocess.Popen(
        ["bash", str(checkout / "scripts/demo")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert demo.stdout is not None
        lines: list[str] = []
        for line in demo.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Serving on"):
                break
        else:
            pytest.fail("scripts/demo ended:\n" + "\n".join(lines))
        # The server starts after the line: wait until it answers.
        for _ in range(300):
            try:
                get(f"http://127.0.0.1:{port}/")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        yield port, lines, instance
    finally:
        os.killpg(demo.pid, signal.SIGTERM)
        demo.wait(timeout=30)


def printed_command(lines: list[str], marker: str) -> str:
    line = next(line for line in lines if marker in line)
    return line.split(marker, 1)[1].strip().removesuffix(")").removesuffix(" [--watch]")


def in_a_new_shell(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", command], cwd=folder, env=NEW_SHELL, capture_output=True, text=True
    )


def test_the_demo_serves_on_port_and_its_links_and_commands_work_in_a_new_shell(
    running_demo, tmp_path
):
    port, lines, instance = running_demo
    checkout = tmp_path / "checkout"
    output = "\n".join(lines)
    base = f"http://127.0.0.1:{port}"
    assert f"Serving on {base}/" in output
    # Every address printed, the links and the setting the commands carry, is this port's.
    assert set(re.findall(r"https?://[^/\s]+", output)) == {base}
    invitation = re.findall(r"https?://\S+/i/\S+", output)[0]
    status, page = get(invitation)
    assert status == 200 and "CityCOP" in page

    # Every command printed runs the virtualenv's flask by its path, from any folder.
    commands = [line for line in lines if "--app registrar" in line]
    assert len(commands) >= 5
    for line in commands:
        words = shlex.split(line.split(": ", 1)[-1].split(" --app")[0])
        assert words[-1] == str(VENV_BIN / "flask"), line

    links_command = printed_command(lines, "(all links:")
    listed = in_a_new_shell(links_command, checkout)
    assert listed.returncode == 0, listed.stderr
    rows = [row.split("\t") for row in listed.stdout.splitlines()]
    assert len(rows) == 40
    urls = [row[2] for row in rows if row[2].startswith("http")]
    assert urls and all(url.startswith(f"{base}/i/") for url in urls)
    assert get(urls[-1])[0] == 200

    capacity = printed_command(lines, "Change it in the console, or:")
    changed = in_a_new_shell(capacity.replace("capacity 36", "capacity 30"), checkout)
    assert changed.returncode == 0, changed.stderr
    assert "Capacity 30, 2 held back" in changed.stdout
    assert (instance / "registrar.sqlite").exists()
    assert not (checkout / "instance").exists()
