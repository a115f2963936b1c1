"""Console benchmark: server time of the dashboard, the audit log and the guest list pages.

Seeds a fresh database with one event of N guests (5,000 by default) in every state, in bulk
(tests/support/factories.py make_guests_in_bulk: answers over two weeks, a waitlist, check-ins,
receivers, dietary and access needs, an audit entry per change), then times each page through
Flask's test client logged in as an organizer, in this process: a warm-up, then R requests
(30 by default). The guest list's pages (the first page, a page deep in the list, searches that
match many guests and one guest, in either script, a filtered page) are timed, and the door's
name search (through its API, as the scanner asks it, signed in as the organizer). Prints a
Markdown table with the SQL statements per request (the same for every request of a page, and
for every list length); the target is a p95 of at most 150 ms. Before timing, it checks what
the pages say against counts made here: the dashboard's numbers and the searches' matches.

    .venv/bin/python scripts/bench/console.py                  # SQLite in a temporary folder
    .venv/bin/python scripts/bench/console.py --guests 500 --requests 5    # a quick look
    .venv/bin/python scripts/bench/console.py --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python scripts/bench/console.py --guests 100000            # city scale

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
        staff.add(common.BENCH_ORGANIZER, password, Role.ORGANIZER, event_ids=[event.id])
        db.session.commit()
        event_id = event.id
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would after a load this size: plans from real row counts, and the
            # rows the load rewrote (the dashboard's tally, guest_tally) marked visible, so
            # that an index can be read without the table.
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        db.session.remove()
    return event_id


def pages(app, event_id: int, guests: int) -> list[tuple[str, str]]:
    console = f"/console/events/{event_id}"
    # A guest in the middle of the list, by the name and the number the seeding gave.
    number = _guest_number(app, guests // 2)
    listed = [("dashboard", f"{console}/dashboard"), ("audit log, first page", f"{console}/audit")]
    if "console.guests" in app.view_functions:
        listed += [
            ("guest list, first page", f"{console}/guests"),
            ("guest list, page 1,000", f"{console}/guests?page=1000"),
            ("guest list, search (many)", f"{console}/guests?q=guest+42"),
            ("guest list, search (one)", f"{console}/guests?q=bulk+guest+{number}"),
            ("guest list, search 中 (one)", f"{console}/guests?q=大量來賓{number}"),
            ("guest list, confirmed on 中", f"{console}/guests?state=confirmed&channel=zh"),
        ]
    listed += [
        ("door search (one)", f"/api/v1/events/{event_id}/guests?q=Bulk-Guest+{number}"),
        ("door search 中 (many)", f"/api/v1/events/{event_id}/guests?q=來賓{number[:-2]}"),
    ]
    return listed


def _guest_number(app, index: int) -> str:
    """The number in the name of the guest seeded `index`th (make_guests_in_bulk's names)."""
    from registrar.extensions import db
    from registrar.models import Guest

    with app.app_context():
        name = db.session.scalar(sa.select(Guest.name_en).order_by(Guest.id).offset(index))
        db.session.remove()
    return name.rsplit(" ", 1)[-1]


def check(app, event_id: int, paths: list[tuple[str, str]]) -> list[str]:
    """What the dashboard counts and what the searches find, against counts made here from
    every row (Python over the whole list); the failures, as sentences."""
    from urllib.parse import parse_qs, urlsplit

    from registrar.extensions import db
    from registrar.models import CheckIn, Event, Guest, Rsvp, Seat, SeatState
    from registrar.search_keys import search_key
    from registrar.services import dashboard
    from registrar.services import guests as guest_list
    from registrar.services.checkin import search_guests
    from tests.support import tally

    failures = []
    with app.app_context():
        event = db.session.get(Event, event_id)
        board = dashboard.summary(event)

        def number(query) -> int:
            return db.session.scalar(query)

        of_event = Guest.event_id == event_id
        live = Guest.revoked_at.is_(None)
        unanswered = sa.select(sa.func.count()).select_from(Guest).outerjoin(Rsvp)
        unanswered = unanswered.where(of_event, live, Rsvp.id.is_(None))
        expected = {
            "confirmed": number(sa.select(sa.func.count()).where(
                Seat.event_id == event_id, Seat.state == SeatState.CONFIRMED)),
            "waitlisted": number(sa.select(sa.func.count()).where(
                Seat.event_id == event_id, Seat.state == SeatState.WAITLISTED)),
            "revoked": number(sa.select(sa.func.count()).where(of_event, ~live)),
            "not_sent": number(unanswered.where(Guest.sent_at.is_(None))),
            "pending": number(unanswered.where(Guest.sent_at.is_not(None))),
            "declined": number(sa.select(sa.func.count()).select_from(Guest).join(Rsvp).where(
                of_event, live, Rsvp.attending.is_(False))),
            "inside": number(sa.select(sa.func.count()).where(
                CheckIn.event_id == event_id, CheckIn.inside.is_(True))),
        }  # fmt: skip
        for name, value in expected.items():
            if getattr(board.guests, name) != value:
                failures.append(f"dashboard {name}: {getattr(board.guests, name)}, not {value}")
        # What the triggers keep on each guest's row (guest_tally), which every count above is
        # summed from, against the same made here from every guest's answer, seat and check-in.
        kept, made = tally.stored(event_id), tally.from_rows(event_id)
        if kept != made:
            wrong = sum(((kept - made) + (made - kept)).values())
            failures.append(f"dashboard tally: {wrong} guests counted in the wrong group")
        print(f"  dashboard tally: {sum(made.values()):,} guests in {len(made)} groups", flush=True)

        everyone = db.session.execute(
            sa.select(
                Guest.id, Guest.name_en, Guest.name_zh, Guest.email, Guest.organization
            ).where(of_event)
        ).all()
        for name, path in paths:
            query = parse_qs(urlsplit(path).query).get("q", [""])[0]
            if not query:
                continue
            if path.startswith("/api/"):
                key = search_key(query)
                wanted = {g.id for g in everyone if any(key in search_key(f) for f in g[1:])}
                found = {g.id for g in search_guests(event_id, query, limit=len(everyone))}
            else:
                terms = query.lower().split()
                wanted = {
                    g.id for g in everyone
                    if all(any(t in f.lower() for f in g[1:]) for t in terms)
                }  # fmt: skip
                criteria, _ = guest_list.parse_criteria({"q": query})
                page = guest_list.search(event, criteria, per_page=len(everyone))
                found = {row.guest.id for row in page.rows}
                if page.total != len(wanted):
                    failures.append(f"{name}: counted {page.total}, not {len(wanted)}")
            if found != wanted:
                failures.append(f"{name}: found {len(found)} guests, not the {len(wanted)} wanted")
            print(f"  {name}: {len(found):,} found, as wanted", flush=True)
        db.session.remove()
    return failures


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
        listed = pages(app, event_id, args.guests)
        print("Checking the counts and the searches ...", flush=True)
        failures = check(app, event_id, listed)
        for name, path in listed:
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
        if r["p95"] > TARGET_MS:
            slow.append(r["page"])
    if failures:
        raise SystemExit("Wrong:\n" + "\n".join(failures))
    if slow:
        raise SystemExit(f"p95 slower than {TARGET_MS:.0f} ms: {', '.join(slow)}")


if __name__ == "__main__":
    main()
