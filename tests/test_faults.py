"""Faults: the database restarting in a door rush, the mail server going down in a batch, a
worker killed in the middle of a request. Real servers and processes, nothing simulated."""

from __future__ import annotations

import email
import http.client
import json
import os
import signal
import sqlite3
import threading
import time
import urllib.parse
from collections import Counter
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from support.app import TEST_SECRET
from support.auth import CSRF
from support.door_rush import DOOR_EMAIL, DOOR_PASSWORD, login_door, rush_through_restart
from support.factories import invitation_path, make_event, make_guest, make_staff
from support.live_server import Gunicorn, free_port, gunicorn
from support.private_postgres import Unavailable, start_cluster

from registrar import tokens
from registrar.errors import DatabaseUnavailable
from registrar.extensions import db
from registrar.mail import campaigns, delivery
from registrar.models import (
    AuditEntry,
    Channel,
    CheckIn,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Role,
    Rsvp,
    Scan,
    Seat,
    SeatState,
    utcnow,
)
from registrar.services import audit, rsvp

# -- the database restarts during the door rush -------------------------------------------------


@pytest.fixture
def private_cluster():
    """A PostgreSQL cluster of this test's own: stopping it disturbs nobody else."""
    try:
        cluster = start_cluster()
    except Unavailable as exc:
        pytest.skip(f"no private PostgreSQL cluster: {exc}")
    yield cluster
    cluster.destroy()


def test_a_database_restart_in_a_door_rush_loses_and_doubles_nothing(
    private_cluster, tmp_path, instance_path
):
    outcome = rush_through_restart(
        private_cluster, tmp_path, guests=200, doors=4, restart_after=0.3, down_seconds=1.0
    )

    # While the database was away every door was told so clearly, and nothing failed before.
    assert outcome.failures, "the restart met no scan"
    assert {(f.status, f.json, f.code, f.message) for f in outcome.failures} == {
        (503, True, "database_unavailable", str(DatabaseUnavailable.default_message))
    }
    assert min(f.at for f in outcome.failures) >= outcome.stopping
    status, content_type, title = outcome.page_while_down
    assert (status, content_type.split(";")[0]) == (503, "text/html")
    assert title.startswith(str(DatabaseUnavailable.title))
    # Every door sent its scans again with the same nonces until they were answered.
    assert outcome.gave_up == 0
    assert outcome.retries >= len(outcome.failures)
    assert outcome.wrong_verdicts() == []
    # Nothing lost, nothing doubled.
    assert outcome.inside == 200
    assert outcome.recorded == outcome.distinct_nonces == len(outcome.jobs)
    assert sorted(outcome.entries_per_guest.values()) == [1] * 200
    assert outcome.confirmed == 200
    assert outcome.problems() == []


# -- the mail server goes down during a batch ---------------------------------------------------


class GoesDown:
    """An SMTP server's handler that keeps what it accepts and, once, dies in the middle of
    receiving a message: after `down_at - 1` messages it closes the connection instead of
    accepting the next one, and says so through `went_down`."""

    def __init__(self, down_at: int):
        self.down_at: int | None = down_at
        self.went_down = threading.Event()
        self.message_ids: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        if self.down_at is not None and len(self.message_ids) + 1 == self.down_at:
            self.down_at = None
            server.transport.close()
            self.went_down.set()
            return "421 4.3.2 Going down"  # nobody hears it: the connection is closed
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.message_ids.append(message["Message-ID"])
        return "250 2.0.0 Accepted"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def app_config(app_config, smtp_port):
    return {
        **app_config,
        "REGISTRAR_MAIL_BACKEND": "smtp",
        "REGISTRAR_SMTP_HOST": "127.0.0.1",
        "REGISTRAR_SMTP_PORT": smtp_port,
        "REGISTRAR_SMTP_TIMEOUT": 5,
    }


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_mail_server_down_in_a_batch_loses_and_doubles_nothing(app, runner, smtp_port):
    event = make_event(capacity=40)
    for _ in range(30):
        make_guest(event)
    assert len(campaigns.send_invitations(event, audit.SYSTEM)) == 30
    db.session.commit()
    handler = GoesDown(down_at=6)
    server = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    server.start()

    def stop_when_it_goes_down():
        handler.went_down.wait(timeout=30)
        server.stop()

    stopper = threading.Thread(target=stop_when_it_goes_down)
    stopper.start()
    try:
        # The sender, as cron runs it: the server dies under the sixth message.
        result = runner.invoke(args=["mail", "send"])
    finally:
        stopper.join(timeout=30)
        handler.went_down.set()
    assert result.exit_code == 1, result.output
    assert "sent 5, retrying later 1" in result.output
    assert "The mail server went away" in result.output
    assert "wait for the next run" in result.output
    assert len(handler.message_ids) == 5
    messages = _outbox()
    assert [m.status for m in messages] == [MessageStatus.SENT] * 5 + [MessageStatus.QUEUED] * 25
    assert (messages[5].attempts, messages[6].attempts) == (1, 0)
    assert "SMTPServerDisconnected" in messages[5].last_error

    # Still down: the next run tries one message, is refused, and leaves the rest waiting.
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "retrying later 1" in result.output
    messages = _outbox()
    assert "refused" in messages[6].last_error.lower()
    assert [m.attempts for m in messages[7:]] == [0] * 23
    status = runner.invoke(args=["mail", "status"]).output.splitlines()
    assert status[0] == "queued 25, sending 0, sent 5, failed 0, cancelled 0"

    # Back up: the next run sends what is due; the two that failed wait their minute.
    server = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output
        assert "sent 23, retrying later 0, failed 0" in result.output
        report = delivery.deliver_due(now=utcnow() + timedelta(minutes=2))
        db.session.commit()
        assert report.sent == 2
    finally:
        server.stop()

    # Every message arrived, exactly once, and is shown as sent.
    received = Counter(handler.message_ids)
    assert len(received) == 30 and set(received.values()) == {1}
    messages = _outbox()
    assert set(received) == {m.message_id for m in messages}
    assert all(m.status == MessageStatus.SENT and m.sent_at for m in messages)
    status = runner.invoke(args=["mail", "status"]).output.splitlines()
    assert status[0] == "queued 0, sending 0, sent 30, failed 0, cancelled 0"


# -- a worker killed in the middle of a request -------------------------------------------------


@pytest.fixture
def server(app, database_url, tmp_path, request):
    env = {
        "DATABASE_URL": database_url,
        "REGISTRAR_SECRET_KEY": TEST_SECRET,
        "REGISTRAR_INSTANCE_PATH": str(tmp_path / "server-instance"),
        "REGISTRAR_ACCESS_LOG": str(tmp_path / "access.log"),
        "REGISTRAR_RATELIMIT_ENABLED": "0",
        # The requests below wait for a lock held on purpose: longer than they are made to.
        "REGISTRAR_LOCK_TIMEOUT": "30",
    }
    failed_before = request.session.testsfailed
    with gunicorn(env, tmp_path / "gunicorn.log", workers=2) as running:
        yield running
        if request.session.testsfailed > failed_before:
            print(f"gunicorn log:\n{running.log()}")


class HeldLock:
    """A lock the request will wait for, held from a connection of the test's own.

    PostgreSQL: the guest's row, FOR UPDATE. The request takes the event lock, decides, and
    stops at its first INSERT that refers to the guest (the foreign key check needs that row):
    it is killed in the middle of its transaction. SQLite: the database's write lock; the
    request stops before its transaction begins.
    """

    def __init__(self, guest_id: int):
        db.session.commit()
        self.engine = db.engine
        if self.engine.dialect.name == "sqlite":
            self.path = self.engine.url.database
            self.conn = sqlite3.connect(self.path, isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn = self.engine.connect()
            self.conn.execute(
                sa.text("SELECT id FROM guests WHERE id = :id FOR UPDATE"), {"id": guest_id}
            )
            self.backend = self.conn.scalar(sa.text("SELECT pg_backend_pid()"))

    def waiting_statement(self, pid: int) -> str | None:
        """What the request of worker `pid` waits in, once it waits for this lock."""
        if self.engine.dialect.name == "sqlite":
            # The worker has passed the write gate (db_setup.GatedConnection, an flock() on a
            # file beside the database) and waits for SQLite's own lock behind it.
            gate = os.stat(f"{self.path}-writer").st_ino
            for line in Path("/proc/locks").read_text().splitlines():
                fields = line.split()
                if fields[1:2] == ["FLOCK"] and fields[4:5] == [str(pid)]:
                    if fields[5].endswith(f":{gate}"):
                        return "BEGIN IMMEDIATE"
            return None
        with self.engine.connect() as conn:
            return conn.scalar(
                sa.text("SELECT query FROM pg_stat_activity WHERE :b = ANY(pg_blocking_pids(pid))"),
                {"b": self.backend},
            )

    def release(self) -> None:
        if self.engine.dialect.name == "sqlite":
            self.conn.execute("ROLLBACK")
        else:
            self.conn.rollback()
        self.conn.close()


def _wait_for(predicate, what: str, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while not (found := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return found


def _killed_in_flight(server: Gunicorn, lock: HeldLock, path: str, body: bytes, headers: dict):
    """Send a request, wait until it waits for the lock, SIGKILL the worker running it, and
    return what the client got (an exception, we expect), the killed pid and the statement
    the request was in."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.connect()
    client_port = conn.sock.getsockname()[1]
    conn.request("POST", path, body=body, headers=headers)
    worker = _wait_for(lambda: server.worker_serving(client_port), "a worker to take the request")
    statement = _wait_for(lambda: lock.waiting_statement(worker), "the request to wait")
    os.kill(worker, signal.SIGKILL)
    try:
        answer = conn.getresponse()
        got: object = (answer.status, answer.read()[:200])
    except (ConnectionError, http.client.HTTPException) as exc:
        got = exc
    finally:
        conn.close()
    return got, worker, statement


def _assert_died_in_flight(
    server: Gunicorn, workers: set[int], got: object, killed: int, statement: str
) -> set[int]:
    """The client saw the connection die (no false success), and gunicorn replaced the worker.
    Returns the workers now."""
    assert isinstance(got, ConnectionError | http.client.HTTPException), got
    assert killed in workers
    # PostgreSQL: killed with the event locked, in the middle of writing (a first entry writes
    # its scan and the guest's presence in one INSERT ... WITH). SQLite: waiting for the write
    # lock, before anything was written.
    assert statement.split()[0] in ("INSERT", "UPDATE", "WITH", "BEGIN"), statement
    if statement.startswith("WITH"):
        assert "INSERT INTO" in statement, statement
    return server.wait_for_workers(len(workers), not_in={killed})


def _headers(session: requests.Session, content_type: str, extra: dict | None = None) -> dict:
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return {"Content-Type": content_type, "Cookie": cookie, **(extra or {})}


def _count(model, *where) -> int:
    db.session.expire_all()
    count = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
    # On SQLite an open transaction of the test holds the write lock the server needs.
    db.session.commit()
    return count


def test_a_worker_killed_mid_request_leaves_nothing_half_done_and_the_retry_counts_once(
    app, server
):
    event = make_event(capacity=10)
    arriving, answering = make_guest(event), make_guest(event)
    rsvp.answer(arriving.id, 1, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), audit.GUEST)
    make_staff(DOOR_EMAIL, Role.DOOR, DOOR_PASSWORD)
    event_id, arriving_id, answering_id = event.id, arriving.id, answering.id
    badge = tokens.badge_code(event_id, arriving_id, 1)
    page = invitation_path(answering)
    db.session.commit()
    door, door_csrf = login_door(server.url)
    guest = requests.Session()
    guest_csrf = _csrf(guest.get(server.url + page, timeout=30).text)
    workers = server.workers()

    # A scan in flight when its worker dies.
    scans = f"/api/v1/events/{event_id}/scans"
    scan = {"code": badge, "nonce": "door-1-0001", "gate": "A"}
    lock = HeldLock(arriving_id)
    try:
        died = _killed_in_flight(
            server,
            lock,
            scans,
            json.dumps(scan).encode(),
            _headers(door, "application/json", {"X-CSRFToken": door_csrf}),
        )
    finally:
        lock.release()
    workers = _assert_died_in_flight(server, workers, *died)
    assert _count(Scan) == 0 and _count(CheckIn) == 0
    # The scanner sends it again with the same nonce: recorded once, answered the same.
    answers = [
        door.post(server.url + scans, json=scan, headers={"X-CSRFToken": door_csrf}, timeout=30)
        for _ in range(2)
    ]
    assert [(a.status_code, a.json()["verdict"], a.json()["replayed"]) for a in answers] == [
        (200, "ok", False),
        (200, "ok", True),
    ]
    assert _count(Scan) == 1 and _count(CheckIn, CheckIn.inside.is_(True)) == 1

    # A guest's "yes" in flight when its worker dies.
    yes = {"csrf_token": guest_csrf, "attending": "yes", "channel": "zh"}
    lock = HeldLock(answering_id)
    try:
        died = _killed_in_flight(
            server,
            lock,
            page,
            urllib.parse.urlencode(yes).encode(),
            _headers(guest, "application/x-www-form-urlencoded"),
        )
    finally:
        lock.release()
    _assert_died_in_flight(server, workers, *died)
    # No answer, no seat, no e-mail, no audit entry: the transaction never committed.
    mine = (answering_id,)
    assert _count(Rsvp, Rsvp.guest_id.in_(mine)) == 0
    assert _count(Seat, Seat.guest_id.in_(mine)) == 0
    assert _count(OutboxMessage, OutboxMessage.guest_id.in_(mine)) == 0
    assert (
        _count(AuditEntry, AuditEntry.guest_id.in_(mine), AuditEntry.action != "guest.added") == 0
    )
    # The guest presses "Yes" again (twice, to be sure): one answer, one seat, one e-mail.
    for _ in range(2):
        answer = guest.post(server.url + page, data=yes, allow_redirects=False, timeout=30)
        assert answer.status_code in (302, 303), answer.text[:300]
    db.session.expire_all()
    assert [
        (s.guest_id, s.state)
        for s in db.session.scalars(sa.select(Seat).where(Seat.guest_id == answering_id))
    ] == [(answering_id, SeatState.CONFIRMED)]
    assert _count(Rsvp, Rsvp.guest_id == answering_id, Rsvp.attending.is_(True)) == 1
    assert _count(OutboxMessage, OutboxMessage.guest_id == answering_id,
                  OutboxMessage.kind == MessageKind.CONFIRMATION) == 1  # fmt: skip
    assert (
        _count(
            AuditEntry, AuditEntry.guest_id == answering_id, AuditEntry.action == "rsvp.answered"
        )
        == 1
    )


def _csrf(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)
