"""The seat rules under real parallel RSVPs against gunicorn with four worker processes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from support import factories
from support.app import TEST_SECRET
from support.live_server import stop
from support.sessions import make_sessions_event

from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AuditEntry,
    Channel,
    Event,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    SessionSeat,
)
from registrar.services import audit, outbox, rsvp, seats

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REQUEST_TIMEOUT = 30
STARTUP_TIMEOUT = 30
CSRF_INPUT = re.compile(r"<input[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE_ATTR = re.compile(r"\bvalue=\"([^\"]+)\"")
PAGE_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
ACCESS_LINE = re.compile(r"^access pid=<(\d+)> (\w+) ", re.MULTILINE)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class Post:
    session: requests.Session
    path: str
    data: dict


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log()}")
        try:
            requests.get(server.url + "/", timeout=5)
            return
        except (requests.ConnectionError, requests.Timeout):
            # The arbiter's socket accepts before a worker is up: a timeout means "not yet".
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer within {STARTUP_TIMEOUT}s:\n{server.log()}")


def _gunicorn_command(port: int) -> list[str]:
    # As the README deploys it, only on a free loopback port and with pids in the access log.
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "4",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--graceful-timeout",
        "5",
        # The worker's pid in each access line shows that the race spread over processes.
        "--access-logfile",
        "-",
        "--access-logformat",
        "access pid=%(p)s %(m)s %(s)s",
        "registrar:create_app()",
    ]


@pytest.fixture
def server(app, database_url, tmp_path, request):
    """gunicorn serving the test's database, configured only through the environment."""
    instance = tmp_path / "server-instance"
    instance.mkdir()
    log_path = tmp_path / "gunicorn.log"
    port = _free_port()
    # Only what is set here configures the server, whatever the developer's shell exports.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN", "REGISTRAR_"))}
    env.update(
        DATABASE_URL=database_url,
        # The test makes the invitation tokens, so the server must sign with the same key.
        REGISTRAR_SECRET_KEY=TEST_SECRET,
        REGISTRAR_INSTANCE_PATH=str(instance),
        # Every simulated guest comes from 127.0.0.1; the limits are not what is tested here.
        REGISTRAR_RATELIMIT_ENABLED="0",
    )
    failed_before = request.session.testsfailed
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _gunicorn_command(port), cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    running = Server(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_up(running)
        yield running
    finally:
        stop(process)
        # pytest shows a test's teardown output only when the test failed.
        if request.session.testsfailed > failed_before:
            print(f"gunicorn log ({log_path}):\n{running.log()}")


def _new_event(capacity: int, guest_count: int) -> tuple[int, list[int], list[str]]:
    """An event and its guests, committed; returns the ids and invitation paths."""
    event = factories.make_event(capacity=capacity, held_seats=0)
    guests = factories.make_guests(event, guest_count)
    result = event.id, [g.id for g in guests], [factories.invitation_path(g) for g in guests]
    # Reading expired attributes began a transaction; on SQLite it would hold the write lock.
    db.session.commit()
    return result


def _csrf_token(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    assert tag, "no csrf_token input on the invitation page"
    return VALUE_ATTR.search(tag.group(0)).group(1)


def _open_invitation(server: Server, path: str) -> tuple[requests.Session, str]:
    """What a browser does first: load the page, getting the session cookie and CSRF token."""
    session = requests.Session()
    # Without this the POST would reuse the connection, which the server closes after two idle
    # seconds; a POST sent just then dies with "Remote end closed connection without response".
    page = session.get(server.url + path, headers={"Connection": "close"}, timeout=REQUEST_TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    return session, _csrf_token(page.text)


def _open_invitations(server: Server, paths: list[str]) -> list[tuple[requests.Session, str]]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda path: _open_invitation(server, path), paths))


def _race(server: Server, posts: list[Post]) -> list[requests.Response]:
    """Send every POST at once: each thread waits at the barrier until all are ready."""
    barrier = threading.Barrier(len(posts))

    def send(post: Post) -> requests.Response:
        barrier.wait(timeout=REQUEST_TIMEOUT)
        return post.session.post(
            server.url + post.path,
            data=post.data,
            allow_redirects=False,
            timeout=REQUEST_TIMEOUT,
        )

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        return list(pool.map(send, posts))


def _worker_pids(server: Server, method: str, count: int) -> set[str]:
    """The worker processes that served the last `count` requests of `method`."""
    # A worker writes its access line after sending the response, so give it a moment.
    deadline = time.monotonic() + 5
    while True:
        served = [pid for pid, m in ACCESS_LINE.findall(server.log()) if m == method]
        if len(served) >= count or time.monotonic() > deadline:
            return set(served[-count:])
        time.sleep(0.1)


def _page_title(html: str) -> str:
    title = PAGE_TITLE.search(html)
    return title.group(1).strip() if title else html[:200]


def _assert_answered_without_error(responses: list[requests.Response]) -> None:
    bad = Counter(
        (r.status_code, _page_title(r.text))
        for r in responses
        if r.status_code not in (200, 302, 303)
    )
    assert not bad, f"answers that failed, by status and page title: {dict(bad)}"


def _yes(token: str) -> dict:
    return {"csrf_token": token, "attending": "yes", "channel": "en"}


def _seats_of(event_id: int) -> list[Seat]:
    return list(db.session.scalars(sa.select(Seat).where(Seat.event_id == event_id)))


def _audit(event_id: int, action: str | None = None) -> list[AuditEntry]:
    query = sa.select(AuditEntry).where(AuditEntry.event_id == event_id).order_by(AuditEntry.id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def _most_confirmed_at_once(event_id: int) -> int:
    """Replay the audit log; its ids follow the lock order, each change being made under it."""
    confirmed = most = 0
    for entry in _audit(event_id):
        if entry.action in ("seat.confirmed", "seat.promoted"):
            confirmed += 1
        elif entry.action == "seat.released" and entry.details["state"] == "confirmed":
            confirmed -= 1
        most = max(most, confirmed)
    return most


def test_sixty_guests_race_for_twenty_seats(app, server):
    event_id, guest_ids, paths = _new_event(capacity=20, guest_count=60)
    opened = _open_invitations(server, paths)

    responses = _race(
        server, [Post(s, path, _yes(token)) for (s, token), path in zip(opened, paths, strict=True)]
    )

    _assert_answered_without_error(responses)
    # Otherwise this would test only the threads of one process.
    assert len(_worker_pids(server, "POST", 60)) > 1
    db.session.expire_all()
    all_seats = _seats_of(event_id)
    assert Counter(s.guest_id for s in all_seats) == Counter(guest_ids)
    confirmed = [s for s in all_seats if s.state == SeatState.CONFIRMED]
    waitlisted = [s for s in all_seats if s.state == SeatState.WAITLISTED]
    assert len(confirmed) == 20
    assert len(waitlisted) == 40
    assert all(s.queue_number is None for s in confirmed)
    assert sorted(s.queue_number for s in waitlisted) == list(range(1, 41))
    assert sorted(seats.waitlist_position(s) for s in waitlisted) == list(range(1, 41))
    assert db.session.get(Event, event_id).waitlist_counter == 40
    answered = _audit(event_id, "rsvp.answered")
    assert sorted(e.guest_id for e in answered) == sorted(guest_ids)
    assert len(_audit(event_id, "seat.confirmed")) == 20
    assert len(_audit(event_id, "seat.waitlisted")) == 40
    assert _most_confirmed_at_once(event_id) == 20


def test_repeated_submit_of_one_guest_gives_one_seat(app, server):
    event_id, (guest_id,), (path,) = _new_event(capacity=20, guest_count=1)
    browser, token = _open_invitation(server, path)
    # Ten tabs of one browser: the same session cookie and the same form token.
    tabs = []
    for _ in range(10):
        tab = requests.Session()
        tab.cookies.update(browser.cookies)
        tabs.append(Post(tab, path, _yes(token)))

    responses = _race(server, tabs)

    _assert_answered_without_error(responses)
    db.session.expire_all()
    guest_seats = _seats_of(event_id)
    assert [(s.guest_id, s.state) for s in guest_seats] == [(guest_id, SeatState.CONFIRMED)]
    assert db.session.scalar(sa.select(sa.func.count()).where(Rsvp.guest_id == guest_id)) == 1
    assert len(_audit(event_id, "rsvp.answered")) == 1
    assert len(_audit(event_id, "seat.confirmed")) == 1
    assert db.session.get(Event, event_id).waitlist_counter == 0


def test_parallel_declines_promote_the_waitlist_in_order(app, server):
    event_id, guest_ids, paths = _new_event(capacity=5, guest_count=10)
    for guest_id in guest_ids:
        rsvp.answer(guest_id, 1, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), audit.GUEST)
        db.session.commit()
    queue = [s.guest_id for s in seats.waitlist(db.session.get(Event, event_id))]
    decliners = sorted(set(guest_ids) - set(queue))
    assert len(queue) == len(decliners) == 5
    decliner_paths = [p for g, p in zip(guest_ids, paths, strict=True) if g in decliners]
    db.session.commit()  # again: no transaction of ours may hold SQLite's write lock
    opened = _open_invitations(server, decliner_paths)

    responses = _race(
        server,
        [
            Post(s, path, {"csrf_token": token, "attending": "no"})
            for (s, token), path in zip(opened, decliner_paths, strict=True)
        ],
    )

    _assert_answered_without_error(responses)
    db.session.expire_all()
    all_seats = _seats_of(event_id)
    assert Counter(s.state for s in all_seats) == {SeatState.CONFIRMED: 5}
    assert sorted(s.guest_id for s in all_seats) == sorted(queue)
    promoted = _audit(event_id, "seat.promoted")
    assert [e.guest_id for e in promoted] == queue
    assert [e.details["queue_number"] for e in promoted] == [1, 2, 3, 4, 5]
    answers = db.session.scalars(sa.select(Rsvp).where(Rsvp.guest_id.in_(decliners)))
    assert [a.attending for a in answers] == [False] * 5
    released = _audit(event_id, "seat.released")
    assert sorted(e.guest_id for e in released) == decliners
    assert _most_confirmed_at_once(event_id) == 5


def test_first_answers_racing_declines_keep_capacity_queue_and_messages(app, server):
    """First answers (written by statements sent together) and declines (which release and
    promote) at once: never over capacity, the queue in the order of the waitlisting, and every
    guest's one queued seat message the one of their seat."""
    event_id, guest_ids, paths = _new_event(capacity=8, guest_count=24)
    holders, newcomers = guest_ids[:8], guest_ids[8:]
    for guest_id in holders:
        rsvp.answer(guest_id, 1, rsvp.RsvpAnswer(attending=True, channel=Channel.EN), audit.GUEST)
        db.session.commit()
    path_of = dict(zip(guest_ids, paths, strict=True))
    db.session.commit()  # no transaction of ours may hold SQLite's write lock
    opened = dict(
        zip(guest_ids, _open_invitations(server, [path_of[g] for g in guest_ids]), strict=True)
    )

    responses = _race(
        server,
        [
            Post(opened[g][0], path_of[g], {"csrf_token": opened[g][1], "attending": "no"})
            for g in holders
        ]
        + [Post(opened[g][0], path_of[g], _yes(opened[g][1])) for g in newcomers],
    )

    _assert_answered_without_error(responses)
    db.session.expire_all()
    seat_of = {s.guest_id: s for s in _seats_of(event_id)}
    assert sorted(seat_of) == sorted(newcomers)
    confirmed = [g for g, s in seat_of.items() if s.state == SeatState.CONFIRMED]
    assert len(confirmed) == 8
    assert _most_confirmed_at_once(event_id) == 8
    # The queue: those waitlisted in the order they were, less the first ones promoted.
    waitlisted = [e.guest_id for e in _audit(event_id, "seat.waitlisted")]
    promoted = [e.guest_id for e in _audit(event_id, "seat.promoted")]
    assert promoted == waitlisted[: len(promoted)]
    queue = [s.guest_id for s in seats.waitlist(db.session.get(Event, event_id))]
    assert queue == waitlisted[len(promoted) :]
    assert sorted(seats.waitlist_position(seat_of[g]) for g in queue) == list(
        range(1, len(queue) + 1)
    )
    queued = db.session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.status == MessageStatus.QUEUED,
            OutboxMessage.kind.in_(outbox.SEAT_MESSAGES),
        )
    ).all()
    kinds = Counter((m.guest_id, m.kind) for m in queued)
    expected = {g: MessageKind.DECLINED for g in holders}
    for g in newcomers:
        if g in queue:
            expected[g] = MessageKind.WAITLISTED
        elif g in promoted:
            expected[g] = MessageKind.PROMOTED
        else:
            expected[g] = MessageKind.CONFIRMATION
    assert kinds == Counter(expected.items())
    assert len(_audit(event_id, "rsvp.answered")) == 8 + 24


def _most_confirmed_in_session_at_once(event_id: int, session_id: int) -> int:
    """_most_confirmed_at_once for one session's seats."""
    confirmed = most = 0
    for entry in _audit(event_id):
        if entry.details.get("session") != session_id:
            continue
        if entry.action in ("seat.session_confirmed", "seat.session_promoted"):
            confirmed += 1
        elif entry.action == "seat.session_released" and entry.details["state"] == "confirmed":
            confirmed -= 1
        most = max(most, confirmed)
    return most


def test_a_hundred_and_twenty_guests_choosing_sessions_at_once_keep_each_within_fifty(app, server):
    event, s2, s3 = make_sessions_event(capacity=50)
    guests = factories.make_guests(event, 120)
    # One in three for Session 2 only, one in three for Session 3 only, the rest for both:
    # 80 guests want each session's 50 seats.
    session_ids = (s2.id, s3.id)
    choices = [(s2.id,), (s3.id,), session_ids]
    wanted = {g.id: choices[n % 3] for n, g in enumerate(guests)}
    paths = [factories.invitation_path(g) for g in guests]
    event_id = event.id
    # Nothing of ours may be read after this: on SQLite it would begin a transaction holding
    # the write lock through the race.
    db.session.commit()
    opened = _open_invitations(server, paths)

    responses = _race(
        server,
        [
            Post(browser, path, [*_yes(token).items(), *(("sessions", str(s)) for s in chosen)])
            for (browser, token), path, chosen in zip(opened, paths, wanted.values(), strict=True)
        ],
    )

    _assert_answered_without_error(responses)
    assert len(_worker_pids(server, "POST", 120)) > 1
    db.session.expire_all()
    rows = db.session.scalars(sa.select(SessionSeat).where(SessionSeat.event_id == event_id))
    by_guest: dict[int, dict[int, SessionSeat]] = {}
    for seat in rows:
        by_guest.setdefault(seat.guest_id, {})[seat.session_id] = seat
    # Each guest holds a seat in exactly the sessions chosen.
    assert {g: set(s) for g, s in by_guest.items()} == {g: set(c) for g, c in wanted.items()}
    for session_id in session_ids:
        seats_in = [s[session_id] for s in by_guest.values() if session_id in s]
        confirmed = [s for s in seats_in if s.state == SeatState.CONFIRMED]
        waiting = sorted(
            (s for s in seats_in if s.state == SeatState.WAITLISTED), key=lambda s: s.queue_number
        )
        assert len(confirmed) == 50 and len(waiting) == 30
        # The session's queue runs 1..30 with no gap, and its counter says 30.
        assert [s.queue_number for s in waiting] == list(range(1, 31))
        assert db.session.get(AgendaItem, session_id).waitlist_counter == 30
        assert _most_confirmed_in_session_at_once(event_id, session_id) == 50
    # The guest's seat sums the sessions up: confirmed when confirmed in one.
    for seat in _seats_of(event_id):
        states = {s.state for s in by_guest[seat.guest_id].values()}
        expected = SeatState.CONFIRMED if SeatState.CONFIRMED in states else SeatState.WAITLISTED
        assert seat.state == expected
    assert len(_seats_of(event_id)) == 120
