"""Mail sender benchmark: confirmations and invitations delivered to a real SMTP server on the
loopback, by one sender and by two at once, while another process times empty write
transactions.

For each kind (confirmations: badge PDF, QR code and .ics; invitations: text only) and each
number of senders (1 and 2), it seeds a fresh database with N queued messages, starts the
senders as processes of their own (`deliver_due` until the queue is empty) and, beside them, a
process that begins and commits an empty write transaction every 20 ms through the app's own
engine (on SQLite: BEGIN IMMEDIATE, the lock every RSVP answer and door scan takes). The SMTP
server (aiosmtpd, a process of its own) writes down the Message-ID of every message it accepts.

It prints messages per second per sender and in all, the senders' CPU per message, the
probe's wait (median, p99, max in ms) and the speed-up of two senders over one; and checks
that every message arrived exactly once (Message-IDs at the server) and is recorded as sent.
It exits non-zero when a check fails.

    .venv/bin/python scripts/bench/mail.py                          # SQLite in a temporary folder
    .venv/bin/python scripts/bench/mail.py --confirmations 300 --invitations 600
    .venv/bin/python scripts/bench/mail.py --database-url postgresql://postgres@127.0.0.1:5432/test

On PostgreSQL each run's tables go into a schema of the benchmark's own, dropped at the end.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import common

MAX_MESSAGES = 5000
PROBE_EVERY = 0.02  # seconds between the probe's write transactions
RUN_LIMIT = 600  # seconds a sender or the probe may live at most
SERVER_LIMIT = 3600  # seconds the SMTP server may live at most (it serves every run)
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


# -- the processes ----------------------------------------------------------------------------


def serve_smtp(port: int, record: Path, ready: Path) -> None:
    """An SMTP server on 127.0.0.1:port that appends each accepted message's Message-ID to
    `record`; it stops when the file `<ready>.stop` appears, or after SERVER_LIMIT seconds."""
    from aiosmtpd.controller import Controller

    out = record.open("ab", buffering=0)

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            head = envelope.original_content.split(b"\r\n\r\n", 1)[0]
            found = MESSAGE_ID.search(head)
            out.write((found.group(1) if found else b"-") + b"\n")
            return "250 2.0.0 Accepted"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.touch()
    stop = ready.with_suffix(".stop")
    deadline = time.monotonic() + SERVER_LIMIT
    try:
        while not stop.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        controller.stop()
        out.close()


def app_from_environment():
    from registrar import create_app

    return create_app()


def send(go: Path) -> None:
    """A mail sender: waits for the file `go`, then delivers until the queue is empty; prints
    what it handled, its CPU seconds and its start and end (wall clock)."""
    from registrar.extensions import db
    from registrar.mail import delivery

    app = app_from_environment()
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.session.rollback()
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        started, cpu = time.time(), time.process_time()
        report = delivery.deliver_due()
        print(
            json.dumps(
                {
                    "sent": report.sent,
                    "handled": report.handled,
                    "cpu": time.process_time() - cpu,
                    "started": started,
                    "ended": time.time(),
                    "stopped": report.stopped,
                }
            )
        )


def probe(stop: Path) -> None:
    """Empty write transactions every PROBE_EVERY seconds through the app's engine until the
    file `stop` appears; prints how long each took (ms) as JSON."""
    from registrar.extensions import db

    app = app_from_environment()
    waits = []
    with app.app_context():
        engine = db.engine
        with engine.begin():
            pass
        deadline = time.monotonic() + RUN_LIMIT
        while not stop.exists() and time.monotonic() < deadline:
            at, started = time.time(), time.perf_counter()
            with engine.begin():  # on SQLite: BEGIN IMMEDIATE, COMMIT
                pass
            waits.append((at, (time.perf_counter() - started) * 1000))
            time.sleep(PROBE_EVERY)
    print(json.dumps(waits))


# -- seeding ----------------------------------------------------------------------------------


def seed(database_url: str, kind: str, count: int) -> None:
    """A fresh database with one event and `count` queued messages of `kind` to as many guests."""
    import sqlalchemy as sa

    from registrar.extensions import db
    from registrar.models import Category, Guest, Language, MessageKind, utcnow
    from registrar.services import audit, outbox
    from tests.support.factories import make_confirmed_in_bulk, make_event

    app = app_from_environment()
    with app.app_context():
        db.drop_all()
        db.create_all()
        event = make_event(capacity=count)
        if kind == "confirmations":
            ids = make_confirmed_in_bulk(event, count)
            message_kind = MessageKind.CONFIRMATION
        else:
            now = utcnow()
            ids = db.session.scalars(
                sa.insert(Guest).returning(Guest.id, sort_by_parameter_order=True),
                [
                    dict(
                        event_id=event.id,
                        email=f"invited{n}@example.org",
                        name_en=f"Invited Guest {n}",
                        name_zh=f"受邀來賓{n}號" if n % 4 else "",
                        organization="ICLEI East Asia" if n % 3 else "高雄市政府環境保護局",
                        title="",
                        category=list(Category)[n % len(Category)],
                        language=Language.ZH_HANT if n % 2 else Language.EN,
                        token_version=1,
                        badge_version=1,
                        invited_at=now,
                        updated_at=now,
                    )
                    for n in range(count)
                ],
            ).all()
            message_kind = MessageKind.INVITATION
        for guest in db.session.scalars(sa.select(Guest).where(Guest.id.in_(ids))):
            outbox.enqueue(guest, message_kind, actor=audit.SYSTEM)
        db.session.commit()
        db.engine.dispose()


# -- one run ----------------------------------------------------------------------------------


def one_run(args, folder: Path, port: int, record: Path, kind: str, senders: int) -> dict:
    count = args.confirmations if kind == "confirmations" else args.invitations
    url, schema = common.bench_database(args.database_url, folder, f"{kind}-{senders}.sqlite")
    os.environ["DATABASE_URL"] = url
    try:
        seed(url, kind, count)
        record.write_bytes(b"")
        go, stop = folder / f"go-{kind}-{senders}", folder / f"stop-{kind}-{senders}"
        here = [sys.executable, __file__]
        prober = subprocess.Popen([*here, "--probe", str(stop)], stdout=subprocess.PIPE)
        workers = [
            subprocess.Popen([*here, "--send", str(go)], stdout=subprocess.PIPE)
            for _ in range(senders)
        ]
        time.sleep(2.0)  # the apps made, the probe measuring the idle database meanwhile
        go.touch()
        outputs = [worker.communicate(timeout=RUN_LIMIT)[0] for worker in workers]
        stop.touch()
        waits = json.loads(prober.communicate(timeout=60)[0])
        results = [json.loads(out.splitlines()[-1]) for out in outputs]
        started = min(r["started"] for r in results)
        ended = max(r["ended"] for r in results)
        # The probe's readings begun while the senders worked.
        busy = [ms for at, ms in waits if started <= at <= ended]
        idle = [ms for at, ms in waits if at < started]
        ids = [line for line in record.read_bytes().splitlines() if line]
        sent_in_db = common.count(url, "SELECT count(*) FROM outbox_messages WHERE status = 'sent'")
        repeats = sum(n - 1 for n in Counter(ids).values() if n > 1)
        return {
            "kind": kind,
            "senders": senders,
            "messages": count,
            "seconds": ended - started,
            "rate": count / (ended - started),
            "cpu_ms": 1000 * sum(r["cpu"] for r in results) / max(count, 1),
            "per_sender": [r["handled"] for r in results],
            "probe": busy,
            "idle": idle,
            "received": len(ids),
            "unique": len(set(ids)),
            "repeats": repeats,
            "sent_in_db": sent_in_db,
            "stopped": "; ".join(r["stopped"] for r in results if r["stopped"]),
            "ok": len(set(ids)) == count and repeats == 0 and sent_in_db == count,
        }
    finally:
        if schema:
            common.drop_schema(args.database_url, schema)


def wait_line(waits: list[float]) -> str:
    if len(waits) < 2:
        return "n/a"
    p = common.percentiles(waits)
    return f"{statistics.median(waits):.2f} / {p['p99']:.2f} / {max(waits):.2f}"


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] in ("--serve", "--send", "--probe"):
        if sys.argv[1] == "--send":
            send(Path(sys.argv[2]))
        else:
            probe(Path(sys.argv[2]))
        return 0
    if len(sys.argv) == 5 and sys.argv[1] == "--smtp":
        serve_smtp(int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
        return 0

    options = common.parser(__doc__)
    options.add_argument("--confirmations", type=int, default=300)
    options.add_argument("--invitations", type=int, default=600)
    options.add_argument("--senders", default="1,2", help="sender counts to run, e.g. 1,2")
    options.add_argument("--kinds", default="confirmations,invitations")
    options.add_argument("--database-url", help="PostgreSQL server to run on (own schema)")
    args = options.parse_args()
    if not (0 < args.confirmations <= MAX_MESSAGES and 0 < args.invitations <= MAX_MESSAGES):
        options.error(f"between 1 and {MAX_MESSAGES} messages of each kind")
    sender_counts = [int(n) for n in args.senders.split(",")]
    if not all(1 <= n <= 4 for n in sender_counts):
        options.error("1 to 4 senders")

    from tests.support.live_server import free_port

    failed = False
    rows = []
    with tempfile.TemporaryDirectory(prefix="registrar-bench-mail-") as tmp:
        folder = Path(tmp)
        (folder / "instance").mkdir()
        port = free_port()
        os.environ.update(
            REGISTRAR_SECRET_KEY=secrets.token_hex(32),
            REGISTRAR_INSTANCE_PATH=str(folder / "instance"),
            REGISTRAR_MAIL_BACKEND="smtp",
            REGISTRAR_SMTP_HOST="127.0.0.1",
            REGISTRAR_SMTP_PORT=str(port),
            REGISTRAR_SMTP_SECURITY="none",
            REGISTRAR_SMTP_TIMEOUT="10",
            REGISTRAR_MAIL_FROM="CityCOP Registrar <registrar@forum.example>",
        )
        record, ready = folder / "received", folder / "smtp-ready"
        server = subprocess.Popen(
            [sys.executable, __file__, "--smtp", str(port), str(record), str(ready)]
        )
        try:
            deadline = time.monotonic() + 30
            while not ready.exists():
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the SMTP server did not start")
                time.sleep(0.05)
            for kind in args.kinds.split(","):
                for senders in sender_counts:
                    row = one_run(args, folder, port, record, kind, senders)
                    rows.append(row)
                    failed |= not row["ok"]
        finally:
            ready.with_suffix(".stop").touch()
            server.wait(timeout=30)

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\nMail sender, {database}, SMTP server on loopback (load {os.getloadavg()[0]:.2f})\n")
    print(
        "| kind | senders | messages | seconds | messages/s | per sender | CPU ms/message "
        "| empty write waits ms (median / p99 / max) | every message once |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        check = "yes" if r["ok"] else (
            f"NO: {r['unique']} of {r['messages']} arrived, {r['repeats']} repeats, "
            f"{r['sent_in_db']} recorded sent {r['stopped']}"
        )  # fmt: skip
        print(
            f"| {r['kind']} | {r['senders']} | {r['messages']} | {r['seconds']:.2f} "
            f"| {r['rate']:.1f} | {r['rate'] / r['senders']:.1f} | {r['cpu_ms']:.1f} "
            f"| {wait_line(r['probe'])} | {check} |"
        )
    idle = [ms for r in rows for ms in r["idle"]]
    print(f"\nempty write waits ms with no sender at work (median / p99 / max): {wait_line(idle)}")
    by = {(r["kind"], r["senders"]): r for r in rows}
    for kind in args.kinds.split(","):
        if (kind, 1) in by and (kind, 2) in by:
            print(f"{kind}: two senders {by[kind, 2]['rate'] / by[kind, 1]['rate']:.2f}x one")
    print("\nall checks passed" if not failed else "\nA CHECK FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
