"""RSVP storm: N guests answer "yes" at the same moment for S free seats, against gunicorn.

Seeds an event with S seats and N invited guests in a fresh database, starts gunicorn (4 workers
by default) on loopback, has every guest open their page first (cookie and CSRF token, as a
phone would), then releases all N "yes" answers at once from N threads. The answers are written
and read with plain sockets (common.Door, the door benchmark's lean client), so that the load
generator takes little of the cores it shares with the server. Checks that exactly S guests are
confirmed and N - S waitlisted with queue numbers 1..N-S without a gap, and that no request
failed; prints the answers' latency, and how long each answer held the write lock as the
workers measured it themselves (registrar/lock_times.py, on with REGISTRAR_LOCK_TIMES).

    .venv/bin/python scripts/bench/rsvp_storm.py                # SQLite in a temporary folder
    .venv/bin/python scripts/bench/rsvp_storm.py --guests 40 --seats 15    # a quick look
    .venv/bin/python scripts/bench/rsvp_storm.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/bench/rsvp_storm.py --one-at-a-time   # the lock's time without a storm
    .venv/bin/python scripts/bench/rsvp_storm.py --in-process      # no server: the code's own cost
    .venv/bin/python scripts/bench/rsvp_storm.py --seated 100000   # in an event at city scale

Bounded: N threads, one answer each, a 60 s timeout per request; on PostgreSQL the tables go
into a schema of the run's own, dropped at the end.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import common
import requests
import sqlalchemy as sa

from tests.support.auth import csrf_token
from tests.support.live_server import free_port


def seed(database_url: str, guests: int, seats: int, seated: int) -> tuple[list[str], int]:
    """The event and its guests; the invitation paths, and how many seats are confirmed
    before the storm (`seated` guests already there, half of them holding a seat)."""
    from registrar import create_app
    from registrar.extensions import db
    from registrar.models import Category
    from registrar.services import audit, invitations
    from tests.support.factories import make_event, make_guests_in_bulk

    app = create_app()
    with app.app_context():
        db.create_all()
        event = make_event(capacity=seats)
        before = 0
        if seated:
            # Every attending one of them confirmed, then room for the storm's seats on top.
            event.capacity = seated
            make_guests_in_bulk(event, seated)
            before = db.session.scalar(
                sa.text("SELECT count(*) FROM seats WHERE state = 'confirmed'")
            )
            event.capacity = before + seats
        paths = []
        for n in range(guests):
            guest = invitations.add_guest(
                event,
                email=f"storm{n}@example.org",
                name_en=f"Storm Guest {n}",
                category=Category.DELEGATE,
                actor=audit.SYSTEM,
            )
            db.session.flush()
            paths.append(f"/i/{invitations.invitation_token(guest)}")
        db.session.commit()
        if seated and db.engine.dialect.name == "postgresql":
            # As autovacuum would after a load this size (scripts/bench/console.py).
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        db.engine.dispose()
    return paths, before


def answer_through(
    port: int, paths: list[str], one_at_a_time: bool
) -> list[tuple[int, float, float]]:
    """Every guest opens their page first (cookie and CSRF token, as a phone would), then all
    answer yes at once from a thread each, or one after the other: (status, sent, answered)."""
    base = f"http://127.0.0.1:{port}"
    start = threading.Barrier(len(paths))
    # With one_at_a_time, each answer waits for the one before it to be answered.
    turns = threading.Lock() if one_at_a_time else contextlib.nullcontext()

    def guest(path: str) -> tuple[int, float, float]:
        session = requests.Session()
        # A fresh connection for the answer: the server drops idle ones while the others are
        # still opening their pages.
        page = session.get(base + path, headers={"Connection": "close"}, timeout=60)
        token = csrf_token(page.text)
        form = urlencode({"csrf_token": token, "attending": "yes", "channel": "zh"})
        answer = common.Door(port, session, "")
        start.wait(timeout=120)
        with turns:
            began = time.perf_counter()
            status = answer.post_form(path, form.encode())
            return status, began, time.perf_counter()

    print(f"  {len(paths)} guests answer yes ...", flush=True)
    with ThreadPoolExecutor(max_workers=len(paths)) as pool:
        return list(pool.map(guest, paths))


def answer_in_process(paths: list[str]) -> tuple[list[tuple[int, float, float]], float]:
    """Every guest answers yes, one after the other, through Flask's test client in this
    process (no server, no network): the answers and the CPU time per answer in ms."""
    from registrar import create_app
    from registrar.extensions import db

    app = create_app()
    forms = []
    for path in paths:
        client = app.test_client()
        token = csrf_token(client.get(path).get_data(as_text=True))
        forms.append((client, path, {"csrf_token": token, "attending": "yes", "channel": "zh"}))
    results, cpu = [], 0.0
    for client, path, form in forms:
        began, cpu_began = time.perf_counter(), time.process_time()
        status = client.post(path, data=form).status_code
        cpu += time.process_time() - cpu_began
        results.append((status, began, time.perf_counter()))
    with app.app_context():
        db.engine.dispose()
    return results, cpu * 1000 / len(paths)


def outcome(database_url: str) -> tuple[int, list[int]]:
    from registrar.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(database_url), poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        confirmed = conn.scalar(sa.text("SELECT count(*) FROM seats WHERE state = 'confirmed'"))
        queue = list(
            conn.scalars(
                sa.text(
                    "SELECT queue_number FROM seats WHERE state = 'waitlisted' "
                    "ORDER BY queue_number"
                )
            )
        )
    engine.dispose()
    return confirmed, queue


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--guests", type=int, default=400)
    parser.add_argument("--seats", type=int, default=150)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="send the answers one after the other instead of at once: what an answer costs "
        "when nothing else runs beside it",
    )
    parser.add_argument(
        "--seated",
        type=int,
        default=0,
        help="guests already in the event before the storm, half of them with a confirmed "
        "seat (the storm's seats come on top): an event at city scale",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="no server: the answers one after the other through Flask's test client in this "
        "process, with the CPU time per answer",
    )
    args = parser.parse_args()
    if not 0 < args.seats <= args.guests <= 1000:
        parser.error("need 0 < seats <= guests <= 1000")
    if not 0 <= args.seated <= 200_000:
        parser.error("need 0 <= seated <= 200000")

    with tempfile.TemporaryDirectory(prefix="registrar-storm-") as tmp:
        tmp = Path(tmp)
        database_url, schema = common.bench_database(args.database_url, tmp, "storm.sqlite")
        os.environ.update(
            DATABASE_URL=database_url,
            REGISTRAR_SECRET_KEY=secrets.token_hex(32),
            REGISTRAR_INSTANCE_PATH=str(tmp / "instance"),
            # Every guest comes from 127.0.0.1 here; limits are not what is measured.
            REGISTRAR_RATELIMIT_ENABLED="0",
        )
        lock_file = tmp / "lock-times.txt"
        server = None
        try:
            print(f"Seeding {args.guests} guests for {args.seats} seats ...", flush=True)
            paths, seated_before = seed(database_url, args.guests, args.seats, args.seated)
            # Only the answers time their locks; the seeding above is not measured.
            os.environ["REGISTRAR_LOCK_TIMES"] = str(lock_file)
            if args.in_process:
                results, cpu_ms = answer_in_process(paths)
            else:
                port = free_port()
                server = common.start_server(port, args.workers, tmp / "gunicorn.log")
            del os.environ["REGISTRAR_LOCK_TIMES"]
            if not args.in_process:
                results = answer_through(port, paths, args.one_at_a_time)
            # From the first answer sent to the last one answered: the storm itself, without
            # the pages opened before it.
            seconds = max(end for _s, _b, end in results) - min(b for _s, b, _e in results)
            confirmed, queue = outcome(database_url)
            backend = sa.engine.make_url(database_url).get_backend_name()
        finally:
            common.stop_server(server)
            if schema:
                common.drop_schema(args.database_url, schema)
            held = (
                [float(line) for line in lock_file.read_text().split()]
                if lock_file.exists()
                else []
            )

    statuses: dict[int, int] = {}
    for status, _began, _ended in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = [(ended - began) * 1000 for _status, began, ended in results]
    p = common.percentiles(latencies)
    gap_free = queue == list(range(1, len(queue) + 1))
    if args.in_process:
        how = f"in one process, one answer at a time, CPU time per answer {cpu_ms:.2f} ms"
    else:
        how = f"gunicorn {args.workers} workers (gthread), " + (
            "one answer at a time" if args.one_at_a_time else "all answers at once"
        )
    already = f" ({seated_before} seats confirmed before, not counted below)" if args.seated else ""
    print(
        f"\n{args.guests} guests, {args.seats} seats{already}, {how}, {backend}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| confirmed | waitlisted | queue gap-free | answers (status: count) | p50 ms | p95 ms "
          "| p99 ms | all answered in s |")  # fmt: skip
    print("| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: |")
    print(
        f"| {confirmed - seated_before} | {len(queue)} | {'yes' if gap_free else 'NO'} | "
        f"{', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()))} | {p['p50']:.0f} | "
        f"{p['p95']:.0f} | {p['p99']:.0f} | {seconds:.1f} |"
    )
    if len(held) >= 2:
        h = common.percentiles(held)
        print(
            f"\nwrite lock held per answer, as the app timed it ({len(held)} times): "
            f"median {statistics.median(held):.1f} ms, p95 {h['p95']:.1f} ms, "
            f"p99 {h['p99']:.1f} ms, max {max(held):.1f} ms"
        )
    wrong = []
    if len(held) != args.guests:
        wrong.append(f"{len(held)} lock times for {args.guests} answers")
    if confirmed != seated_before + args.seats:
        wrong.append(f"{confirmed} confirmed, expected {seated_before + args.seats}")
    if len(queue) != args.guests - args.seats or not gap_free:
        wrong.append("the waitlist is not 1..N-S")
    if set(statuses) != {302}:
        wrong.append(f"answers other than a redirect: {statuses}")
    if wrong:
        raise SystemExit("; ".join(wrong))


if __name__ == "__main__":
    main()
