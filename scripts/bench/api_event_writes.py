"""Organizer API benchmark: the CPU an event write and a programme write cost, in this process.

An organizer account and its organizer token. Each round (4 by default) makes R events
(40 by default: a token names 50 events at most, and those made are let go after each round)
with POST /api/v1/events, changes each once with PATCH (its title), puts
R programme items (with a speaker each) on a fresh event with POST .../programme, and reads
that programme (GET .../programme, R items) 20 times. The figure is the process's CPU time per
request, less sensitive to other processes than wall time. Prints the median and every
round's figure.

    .venv/bin/python scripts/bench/api_event_writes.py
    .venv/bin/python scripts/bench/api_event_writes.py --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import common

STARTS = datetime(2031, 5, 20, 1, 0, tzinfo=UTC)


def main() -> None:
    parser = common.parser(__doc__ or "")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()

    from registrar.extensions import db
    from registrar.models import ApiRole, ApiTokenEvent, Role
    from registrar.services import api_tokens
    from tests.support.factories import make_event, make_staff

    n = args.requests
    with common.bench_app(args.database_url) as app:
        # The limit per token is read at each request: this is not what is measured.
        app.config["REGISTRAR_API_TOKEN_LIMIT"] = "1000000 per minute"
        with app.app_context():
            db.create_all()
            event = make_event()
            account = make_staff(common.BENCH_ORGANIZER, Role.ORGANIZER, "bench-password", [event])
            made = api_tokens.create("bench", ApiRole.ORGANIZER, [event.id], account, None, "b")
            db.session.commit()
            secret = made.secret
            base = event.id
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}
        figures: dict[str, list[float]] = {}

        def timed(name: str, calls: list[Callable[[], object]]) -> list[object]:
            started = time.process_time()
            answers = [call() for call in calls]
            used = time.process_time() - started
            figures.setdefault(name, []).append(used / len(calls) * 1000)
            return answers

        def ok(response) -> dict:
            if response.status_code != 200:
                raise SystemExit(f"refused: {response.get_json()}")
            return response.get_json()

        def one_round(round_: int) -> None:

            def create(k: int) -> Callable[[], dict]:
                body = {
                    "slug": f"bench-{round_}-{k}",
                    "title_en": f"Bench forum {k}",
                    "venue_en": "Hall",
                    "timezone": "UTC",
                    "doors_open_at": (STARTS - timedelta(minutes=30)).isoformat(),
                    "starts_at": STARTS.isoformat(),
                    "ends_at": (STARTS + timedelta(minutes=n + 10)).isoformat(),
                    "rsvp_deadline": (STARTS - timedelta(days=3)).isoformat(),
                    "capacity": 100,
                }
                return lambda: ok(client.post("/api/v1/events", json=body, headers=headers))

            made_events = timed("POST /events", [create(k) for k in range(n)])
            ids = [e["id"] for e in made_events]  # type: ignore[index]
            timed(
                "PATCH /events/<id>",
                [
                    lambda: ok(
                        client.patch(
                            f"/api/v1/events/{ids[0]}", json={"title_en": "x"}, headers=headers
                        )
                    )
                ]
                * n,
            )
            programme = f"/api/v1/events/{ids[0]}/programme"

            def item(k: int) -> Callable[[], dict]:
                start = STARTS + timedelta(minutes=k)
                body = {
                    "starts": f"{start:%H:%M}",
                    "ends": f"{start + timedelta(minutes=1):%H:%M}",
                    "title_en": f"Item {k}",
                    "people": [{"role": "speaker", "name_en": f"Speaker {k}"}],
                }
                return lambda: ok(client.post(programme, json=body, headers=headers))

            timed("POST /programme", [item(k) for k in range(n)])
            timed(
                f"GET /programme ({n} items)",
                [lambda: ok(client.get(programme, headers=headers))] * 20,
            )
            with app.app_context():
                # The token lets go of the events made, to make as many again.
                db.session.query(ApiTokenEvent).filter(ApiTokenEvent.event_id != base).delete()
                db.session.commit()

        for round_ in range(args.rounds):
            one_round(round_)
        print("| request | CPU ms per request, median | rounds |")
        print("| --- | --- | --- |")
        for name, values in figures.items():
            rounds = " ".join(f"{v:.2f}" for v in values)
            print(f"| {name} | {statistics.median(values):.2f} | {rounds} |")


if __name__ == "__main__":
    main()
