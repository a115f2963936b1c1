"""What the benchmarks share: the checkout on the path, the database a run uses, gunicorn on
loopback, the lean door client, and percentiles.

The database is a SQLite file in the run's temporary folder, or, with --database-url, a schema
of the run's own on that PostgreSQL server, dropped at the end. Data is made with the tests'
makers (tests/support/factories.py), imported as `tests.support`: one copy for both.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
# This checkout's registrar and tests.support, whichever checkout the virtualenv was made from.
sys.path.insert(0, str(ROOT))

DOOR_EMAIL = "bench-door@example.org"
DOOR_PASSWORD = "bench-door-password"


# -- the database -----------------------------------------------------------------------------


def own_schema(url: str) -> tuple[str, str]:
    """A PostgreSQL URL whose tables live in a new schema of this run, and that schema."""
    from registrar.config import normalize_database_url

    parsed = sa.engine.make_url(normalize_database_url(url))
    schema = f"bench_{os.getpid()}"
    engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    parsed = parsed.update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False), schema


def bench_database(url: str | None, folder: Path, name: str) -> tuple[str, str | None]:
    """The database a benchmark runs on, and the schema to drop after it (PostgreSQL: a schema
    of the run's own on the server at `url`; else a SQLite file `name` in `folder`)."""
    if url:
        return own_schema(url)
    return f"sqlite:///{folder / name}", None


def drop_schema(url: str, schema: str) -> None:
    from registrar.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(url), poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def count(database_url: str, sql: str) -> int:
    """One number read from the database after a run, outside any app."""
    from registrar.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.scalar(sa.text(sql))
    engine.dispose()
    return value


@contextlib.contextmanager
def bench_app(database_url: str | None) -> Iterator:
    """A registrar app on a fresh database (see the module's docstring), in this process; its
    instance folder temporary."""
    from registrar import create_app

    with tempfile.TemporaryDirectory(prefix="registrar-bench-") as tmp:
        tmp = Path(tmp)
        (tmp / "instance").mkdir()
        os.environ["REGISTRAR_INSTANCE_PATH"] = str(tmp / "instance")
        url, schema = bench_database(database_url, tmp, "bench.sqlite")
        try:
            yield create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secrets.token_hex(32)})
        finally:
            if schema:
                drop_schema(database_url, schema)


BENCH_ORGANIZER = "bench-organizer@example.org"


def logged_in_client(app, email: str, password: str):
    """A test client of `app` logged in through the real /login form, with its CSRF token, as a
    browser is: the session then carries whatever the app checks on every request."""
    from tests.support.auth import csrf_token

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login", data={"csrf_token": csrf_token(page), "email": email, "password": password}
    )
    if answer.status_code != 302:
        raise SystemExit(f"logging in as {email} failed: {answer.status_code}")
    return client


# -- gunicorn on loopback ---------------------------------------------------------------------


def start_server(port: int, workers: int, log: Path, threads: int = 1) -> subprocess.Popen:
    """gunicorn with only the settings measured (no access log, no worker recycling), configured
    by this process's environment; returns once /healthz answers."""
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "registrar:create_app()",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return server
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()}")


def stop_server(server: subprocess.Popen | None) -> None:
    if server is not None:
        server.terminate()
        server.wait(timeout=30)


# -- the door: confirmed guests, and a lean client to scan them -------------------------------


def seed_confirmed(
    database_url: str, instance: Path, secret: str, guests: int, sessions: bool = False
) -> tuple[int, list[str]]:
    """A fresh database with one event, `guests` confirmed guests and a door account; the
    event's id and the badge codes. Sets the environment the server will be started with.

    With `sessions`, the event has two sessions guests choose, the first under way now (begun
    half an hour ago) and the second after it, and every guest is confirmed for both: scans
    now count for the first."""
    os.environ.update(
        DATABASE_URL=database_url,
        REGISTRAR_SECRET_KEY=secret,
        REGISTRAR_INSTANCE_PATH=str(instance),
        # Every client thread logs in once; the login limit is not what is measured.
        REGISTRAR_LOGIN_LIMIT="10000 per minute",
        REGISTRAR_SCAN_LIMIT="1000000 per minute",
    )
    from registrar import create_app, tokens
    from registrar.extensions import db
    from registrar.models import Category, Channel, Role
    from registrar.services import audit, invitations, rsvp, staff
    from tests.support.factories import make_event

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        event = make_event(capacity=guests * 2)
        if sessions:
            _add_sessions(event)
        codes = []
        for n in range(guests):
            guest = invitations.add_guest(
                event,
                email=f"bench{n}@example.org",
                name_en=f"Bench Guest {n}",
                name_zh=f"測試來賓{n}",
                category=Category.DELEGATE,
                actor=audit.SYSTEM,
            )
            rsvp.answer(
                guest.id,
                guest.token_version,
                rsvp.RsvpAnswer(attending=True, channel=Channel.ZH),
                audit.SYSTEM,
            )
            codes.append(tokens.badge_code(event.id, guest.id, guest.badge_version))
        staff.add(DOOR_EMAIL, DOOR_PASSWORD, Role.DOOR, event_ids=[event.id])
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id, codes


def _add_sessions(event) -> None:
    from datetime import timedelta

    from registrar.extensions import db
    from registrar.models import AgendaItem, AgendaKind, utcnow

    now = utcnow().replace(microsecond=0)
    times = [
        (now - timedelta(minutes=30), now + timedelta(hours=1)),
        (now + timedelta(hours=1, minutes=20), now + timedelta(hours=2, minutes=40)),
    ]
    for position, (starts, ends) in enumerate(times, start=1):
        db.session.add(
            AgendaItem(
                event_id=event.id,
                position=position,
                kind=AgendaKind.SESSION,
                title_en=f"Session {position}",
                title_zh=f"第{position}場",
                starts_at=starts,
                ends_at=ends,
                choosable=True,
            )
        )
    db.session.flush()


class Door:
    """A signed-in door (or a guest's phone) as the benchmarks drive it: one HTTP/1.1 request per
    connection (as a reverse proxy sends them, so that whichever worker is free takes it),
    written and read with plain sockets so that the load generator takes little of the cores it
    shares. The session's cookies go with every request."""

    def __init__(self, port: int, session: requests.Session, csrf_token: str):
        self.port = port
        cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
        # A form carries its own CSRF token; the door's JSON requests send it in a header.
        token = f"X-CSRFToken: {csrf_token}\r\n" if csrf_token else ""
        self.headers = (
            f"Host: 127.0.0.1:{port}\r\nCookie: {cookies}\r\n{token}Connection: close\r\n"
        )

    @classmethod
    def logged_in(cls, port: int) -> Door:
        """A door logged in as the account seed_confirmed made."""
        from tests.support.auth import http_log_in

        return cls(port, *http_log_in(f"http://127.0.0.1:{port}", DOOR_EMAIL, DOOR_PASSWORD, 10))

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """The status and JSON body of the answer; status 0 when the connection failed."""
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        status, content = self._send(head, payload)
        try:
            return status, json.loads(content)
        except ValueError:
            return status, {}

    def post_form(self, path: str, form: bytes) -> int:
        """POST a form (URL-encoded) as a browser does; the answer's status (0: no answer)."""
        head = (
            f"POST {path} HTTP/1.1\r\n{self.headers}"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(form)}\r\n"
        )
        return self._send(head, form)[0]

    def _send(self, head: str, payload: bytes) -> tuple[int, bytes]:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=60) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.sendall(head.encode() + b"\r\n" + payload)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
        except OSError:
            return 0, b""
        header, _, content = answer.partition(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1]) if header.startswith(b"HTTP/") else 0
        return status, content


Job = Callable[[Door], tuple]


def run(doors: list[Door], jobs: list[Job]) -> tuple[list[float], list]:
    """Send the jobs spread over the doors (one thread each, round-robin); latencies in ms and
    answers, door by door."""
    from concurrent.futures import ThreadPoolExecutor

    def worker(index: int):
        door = doors[index]
        out = []
        for job in jobs[index :: len(doors)]:
            started = time.perf_counter()
            answer = job(door)
            out.append(((time.perf_counter() - started) * 1000, answer))
        return out

    with ThreadPoolExecutor(max_workers=len(doors)) as pool:
        results = [r for part in pool.map(worker, range(len(doors))) for r in part]
    return [ms for ms, _ in results], [answer for _, answer in results]


def scan_job(event_id: int, code: str) -> Job:
    import uuid

    def job(door: Door):
        status, answer = door.request(
            "POST",
            f"/api/v1/events/{event_id}/scans",
            {"code": code, "nonce": uuid.uuid4().hex, "gate": "bench"},
        )
        return status, answer.get("verdict")

    return job


def health_job(door: Door):
    return door.request("GET", "/healthz")[0], None


# -- figures ----------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95 and p99 (interpolated between the samples)."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


def parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's options, its --help showing the module's docstring (the commands too)."""
    summary, _, details = doc.partition("\n\n")
    return argparse.ArgumentParser(
        description=summary,
        epilog=details,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
