"""Real HTTP servers on 127.0.0.1: the test's app in a thread (for browsers and parallel
requests), or gunicorn in processes of its own (for what happens to processes)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from registrar.extensions import db


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (now: take it soon)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve `app` from a thread (a thread per request) and yield its base URL.

    The server shares the app, and so the database, with the test. On SQLite every transaction
    takes the write lock at BEGIN: a test must commit (or roll back) before it lets the server
    work, or the server's requests wait for it.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def read(query):
    """Run a read and end its transaction at once: on SQLite it would block the server.

    The rows come back detached with what was read, so that looking at them later does not
    begin another transaction (which on SQLite takes the write lock: see db_setup).
    """
    db.session.expire_all()
    try:
        return query()
    finally:
        db.session.expunge_all()
        db.session.commit()


# -- gunicorn, as production runs it ----------------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = PROJECT_ROOT / "scripts" / "gunicorn.conf.py"
STARTUP_SECONDS = 30


@dataclass
class Gunicorn:
    """gunicorn with scripts/gunicorn.conf.py on a free loopback port, and its worker processes."""

    url: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def workers(self) -> set[int]:
        """The arbiter's live child processes (its workers)."""
        children = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                # pid (comm) state ppid ...: comm may hold spaces, so read after its ")".
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                children.add(int(entry.name))
        return children

    def wait_for_workers(self, count: int, not_in: set[int] = frozenset()) -> set[int]:
        """Wait until `count` workers run, none of them in `not_in`; returns their pids."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            workers = self.workers()
            if len(workers) == count and not workers & not_in:
                return workers
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers {workers}, wanted {count} new:\n{self.log()}")
            time.sleep(0.1)

    def worker_serving(self, client_port: int) -> int | None:
        """The worker holding the accepted end of the connection from `client_port`."""
        inode = None
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.split(":")[1], 16) == self.port and int(remote.split(":")[1], 16) == (
                client_port
            ):
                inode = fields[9]
        if inode is None:
            return None
        for pid in self.workers():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
                except OSError:
                    continue
        return None


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path, workers: int = 2) -> Iterator[Gunicorn]:
    """Run the app under gunicorn as the README deploys it, configured only by `env` (on top of
    this environment without its REGISTRAR_*, DATABASE_URL and gunicorn settings)."""
    port = free_port()
    prefixes = ("GUNICORN", "REGISTRAR_", "WEB_CONCURRENCY", "DATABASE_URL")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    environment.update(env, WEB_CONCURRENCY=str(workers), REGISTRAR_BIND=f"127.0.0.1:{port}")
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "registrar:create_app()"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    server = Gunicorn(f"http://127.0.0.1:{port}", port, process, log_path)
    try:
        _wait_until_up(server, workers)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """End a server started by a test: politely, then not."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def _wait_until_up(server: Gunicorn, workers: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log()}")
        try:
            # Any answer will do: /healthz says 503 while the database is away.
            urllib.request.urlopen(server.url + "/healthz", timeout=2).close()
        except urllib.error.HTTPError:
            pass
        except OSError:
            # The arbiter's socket accepts before a worker is up: a timeout means "not yet".
            time.sleep(0.2)
            continue
        server.wait_for_workers(workers)
        return
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_SECONDS}s:\n{server.log()}")
