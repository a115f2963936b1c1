"""Scan benchmark: the door API under gunicorn (2 workers) on loopback.

Seeds an event with N confirmed guests in a fresh database, then for each concurrency level
scans every badge once (first scans: "ok") and once more (repeats: "already_checked_in"),
checking every verdict, and times GET /healthz on the same server as the baseline.
Prints a Markdown table for the README.

The load generator shares the machine's cores with the server, so it is kept lean: one
thread per door, each request on its own connection (as a reverse proxy in front of gunicorn
sends them, and so that whichever worker is free takes it), written and read with plain
sockets. Its own CPU time per request is printed with the table.

    scripts/bench-scans                      # SQLite in a temporary folder
    scripts/bench-scans --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import sqlalchemy as sa
from bench_import import bench_database, drop_schema

ROOT = Path(__file__).resolve().parent.parent
DOOR_EMAIL = "bench-door@example.org"
DOOR_PASSWORD = "bench-door-password"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def seed(database_url: str, instance: Path, secret: str, guests: int) -> tuple[int, list[str]]:
    """A fresh schema with one event, `guests` confirmed guests and a door account."""
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

    sys.path.insert(0, str(ROOT / "tests"))
    from factories import make_event

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        event = make_event(capacity=guests * 2)
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
        staff.add(DOOR_EMAIL, DOOR_PASSWORD, Role.DOOR)
        db.session.commit()
        event_id = event.id
        db.engine.dispose()
    return event_id, codes


def reset_scans(database_url: str) -> None:
    from registrar.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(database_url))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM scans"))
        conn.execute(sa.text("DELETE FROM check_ins"))
    engine.dispose()


def start_server(port: int, workers: int, log: Path, threads: int = 1) -> subprocess.Popen:
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


def door_session(base: str) -> tuple[requests.Session, str]:
    """A logged-in door staff session and its CSRF token, as the scanner page has them."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10).text
    match = CSRF.search(page)
    token = match.group(1) or match.group(2)
    answer = session.post(
        f"{base}/login",
        data={"csrf_token": token, "email": DOOR_EMAIL, "password": DOOR_PASSWORD},
        timeout=10,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise SystemExit(f"login failed: {answer.status_code}")
    return session, token


class Door:
    """A signed-in door as the benchmark drives it: one HTTP/1.1 request per connection."""

    def __init__(self, port: int, session: requests.Session, csrf_token: str):
        self.port = port
        cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
        self.headers = (
            f"Host: 127.0.0.1:{port}\r\nCookie: {cookies}\r\nX-CSRFToken: {csrf_token}\r\n"
            "Connection: close\r\n"
        )

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        """The status and JSON body of the answer; status 0 when the connection failed."""
        payload = json.dumps(body).encode() if body is not None else b""
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.sendall(head.encode() + b"\r\n" + payload)
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
        except OSError:
            return 0, {}
        header, _, content = answer.partition(b"\r\n\r\n")
        status = int(header.split(b" ", 2)[1]) if header.startswith(b"HTTP/") else 0
        try:
            return status, json.loads(content)
        except ValueError:
            return status, {}


def run(doors: list[Door], jobs) -> tuple[list[float], list]:
    """Send the jobs spread over the doors (one thread each); latencies in ms, answers."""

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


def scan_job(event_id: int, code: str):
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


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def summary(name: str, concurrency: int, latencies: list[float], seconds: float) -> dict:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "phase": name,
        "concurrency": concurrency,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="per worker (gthread); more threads made the tail worse here (GIL convoys)",
    )
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument(
        "--rounds",
        type=int,
        default=10,
        help="the phases take turns this many times, each with a slice of the badges",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="registrar-bench-") as tmp:
        tmp = Path(tmp)
        database_url, schema = bench_database(args.database_url, tmp, "bench.sqlite")
        secret = secrets.token_hex(32)
        print(f"Seeding {args.guests} confirmed guests ...", flush=True)
        event_id, codes = seed(database_url, tmp / "instance", secret, args.guests)
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = start_server(port, args.workers, tmp / "gunicorn.log", args.threads)
        base = f"http://127.0.0.1:{port}"
        rows, errors = [], 0
        try:
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                reset_scans(database_url)
                doors = [Door(port, *door_session(base)) for _ in range(concurrency)]
                phases = [
                    ("healthz", [health_job] * len(codes), None),
                    ("first scan", [scan_job(event_id, c) for c in codes], "ok"),
                    ("repeat scan", [scan_job(event_id, c) for c in codes],
                     "already_checked_in"),
                ]  # fmt: skip
                print(f"  concurrency {concurrency}: {len(codes)} of each phase ...", flush=True)
                measured = {name: ([], 0.0, 0.0, 0) for name, _, _ in phases}
                # In rounds (a slice of health checks, first scans of a slice of badges, their
                # repeats), so that every phase meets the same moments of a shared machine.
                for part in range(args.rounds):
                    for name, jobs, expected in phases:
                        jobs = jobs[part :: args.rounds]
                        started, cpu = time.perf_counter(), client_cpu()
                        latencies, answers = run(doors, jobs)
                        seconds = time.perf_counter() - started
                        wrong = sum(
                            a[0] != 200 or (expected is not None and a[1] != expected)
                            for a in answers
                        )
                        all_latencies, total, client, total_wrong = measured[name]
                        all_latencies += latencies
                        measured[name] = (
                            all_latencies,
                            total + seconds,
                            client + client_cpu() - cpu,
                            total_wrong + wrong,
                        )
                for name, (latencies, seconds, client, wrong) in measured.items():
                    errors += wrong
                    rows.append(
                        summary(name, concurrency, latencies, seconds)
                        | {"wrong": wrong, "client": client * 1000 / len(latencies)}
                    )
        finally:
            server.terminate()
            server.wait(timeout=30)
            if schema:
                drop_schema(args.database_url, schema)

    backend = sa.engine.make_url(database_url).get_backend_name()
    print(f"\n{args.guests} badges, gunicorn {args.workers} workers (gthread, {args.threads} "
          f"threads each), {backend}, "
          f"{os.cpu_count()} cores\n")  # fmt: skip
    print(
        "| phase | concurrency | requests/s | p50 ms | p95 ms | p99 ms | vs healthz | wrong "
        "| load generator CPU ms/request |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    health = {r["concurrency"]: r["rps"] for r in rows if r["phase"] == "healthz"}
    for r in rows:
        ratio = r["rps"] / health[r["concurrency"]]
        print(
            f"| {r['phase']} | {r['concurrency']} | {r['rps']:.0f} | {r['p50']:.1f} | "
            f"{r['p95']:.1f} | {r['p99']:.1f} | {ratio:.0%} | {r['wrong']} | {r['client']:.2f} |"
        )
    if errors:
        raise SystemExit(f"{errors} answers were wrong or failed")


if __name__ == "__main__":
    main()
