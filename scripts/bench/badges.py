"""Badge sheet benchmark: server time of the console's badge sheet (every confirmed guest's
badge, four to an A4 page) for events of N confirmed guests.

Seeds a fresh database with one event per size (100 and 500 confirmed guests by default, in
bulk: names in both scripts, some long, every category and headset channel), then times
GET /console/events/<id>/badges.pdf through Flask's test client logged in as an organizer, in
this process: one request to warm up, then R requests (3 by default). Checks every answer (a
PDF of ceil(N / 4) pages, the badge count in X-Badge-Count where the server sends it) and
prints a Markdown table. With --profile it prints the cProfile top functions of one sheet.

    .venv/bin/python scripts/bench/badges.py                   # SQLite in a temporary folder
    .venv/bin/python scripts/bench/badges.py --guests 100,500 --requests 3
    .venv/bin/python scripts/bench/badges.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL the tables go into a schema of the benchmark's own, dropped at the end.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import secrets
import statistics
import sys
import time

import common

MAX_GUESTS = 5000
MAX_REQUESTS = 20
PAGE = re.compile(rb"/Type\s*/Page\b")


def seed(app, guests: int) -> int:
    """One event of `guests` confirmed guests; its id."""
    from registrar.extensions import db
    from tests.support.factories import make_confirmed_in_bulk, make_event

    with app.app_context():
        event = make_event(capacity=guests)
        make_confirmed_in_bulk(event, guests)
        db.session.commit()
        event_id = event.id
        db.session.remove()
    return event_id


def sheet(client, event_id: int, guests: int) -> tuple[float, bytes]:
    started = time.perf_counter()
    response = client.get(f"/console/events/{event_id}/badges.pdf")
    seconds = time.perf_counter() - started
    pdf = response.get_data()
    pages = len(PAGE.findall(pdf))
    count = response.headers.get("X-Badge-Count", str(guests))
    if (
        response.status_code != 200
        or not pdf.startswith(b"%PDF")
        or pages != -(-guests // 4)
        or count != str(guests)
    ):
        raise SystemExit(
            f"{guests} badges: answer {response.status_code}, {pages} pages, count {count}"
        )
    return seconds, pdf


def profile(client, event_id: int, guests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    sheet(client, event_id, guests)
    profiler.disable()
    print(f"\ncProfile of one sheet of {guests} badges:\n")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--guests", default="100,500", help=f"comma-separated event sizes, each 1..{MAX_GUESTS}"
    )
    parser.add_argument(
        "--requests", type=int, default=3, help=f"timed requests per size, 1..{MAX_REQUESTS}"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one sheet per size")
    args = parser.parse_args()
    sizes = [int(n) for n in args.guests.split(",")]
    if not all(1 <= n <= MAX_GUESTS for n in sizes) or not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--guests: 1..{MAX_GUESTS} each; --requests: 1..{MAX_REQUESTS}")

    with common.bench_app(args.database_url) as app:
        from registrar.extensions import db
        from tests.support.factories import make_staff

        with app.app_context():
            db.create_all()
            password = secrets.token_hex(16)
            make_staff(common.BENCH_ORGANIZER, password=password)
            backend = db.engine.dialect.name
        client = common.logged_in_client(app, common.BENCH_ORGANIZER, password)
        rows = []
        for guests in sizes:
            print(f"Seeding {guests:,} confirmed guests ...", flush=True)
            event_id = seed(app, guests)
            _seconds, pdf = sheet(client, event_id, guests)  # warm-up: fonts, templates
            times = [sheet(client, event_id, guests)[0] for _ in range(args.requests)]
            rows.append((guests, statistics.median(times), min(times), len(pdf)))
            if args.profile:
                profile(client, event_id, guests)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    print(
        f"\n{backend}, {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"{args.requests} requests per size after 1 to warm up\n"
    )
    print("| badges | pages | median s | fastest s | ms per badge | PDF KB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for guests, median, fastest, size in rows:
        print(
            f"| {guests:,} | {-(-guests // 4)} | {median:.2f} | {fastest:.2f} | "
            f"{median * 1000 / guests:.1f} | {size / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
