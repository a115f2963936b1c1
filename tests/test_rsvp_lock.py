"""The guest's answer takes the write lock only for its use case: a refused form, a forged
CSRF token or a dead link is answered without it; a valid answer waits for it and decides the
seat on what is committed when it gets it."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer
from support.app import TEST_SECRET, request_client
from support.factories import invitation_path, make_event, make_guest

from registrar import create_app
from registrar.extensions import db
from registrar.models import (
    AuditEntry,
    Channel,
    Event,
    Guest,
    OutboxMessage,
    Rsvp,
    Seat,
    SeatState,
    utcnow,
)
from registrar.services import audit, invitations, rsvp
from registrar.tokens import INVITATION_SALT

CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
YES = {"attending": "yes", "channel": "zh"}


@pytest.fixture
def guest_app(app_config, app):
    """The app a guest's phone talks to: CSRF on, and a short wait for a lock another holds,
    which then ends in "busy" (503): a request that needs the lock cannot pass unnoticed."""
    guests = create_app({**app_config, "WTF_CSRF_ENABLED": True, "REGISTRAR_LOCK_TIMEOUT": 1})
    yield guests
    with guests.app_context():
        db.engine.dispose()


@contextmanager
def event_lock_held(event_id: int) -> Iterator[None]:
    """The event's lock, held meanwhile by a connection of its own, as another request's
    transaction would hold it: on SQLite the database's write lock (its transaction begins
    with BEGIN IMMEDIATE, see db_setup), on PostgreSQL the event row's."""
    db.session.commit()
    with db.engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(sa.select(Event.id).where(Event.id == event_id).with_for_update())
            yield
        finally:
            transaction.rollback()


def totals() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Rsvp, Seat, AuditEntry, OutboxMessage, Guest)
    }


def opened(client, guest: Guest) -> tuple[str, str]:
    """What the guest's phone does first: open the page; its path and the form's CSRF token."""
    path = invitation_path(guest)
    page = client.get(path).get_data(as_text=True)
    return path, CSRF_VALUE.search(page).group(1)


def _refusals(guest: Guest, path: str, token: str) -> dict[str, tuple[str, dict, int]]:
    """Each refused post: its path, its form and the status it gets."""
    other = URLSafeSerializer(TEST_SECRET, salt=INVITATION_SALT)
    good = path.removeprefix("/i/")
    return {
        "forged CSRF token": (path, {**YES, "csrf_token": "forged"}, 400),
        "no CSRF token": (path, YES, 400),
        "no answer": (path, {"csrf_token": token}, 400),
        "a channel not offered": (path, {**YES, "channel": "fr", "csrf_token": token}, 400),
        "a name over two lines": (path, {**YES, "name_en": "A\nB", "csrf_token": token}, 400),
        "tampered link": (f"/i/{good[:-3]}xyz", {**YES, "csrf_token": token}, 404),
        "unknown guest": (f"/i/{other.dumps([99999, 1])}", {**YES, "csrf_token": token}, 404),
    }


@pytest.mark.parametrize(
    "kind",
    [
        "forged CSRF token",
        "no CSRF token",
        "no answer",
        "a channel not offered",
        "a name over two lines",
        "tampered link",
        "unknown guest",
    ],
)
def test_a_refused_answer_is_answered_at_once_while_another_holds_the_lock(app, guest_app, kind):
    event = make_event(capacity=5)
    guest = make_guest(event)
    client = request_client(guest_app)
    path, token = opened(client, guest)
    post_to, data, status = _refusals(guest, path, token)[kind]
    before = totals()

    with event_lock_held(event.id):
        refused = client.post(post_to, data=data)
        # The control: a valid answer needs the lock, and gives up waiting for it.
        busy = client.post(path, data={**YES, "csrf_token": token})

    assert refused.status_code == status
    assert busy.status_code == 503
    assert totals() == before
    # Once the lock is free, the same valid answer goes through.
    assert client.post(path, data={**YES, "csrf_token": token}).status_code == 302
    assert db.session.get(Guest, guest.id).seat.state == SeatState.CONFIRMED


@pytest.mark.parametrize("how", ["revoked", "rotated", "replies closed"])
def test_a_dead_link_or_a_closed_event_is_answered_at_once_while_another_holds_the_lock(
    app, guest_app, how
):
    event = make_event(capacity=5)
    guest = make_guest(event)
    client = request_client(guest_app)
    path, token = opened(client, guest)
    if how == "revoked":
        invitations.revoke(guest.id, actor=audit.SYSTEM)
    elif how == "rotated":
        invitations.rotate(guest.id, actor=audit.SYSTEM)
    else:
        db.session.get(Event, event.id).rsvp_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    before = totals()

    with event_lock_held(event.id):
        response = client.post(path, data={**YES, "csrf_token": token})

    assert response.status_code == (409 if how == "replies closed" else 410)
    assert totals() == before


@pytest.fixture
def patient_app(app_config, app):
    """The guest's app with a lock wait long enough for the test: these answers are to wait."""
    guests = create_app({**app_config, "WTF_CSRF_ENABLED": True, "REGISTRAR_LOCK_TIMEOUT": 30})
    yield guests
    with guests.app_context():
        db.engine.dispose()


def _send_meanwhile(app, posts: list[tuple[object, str, str]]) -> list[int]:
    """Send each answer from a thread of its own (with its own app context, as a worker has)
    while the caller holds the lock, and let them reach it; the statuses, once _join_all."""
    statuses: list[int] = []

    def send(client, path: str, token: str) -> None:
        with app.app_context():
            statuses.append(client.post(path, data={**YES, "csrf_token": token}).status_code)

    for n, post in enumerate(posts):
        threading.Thread(name=f"answer-{n}", target=send, args=post).start()
    # Let the answers read their pages and reach the lock; the outcome is the same if not.
    time.sleep(0.5)
    return statuses


def _join_all() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("answer-"):
            thread.join(timeout=60)


def test_an_answer_waiting_for_the_lock_decides_on_what_was_committed_meanwhile(app, patient_app):
    """The page was read while the last seat was free; the seat is decided under the lock."""
    event = make_event(capacity=1)
    first, waiting = make_guest(event), make_guest(event)
    first_id, waiting_id = first.id, waiting.id
    client = request_client(patient_app)
    path, token = opened(client, waiting)
    db.session.commit()

    # The last seat, taken by another transaction, which holds the lock until it commits.
    with app.app_context():
        yes = rsvp.RsvpAnswer(attending=True, channel=Channel.EN)
        rsvp.answer(first_id, 1, yes, audit.GUEST)
        statuses = _send_meanwhile(patient_app, [(client, path, token)])
        db.session.commit()
    _join_all()

    assert statuses == [302]
    assert db.session.get(Guest, first_id).seat.state == SeatState.CONFIRMED
    seat = db.session.get(Guest, waiting_id).seat
    assert (seat.state, seat.queue_number) == (SeatState.WAITLISTED, 1)


def test_a_double_submit_waiting_for_the_lock_gives_one_seat_and_one_answer(app, patient_app):
    event = make_event(capacity=5)
    guest = make_guest(event)
    guest_id = guest.id
    # The same answer sent from two tabs of the guest's phone.
    tabs = [request_client(patient_app) for _ in range(2)]
    posts = [(tab, *opened(tab, guest)) for tab in tabs]

    with event_lock_held(event.id):
        statuses = _send_meanwhile(patient_app, posts)
    _join_all()

    assert statuses == [302, 302]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seat)) == 1
    assert db.session.get(Guest, guest_id).seat.state == SeatState.CONFIRMED
    answered = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "rsvp.answered", AuditEntry.guest_id == guest_id)
    )
    assert answered == 1
