"""Door rush: N guests scanned through 4 doors at once, with repeats and tampered badges.

Seeds N confirmed guests (1,000 by default) in a fresh database, starts gunicorn on loopback,
logs in one door session per door, and sends every badge once, 5% of them a second time (at
any door, at any moment), and 2% tampered codes, shuffled and spread over the doors, all at
once. Checks every verdict: each guest exactly one `ok` and `already_checked_in` for the rest,
`invalid` for every tampered code; occupancy exactly N; every scan recorded; no request failed.
Prints throughput and latency.

    .venv/bin/python scripts/bench/door_rush.py                 # SQLite in a temporary folder
    .venv/bin/python scripts/bench/door_rush.py --guests 100    # a quick look
    .venv/bin/python scripts/bench/door_rush.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import common
import sqlalchemy as sa
from common import Door, run, scan_job

from tests.support.live_server import free_port


def tampered(code: str, rng: random.Random) -> str:
    """The code with one character of its MAC changed: still the shape of a badge."""
    at = rng.randrange(len(code) - 16, len(code))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".replace(code[at], "")
    return code[:at] + rng.choice(alphabet) + code[at + 1 :]


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--doors", type=int, default=4)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="registrar-rush-") as tmp:
        tmp = Path(tmp)
        database_url, schema = common.bench_database(args.database_url, tmp, "rush.sqlite")
        server = None
        try:
            print(f"Seeding {args.guests} confirmed guests ...", flush=True)
            event_id, codes = common.seed_confirmed(
                database_url, tmp / "instance", secrets.token_hex(32), args.guests
            )
            jobs = [(code, code) for code in codes]
            jobs += [(code, code) for code in rng.sample(codes, len(codes) * 5 // 100)]
            jobs += [(tampered(code, rng), None) for code in rng.sample(codes, len(codes) // 50)]
            rng.shuffle(jobs)
            port = free_port()
            server = common.start_server(port, args.workers, tmp / "gunicorn.log")
            doors = [Door.logged_in(port) for _ in range(args.doors)]
            print(f"  {len(jobs)} scans through {args.doors} doors at once ...", flush=True)
            began = time.perf_counter()
            latencies, answers = run(doors, [scan_job(event_id, c) for c, _ in jobs])
            seconds = time.perf_counter() - began
            inside = doors[0].request("GET", f"/api/v1/events/{event_id}/occupancy")[1]
            backend = sa.engine.make_url(database_url).get_backend_name()
            recorded = common.count(database_url, "SELECT count(*) FROM scans")
        finally:
            common.stop_server(server)
            if schema:
                common.drop_schema(args.database_url, schema)

    # run() hands the jobs to the doors round-robin and returns their answers door by door.
    order = [i for door in range(args.doors) for i in range(door, len(jobs), args.doors)]
    verdicts: dict[str, list[str]] = defaultdict(list)
    failed, wrong = 0, []
    for index, (status, verdict) in zip(order, answers, strict=True):
        code, guest_code = jobs[index]
        if status != 200:
            failed += 1
        elif guest_code is None:
            if verdict != "invalid":
                wrong.append(f"tampered {code}: {verdict}")
        else:
            verdicts[guest_code].append(verdict)
    for code, seen in verdicts.items():
        if sorted(seen) != sorted(["ok"] + ["already_checked_in"] * (len(seen) - 1)):
            wrong.append(f"{code}: {seen}")
    p = common.percentiles(latencies)
    print(
        f"\n{args.guests} guests, {len(jobs)} scans ({len(jobs) - args.guests} repeats or "
        f"tampered), {args.doors} doors, gunicorn {args.workers} workers (gthread), {backend}, "
        f"{os.cpu_count()} cores\n"
    )
    print("| scans/s | p50 ms | p95 ms | p99 ms | wrong verdicts | failed | inside | recorded |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {len(jobs) / seconds:.0f} | {p['p50']:.1f} | {p['p95']:.1f} | {p['p99']:.1f} | "
        f"{len(wrong)} | {failed} | {inside['inside']} | {recorded} |"
    )
    problems = wrong[:5]
    if failed:
        problems.append(f"{failed} requests failed")
    if inside["inside"] != args.guests:
        problems.append(f"occupancy {inside['inside']}, expected {args.guests}")
    if recorded != len(jobs):
        problems.append(f"{recorded} scans recorded, expected {len(jobs)}")
    if problems:
        raise SystemExit("; ".join(problems))


if __name__ == "__main__":
    main()
