"""Scan benchmark: the door API under gunicorn (2 workers) on loopback.

Seeds an event with N confirmed guests in a fresh database, then for each concurrency level
scans every badge once (first scans: "ok") and once more (repeats: "already_checked_in"),
checking every verdict, and times GET /healthz on the same server as the baseline.
Prints a Markdown table for the README.

The load generator shares the machine's cores with the server, so it is kept lean: one
thread per door, each request on its own connection, written and read with plain sockets
(common.Door). Its own CPU time per request is printed with the table.

    scripts/bench-scans                      # SQLite in a temporary folder
    scripts/bench-scans --database-url postgresql://postgres@127.0.0.1:5432/test
    scripts/bench-scans --guests 100 --concurrency 1,4 --rounds 2    # a quick look
    scripts/bench-scans --sessions           # two sessions guests choose, now in the first

(scripts/bench-scans runs .venv/bin/python scripts/bench/scans.py, after making the .venv.)
"""

from __future__ import annotations

import os
import resource
import secrets
import tempfile
import time
from pathlib import Path

import common
import sqlalchemy as sa
from common import Door, health_job, run, scan_job

from tests.support.live_server import free_port


def reset_scans(database_url: str) -> None:
    from registrar.config import normalize_database_url

    engine = sa.create_engine(normalize_database_url(database_url))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM scans"))
        conn.execute(sa.text("DELETE FROM check_ins"))
    engine.dispose()


def client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def summary(name: str, concurrency: int, latencies: list[float], seconds: float) -> dict:
    return {
        "phase": name,
        "concurrency": concurrency,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
    } | common.percentiles(latencies)


def main() -> None:
    parser = common.parser(__doc__)
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
    parser.add_argument(
        "--sessions",
        action="store_true",
        help="the event has two sessions guests choose (every guest confirmed for both), "
        "and the scans count for the one under way",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="registrar-bench-") as tmp:
        tmp = Path(tmp)
        database_url, schema = common.bench_database(args.database_url, tmp, "bench.sqlite")
        secret = secrets.token_hex(32)
        with_sessions = " in two sessions" if args.sessions else ""
        print(f"Seeding {args.guests} confirmed guests{with_sessions} ...", flush=True)
        event_id, codes = common.seed_confirmed(
            database_url, tmp / "instance", secret, args.guests, sessions=args.sessions
        )
        port = free_port()
        server = common.start_server(port, args.workers, tmp / "gunicorn.log", args.threads)
        rows, errors = [], 0
        try:
            for concurrency in (int(c) for c in args.concurrency.split(",")):
                reset_scans(database_url)
                doors = [Door.logged_in(port) for _ in range(concurrency)]
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
            common.stop_server(server)
            if schema:
                common.drop_schema(args.database_url, schema)

    backend = sa.engine.make_url(database_url).get_backend_name()
    sessions = ", two sessions guests choose" if args.sessions else ""
    print(f"\n{args.guests} badges{sessions}, gunicorn {args.workers} workers "
          f"(gthread, {args.threads} threads each), {backend}, "
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
