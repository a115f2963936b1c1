"""API token benchmark: the CPU a request with a bearer token costs next to the same request
with a browser's session, in this process.

One event, an organizer account logged in through /login, and a read token of the same
account. GET /api/v1/events/<id>/occupancy is asked R times (200 by default) with each, in
rounds that alternate (6 by default), so that both see the same load; the figure is the
process's CPU time per request, less sensitive to other processes than wall time. Prints the
median and every round's figure. The token's last use is written once, on the first request:
the others read the token and write nothing.

    .venv/bin/python scripts/bench/api_tokens.py
    .venv/bin/python scripts/bench/api_tokens.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import statistics
import time

import common


def main() -> None:
    parser = common.parser(__doc__ or "")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()

    from registrar.extensions import db
    from registrar.models import ApiRole, Role
    from registrar.services import api_tokens
    from tests.support.factories import make_event, make_staff

    password = "bench-organizer-password"
    with common.bench_app(args.database_url) as app:
        # The limit per token is read at each request: this is not what is measured.
        app.config["REGISTRAR_API_TOKEN_LIMIT"] = "1000000 per minute"
        with app.app_context():
            db.create_all()
            event = make_event()
            account = make_staff(common.BENCH_ORGANIZER, Role.ORGANIZER, password, [event])
            made = api_tokens.create("bench", ApiRole.READ, [event.id], account, None, "bench")
            db.session.commit()
            path = f"/api/v1/events/{event.id}/occupancy"
            secret = made.secret
        session = common.logged_in_client(app, common.BENCH_ORGANIZER, password)
        bearer = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        callers = {
            "bearer token": lambda: bearer.get(path, headers=headers),
            "session": lambda: session.get(path),
        }
        figures: dict[str, list[float]] = {name: [] for name in callers}
        for _round in range(args.rounds):
            for name, call in callers.items():
                started = time.process_time()
                for _ in range(args.requests):
                    if call().status_code != 200:
                        raise SystemExit(f"{name}: the request was refused")
                used = time.process_time() - started
                figures[name].append(used / args.requests * 1000)
        print("| caller | CPU ms per request, median | rounds |")
        print("| --- | --- | --- |")
        for name, values in figures.items():
            rounds = " ".join(f"{v:.2f}" for v in values)
            print(f"| {name} | {statistics.median(values):.2f} | {rounds} |")


if __name__ == "__main__":
    main()
