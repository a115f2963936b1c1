"""Console benchmark: server time of the dashboard, the audit log and the guest list pages.

Seeds a fresh database with one event of N guests (5,000 by default) in every state, in bulk
(tests/support/factories.py make_guests_in_bulk: answers over two weeks, a waitlist, check-ins,
receivers, dietary and access needs, an audit entry per change), then times each page through
Flask's test client logged in as an organizer, in this process: a warm-up, then R requests
(30 by default). The guest list's pages (first page, a search, a filtered page) are timed when
the guest list exists. Prints a Markdown table; the target is a p95 of at most 150 ms.

    .venv/bin/python scripts/bench/console.py                  # SQLite in a temporary folder
    .venv/bin/python scripts/bench/console.py --guests 500 --requests 5    # a quick look
    .venv/bin/python scripts/bench/console.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL the tables go into a schema of the benchmark's own, dropped at the end.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time

import common
import sqlalchemy as sa

TARGET_MS = 150.0


def seed(app, guests: int, password: str) -> int:
    """One event of `guests` guests (seats for 45% of them) and an organizer; the event's id."""
    from registrar.extensions import db
    from registrar.models import Role
    from registrar.services import staff
    from tests.support.factories import make_event, make_guests_in_bulk

    with app.app_context():
        db.create_all()
        event = make_event(capacity=max(guests * 45 // 100, 1), held_seats=min(10, guests // 100))
        make_guests_in_bulk(event, guests, with_audit=True)
        staff.add(common.BENCH_ORGANIZER, password, Role.ORGANIZER)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would after a load this size: plans from real row counts.
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        event_id = event.id
        db.session.remove()
    return event_id


def pages(app, event_id: int) -> list[tuple[str, str]]:
    console = f"/console/events/{event_id}"
    listed = [("dashboard", f"{console}/dashboard"), ("audit log, first page", f"{console}/audit")]
    if "console.guests" in app.view_functions:
        listed += [
            ("guest list, first page", f"{console}/guests"),
            ("guest list, search", f"{console}/guests?q=guest+42"),
            ("guest list, confirmed on 中", f"{console}/guests?state=confirmed&channel=zh"),
        ]
    return listed


def measure(client, path: str, requests: int, warmup: int, statements: list) -> dict:
    for _ in range(warmup):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    times, queries = [], set()
    for _ in range(requests):
        statements.clear()
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        queries.add(len(statements))
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return {
        "median": statistics.median(times),
        "p95": common.percentiles(times)["p95"],
        "queries": "/".join(str(n) for n in sorted(queries)),
        "size": len(response.get_data()),
    }


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--guests", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    args = parser.parse_args()

    with common.bench_app(args.database_url) as app:
        from registrar.extensions import db

        rows = []
        print(f"Seeding {args.guests:,} guests ...", flush=True)
        started = time.perf_counter()
        password = secrets.token_hex(16)
        event_id = seed(app, args.guests, password)
        seeded = time.perf_counter() - started
        with app.app_context():
            engine = db.engine
            backend = engine.dialect.name
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(a[2]))
        client = common.logged_in_client(app, common.BENCH_ORGANIZER, password)
        for name, path in pages(app, event_id):
            print(f"  {name} x{args.requests} ...", flush=True)
            result = measure(client, path, args.requests, args.warmup, statements)
            rows.append({"page": name, "path": path} | result)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    print(
        f"\n{args.guests:,} guests (seeded in {seeded:.1f} s), {backend}, {os.cpu_count()} cores, "
        f"Python {sys.version.split()[0]}; {args.requests} requests per page after "
        f"{args.warmup} to warm up\n"
    )
    print("| page | median ms | p95 ms | SQL statements | KB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    slow = []
    for r in rows:
        print(
            f"| {r['page']} | {r['median']:.1f} | {r['p95']:.1f} | {r['queries']} | "
            f"{r['size'] / 1024:.0f} |"
        )
        if args.guests <= 5000 and r["p95"] > TARGET_MS:
            slow.append(r["page"])
    if slow:
        raise SystemExit(f"p95 slower than {TARGET_MS:.0f} ms: {', '.join(slow)}")


if __name__ == "__main__":
    main()
