"""A throwaway PostgreSQL cluster of one's own, to stop and restart without touching anyone else's.

Debian's server binaries (`/usr/lib/postgresql/<version>/bin`) make a cluster in a temporary
folder: trust authentication, listening on 127.0.0.1 only on a free port, its socket in the same
folder. initdb refuses to run as root, so as root every command runs as the `postgres` user.

    with private_postgres() as cluster:      # Unavailable(reason) when it cannot be made
        engine = sa.create_engine(cluster.url)
        cluster.restart()
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .live_server import free_port

BINARIES = Path("/usr/lib/postgresql")
STARTUP_SECONDS = 30


class Unavailable(Exception):
    """No private cluster here, and why (no server binaries, no `postgres` user, ...)."""


def server_binaries() -> Path:
    """The newest installed server's bin folder, or Unavailable."""
    found = sorted(
        (p for p in BINARIES.glob("*/bin") if (p / "initdb").exists() and (p / "pg_ctl").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    if not found:
        raise Unavailable(f"no PostgreSQL server binaries (initdb, pg_ctl) under {BINARIES}")
    return found[-1]


class Cluster:
    """One cluster in `root`; `url` reaches its `postgres` database as the `postgres` role."""

    def __init__(self, root: Path, bin_dir: Path, run_as: str | None):
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.bin_dir = bin_dir
        self.run_as = run_as
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float = STARTUP_SECONDS) -> None:
        argv = [str(self.bin_dir / command[0]), *command[1:]]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise Unavailable(
                f"{command[0]} {command[1] if len(command) > 1 else ''} failed: "
                f"{(done.stderr or done.stdout).strip()[-800:]}\n{self.server_log()}"
            )

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def create(self) -> None:
        self._run(
            "initdb", "--pgdata", str(self.data), "--username", "postgres", "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# a private cluster on loopback\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.root}'\n"
                "max_connections = 50\n"
                "shared_buffers = 32MB\n"
            )

    def start(self) -> None:
        self._ctl("start", "--log", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        self._ctl("stop", "--mode", mode)

    def restart(self, mode: str = "fast") -> None:
        """Stop (ending every session: `fast` rolls back open transactions, `immediate` is a
        crash followed by recovery) and start again; returns once it accepts connections."""
        self._ctl("restart", "--mode", mode, "--log", str(self.log))

    def _ctl(self, action: str, *options: str) -> None:
        self._run(
            "pg_ctl", action, "--pgdata", str(self.data), "--wait",
            "--timeout", str(STARTUP_SECONDS), "--silent", *options,
        )  # fmt: skip

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def destroy(self) -> None:
        """Stop the server if it runs and delete the cluster's folder."""
        try:
            if self.running():
                self.stop("immediate")
        except (Unavailable, subprocess.TimeoutExpired):
            pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> Cluster:
    """A new private cluster, started; Unavailable (with nothing left behind) when it cannot be.
    Call `destroy()` on it when done."""
    bin_dir = server_binaries()
    run_as = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable(
                "running as root and there is no `postgres` user for initdb"
            ) from None
        if shutil.which("runuser") is None:
            raise Unavailable("running as root and `runuser` is missing")
        run_as = "postgres"
    root = Path(tempfile.mkdtemp(prefix="registrar-pg-"))
    cluster = Cluster(root, bin_dir, run_as)
    try:
        if run_as:
            os.chown(root, owner.pw_uid, owner.pw_gid)
        cluster.create()
        cluster.start()
    except subprocess.TimeoutExpired as exc:
        cluster.destroy()
        raise Unavailable(f"{exc.cmd[0]} took longer than {exc.timeout} s") from exc
    except BaseException:
        cluster.destroy()
        raise
    return cluster


@contextmanager
def private_postgres() -> Iterator[Cluster]:
    """A started private cluster, stopped and deleted afterwards; Unavailable when it cannot be."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.destroy()
