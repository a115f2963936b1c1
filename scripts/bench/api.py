"""Organizer API benchmark, in this process with Flask's test client (no HTTP server): guests
sent in bulk, and pages of the guest list of a large event.

1. POST /api/v1/events/<id>/guests/bulk with N new guests (5,000 by default; every column of
   the import filled in, Chinese names included), into a fresh event each round (3 by
   default): the wall and CPU time of the whole request, commit included. Checks the answer
   (N added) and the event's guest count in the database. Target: <= 5 s on SQLite.
2. GET /api/v1/events/<id>/guests at G guests (20,000 by default, made by bulk INSERTs):
   R requests (300 by default) for pages of 100 guests (`--page-size`; the console's page is
   50) in the default order, by organization, with a state filter and with a search. The
   latency of each request (wall time in this process); p50, p95, p99. Checks every page's
   contents (a full page, the total, distinct ids over the default order's pages). Target:
   p95 <= 100 ms.

Both with an organizer API token. Prints Markdown tables and the load average.

    .venv/bin/python scripts/bench/api.py
    .venv/bin/python scripts/bench/api.py --guests 2000 --list-guests 2000 --requests 40  # quick
    .venv/bin/python scripts/bench/api.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL the tables go into a schema of the benchmark's own, dropped at the end.
"""

from __future__ import annotations

import os
import random
import statistics
import time

import common

TARGET_BULK_SECONDS = 5.0
TARGET_PAGE_P95_MS = 100.0


def guests(count: int, round_number: int) -> list[dict[str, str]]:
    categories = ["delegate", "speaker", "vip", "press", "與會代表", "貴賓"]
    return [
        {
            "email": f"guest{round_number}-{n}@example.org",
            "name_en": f"Guest Number {n}",
            "name_zh": f"來賓{n}號",
            "organization": f"Organization {n % 300}",
            "title": "Director",
            "category": categories[n % len(categories)],
            "language": "en" if n % 3 else "zh_Hant",
        }
        for n in range(count)
    ]


def main() -> None:
    parser = common.parser(__doc__ or "")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--guests", type=int, default=5000, help="guests per bulk request")
    parser.add_argument("--rounds", type=int, default=3, help="bulk requests, one per event")
    parser.add_argument("--list-guests", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=300, help="guest-list pages asked")
    parser.add_argument(
        "--page-size", type=int, default=100, help="guests on a list page (`limit`, 1 to 100)"
    )
    args = parser.parse_args()

    import sqlalchemy as sa

    from registrar.extensions import db
    from registrar.models import ApiRole, Guest, Role
    from registrar.services import api_tokens
    from tests.support.factories import make_event, make_guests_in_bulk, make_staff

    print(f"load average before: {os.getloadavg()}")
    with common.bench_app(args.database_url) as app:
        app.config["REGISTRAR_API_TOKEN_LIMIT"] = "1000000 per minute"
        with app.app_context():
            db.create_all()
            events = [make_event(capacity=args.guests) for _ in range(args.rounds)]
            listed = make_event(capacity=args.list_guests)
            account = make_staff(
                common.BENCH_ORGANIZER,
                Role.ORGANIZER,
                "bench-organizer-password",
                [*events, listed],
            )
            ids = [e.id for e in events]
            made = api_tokens.create(
                "bench", ApiRole.ORGANIZER, [*ids, listed.id], account, None, "bench"
            )
            db.session.commit()
            listed_id = listed.id
            headers = {"Authorization": f"Bearer {made.secret}"}
        client = app.test_client()

        # 1. bulk creation
        rows = []
        for number, event_id in enumerate(ids):
            body = guests(args.guests, number)
            wall, cpu = time.perf_counter(), time.process_time()
            answer = client.post(
                f"/api/v1/events/{event_id}/guests/bulk", json=body, headers=headers
            )
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            if answer.status_code != 200:
                raise SystemExit(f"bulk refused: {answer.status_code} {answer.text[:500]}")
            if answer.get_json()["added"] != args.guests:
                raise SystemExit(f"bulk added {answer.get_json()['added']}, not {args.guests}")
            with app.app_context():
                stored = db.session.scalar(
                    sa.select(sa.func.count()).select_from(Guest).where(Guest.event_id == event_id)
                )
            if stored != args.guests:
                raise SystemExit(f"the event has {stored} guests, not {args.guests}")
            rows.append((wall, cpu, os.getloadavg()[0]))
        print()
        print(f"| bulk of {args.guests:,} guests | wall s | CPU s | load (1 min) |")
        print("| --- | --- | --- | --- |")
        for number, (wall, cpu, load) in enumerate(rows, 1):
            print(f"| round {number} | {wall:.2f} | {cpu:.2f} | {load:.2f} |")
        median = statistics.median(wall for wall, _, _ in rows)
        verdict = "within" if median <= TARGET_BULK_SECONDS else "OVER"
        print(f"median {median:.2f} s: {verdict} the target of {TARGET_BULK_SECONDS} s")

        # 2. the guest list at many guests
        with app.app_context():
            make_guests_in_bulk(db.session.get(type(listed), listed_id), args.list_guests)
            db.session.commit()
        size = args.page_size
        pages = -(-args.list_guests // size)
        rng = random.Random(15)
        path = f"/api/v1/events/{listed_id}/guests"
        kinds = {
            "default order": lambda: {"page": str(rng.randint(1, pages))},
            "by organization": lambda: {"sort": "organization", "page": str(rng.randint(1, 20))},
            "state filter": lambda: {"state": "confirmed", "page": str(rng.randint(1, 20))},
            "search": lambda: {"q": f"Bulk Guest {rng.randint(10, 99)}"},
        }
        kinds = {
            name: (lambda make=make: {**make(), "limit": str(size)}) for name, make in kinds.items()
        }
        # Warm the app and the database's caches.
        for query in ({"page": "1"}, {"q": "Guest"}):
            client.get(path, query_string=query, headers=headers)
        latencies: dict[str, list[float]] = {name: [] for name in kinds}
        cpu_times: dict[str, list[float]] = {name: [] for name in kinds}
        seen: set[int] = set()
        order = list(kinds) * (args.requests // len(kinds) + 1)
        for name in order[: args.requests]:
            query = kinds[name]()
            started, cpu = time.perf_counter(), time.process_time()
            answer = client.get(path, query_string=query, headers=headers)
            latencies[name].append((time.perf_counter() - started) * 1000)
            cpu_times[name].append((time.process_time() - cpu) * 1000)
            if answer.status_code != 200:
                raise SystemExit(f"list refused: {answer.status_code} {answer.text[:300]}")
            body = answer.get_json()
            if name == "default order":
                if body["total"] != args.list_guests or len(body["items"]) != min(
                    size, args.list_guests - (int(query["page"]) - 1) * size
                ):
                    raise SystemExit(f"page {query['page']}: {body['total']} guests, wrong page")
                seen.update(item["id"] for item in body["items"])
            elif name == "search" and not body["items"]:
                raise SystemExit(f"the search {query['q']!r} found nobody")
        load = os.getloadavg()
        print()
        print(
            f"| guest list at {args.list_guests:,} guests, {size} a page | requests | p50 ms | "
            "p95 ms | p99 ms | CPU ms p50 / p95 |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        every, every_cpu = [], []
        for name, values in [*latencies.items(), ("all", [])]:
            cpu_values = cpu_times.get(name, [])
            if name == "all":
                values, cpu_values = every, every_cpu
            else:
                every += values
                every_cpu += cpu_values
            if len(values) >= 2:
                cut, cpu_cut = common.percentiles(values), common.percentiles(cpu_values)
                print(
                    f"| {name} | {len(values)} | {cut['p50']:.1f} | {cut['p95']:.1f} | "
                    f"{cut['p99']:.1f} | {cpu_cut['p50']:.1f} / {cpu_cut['p95']:.1f} |"
                )
        cut = common.percentiles(every)
        verdict = "within" if cut["p95"] <= TARGET_PAGE_P95_MS else "OVER"
        print(f"p95 {cut['p95']:.1f} ms: {verdict} the target of {TARGET_PAGE_P95_MS:.0f} ms")
        print(f"distinct guests over the default order's pages read: {len(seen):,}")
        print(f"load average after: {load}")


if __name__ == "__main__":
    main()
