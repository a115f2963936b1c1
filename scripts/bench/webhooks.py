"""Webhook benchmark: what a webhook adds to a guest's answer, and how fast the sender delivers.

In one process, on a fresh database: two events with N guests each, one with no webhook and
one with a webhook wanting every kind. The guests answer "yes" in turns, one of each event
after the other (A/B interleaved on the same load), each answer the whole use case
(rsvp.answer and its commit); it prints the median and p95 CPU and wall time per answer of
each event. Then it starts a receiver on 127.0.0.1 (tests/support/webhook_receiver.py, which
checks every signature) and runs the sender until the queue is empty: deliveries per second,
CPU per delivery, and checks that every delivery arrived exactly once, signed.

    .venv/bin/python scripts/bench/webhooks.py                 # SQLite in a temporary folder
    .venv/bin/python scripts/bench/webhooks.py --guests 500 --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import common


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--guests", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from registrar.extensions import db
    from registrar.models import Channel, DeliveryStatus, WebhookDelivery
    from registrar.services import audit, rsvp, webhooks
    from registrar.webhooks import sender
    from tests.support.factories import make_event, make_guests
    from tests.support.webhook_receiver import Receiver

    with common.bench_app(args.database_url) as app, app.app_context():
        app.config["REGISTRAR_WEBHOOK_HOSTS"] = "127.0.0.1"
        db.create_all()
        receiver = Receiver()
        plain = make_event(capacity=args.guests * 2)
        hooked = make_event(capacity=args.guests * 2)
        hook = webhooks.register(
            hooked.id, receiver.url, [k.value for k in webhooks.WebhookKind], audit.SYSTEM
        )
        db.session.commit()
        receiver.secret = hook.secret
        guests = {
            name: [(g.id, g.token_version) for g in make_guests(event, args.guests)]
            for name, event in (("no webhook", plain), ("one webhook", hooked))
        }
        yes = rsvp.RsvpAnswer(attending=True, channel=Channel.EN)
        cpu: dict[str, list[float]] = {name: [] for name in guests}
        wall: dict[str, list[float]] = {name: [] for name in guests}
        for i in range(args.guests):
            for name, rows in guests.items():
                guest_id, version = rows[i]
                c0, w0 = time.process_time(), time.perf_counter()
                rsvp.answer(guest_id, version, yes, audit.GUEST)
                db.session.commit()
                cpu[name].append(time.process_time() - c0)
                wall[name].append(time.perf_counter() - w0)
                db.session.expunge_all()
        print(f"load average before the sender: {os.getloadavg()}")
        for name in guests:
            print(
                f"answer, {name}: CPU median {statistics.median(cpu[name]) * 1000:.2f} ms, "
                f"p95 {percentile(cpu[name], 0.95) * 1000:.2f} ms; wall median "
                f"{statistics.median(wall[name]) * 1000:.2f} ms, "
                f"p95 {percentile(wall[name], 0.95) * 1000:.2f} ms"
            )

        queued = db.session.query(WebhookDelivery).count()
        receiver.start()
        c0, w0 = time.process_time(), time.perf_counter()
        report = sender.deliver_due()
        cpu_sent, wall_sent = time.process_time() - c0, time.perf_counter() - w0
        receiver.stop()
        print(
            f"sender: {report.sent} of {queued} deliveries in {wall_sent:.2f} s "
            f"({report.sent / wall_sent:.0f}/s), CPU "
            f"{cpu_sent / max(report.sent, 1) * 1000:.2f} ms per delivery (the receiver's "
            f"threads included); load {os.getloadavg()}"
        )
        ids = [delivery_id for delivery_id, _, _ in receiver.received]
        problems = []
        if len(ids) != len(set(ids)) or len(ids) != queued:
            problems.append(f"received {len(ids)} ({len(set(ids))} distinct) of {queued}")
        if not all(ok for _, _, ok in receiver.received):
            problems.append("a signature did not verify")
        db.session.expire_all()
        unsent = (
            db.session.query(WebhookDelivery)
            .filter(WebhookDelivery.status != DeliveryStatus.SENT)
            .count()
        )
        if unsent:
            problems.append(f"{unsent} deliveries not recorded as sent")
        for problem in problems:
            print("FAILED:", problem)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
