"""Door rush through a PostgreSQL restart: nothing lost, nothing doubled, clear errors meanwhile.

Makes a private PostgreSQL cluster in a temporary folder (Debian's server binaries, run as the
`postgres` user when started as root; the machine's own server is not touched), seeds N
confirmed guests (1,000 by default), starts gunicorn with scripts/gunicorn.conf.py (2 workers)
on loopback, and scans every badge through 4 doors at once, 5% of them twice. When 30% of the
scans are answered it stops the database, leaves it down for 2 s and starts it again. Each door
sends a scan again, with the same nonce, until it is answered (as the scanner page does), for at
most --deadline seconds in all.

Checks: every request that failed got a 503 JSON answer with a message (and a page, a 503 page);
every scan got an answer, one `ok` per guest and `already_checked_in` for the repeats; occupancy
exactly N; one scan recorded per nonce; each guest entered once. Prints the figures, and exits
non-zero on any problem.

    .venv/bin/python scripts/bench/fault_db_restart.py
    .venv/bin/python scripts/bench/fault_db_restart.py --guests 200 --down 5 --mode immediate

The rush itself is tests/support/door_rush.py, which tests/test_faults.py runs as well.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from pathlib import Path

import common

from tests.support.door_rush import rush_through_restart
from tests.support.private_postgres import Unavailable, start_cluster


def main() -> None:
    parser = common.parser(__doc__)
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--doors", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--down", type=float, default=2.0, help="seconds the database stays down (default 2)"
    )
    parser.add_argument(
        "--mode",
        choices=("smart", "fast", "immediate"),
        default="fast",
        help="pg_ctl stop mode: fast ends sessions and rolls back open transactions (the "
        "default); immediate is a crash, recovered from the WAL at the start",
    )
    parser.add_argument(
        "--deadline", type=float, default=300, help="seconds before the doors give up"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="registrar-fault-") as tmp:
        # The seeding app's instance folder: not the checkout's (its config.py, its key).
        os.environ["REGISTRAR_INSTANCE_PATH"] = str(Path(tmp) / "seed-instance")
        try:
            cluster = start_cluster()
        except Unavailable as exc:
            raise SystemExit(f"No private PostgreSQL cluster: {exc}") from None
        try:
            print(
                f"Private PostgreSQL on 127.0.0.1:{cluster.port}; seeding {args.guests} "
                f"confirmed guests, then {args.doors} doors at once ...",
                flush=True,
            )
            outcome = rush_through_restart(
                cluster,
                Path(tmp),
                guests=args.guests,
                doors=args.doors,
                workers=args.workers,
                down_seconds=args.down,
                mode=args.mode,
                deadline_seconds=args.deadline,
            )
        finally:
            cluster.destroy()

    o = outcome
    answered = [a for a in o.answers if a is not None]
    tries = Counter(tries for _v, _r, tries, _at in answered)
    failures = Counter((f.status, f.code or f.message) for f in o.failures)
    entered = Counter(o.entries_per_guest.values())
    print(
        f"\n{o.guests} guests, {len(o.jobs)} scans ({len(o.jobs) - o.guests} repeats), "
        f"{o.doors} doors, gunicorn {args.workers} workers, PostgreSQL stopped ({args.mode}) "
        f"for {args.down:g} s after 30% of the scans, {os.cpu_count()} cores\n"
    )
    rows = [
        ("run time", f"{o.finished - o.started:.1f} s"),
        (
            "database down (stop command to accepting again)",
            f"{o.up - o.stopping:.2f} s (stopping took {o.down - o.stopping:.2f} s)",
        ),
        (
            "first answer after it was back",
            f"{(o.first_answer_after_up - o.up) * 1000:.0f} ms",
        ),
        (
            "failed tries, by answer",
            ", ".join(f"{n} x {status} {what}" for (status, what), n in failures.items()) or "0",
        ),
        (
            "scans sent again / most tries for one scan",
            f"{sum(n for t, n in tries.items() if t > 1)} / {max(tries)}",
        ),
        ("retries in all", str(o.retries)),
        ("answered from the first try's record (replayed)", str(o.replayed)),
        ("a page while down", " ".join(str(x) for x in o.page_while_down or ())),
        ("scans answered / never answered", f"{len(answered)} / {o.gave_up}"),
        ("wrong verdicts", str(len(o.wrong_verdicts()))),
        ("occupancy", str(o.inside)),
        ("scans recorded / distinct nonces", f"{o.recorded} / {o.distinct_nonces}"),
        ("guests entered once / more than once", f"{entered[1]} / {o.guests - entered[1]}"),
    ]  # fmt: skip
    print("| figure | value |\n| --- | --- |")
    for name, value in rows:
        print(f"| {name} | {value} |")
    problems = o.problems()
    if problems:
        raise SystemExit("; ".join(problems))
    print("\nNothing lost, nothing doubled.")


if __name__ == "__main__":
    main()
