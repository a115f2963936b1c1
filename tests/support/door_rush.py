"""A door rush through a database restart, and the figures it leaves.

N confirmed guests in a fresh database on a private PostgreSQL cluster (private_postgres.py
here), gunicorn as production runs it, and several doors scanning every badge once (a few twice) at
once. When a share of the scans has been answered, the database is stopped, left down for a
moment and started again. Every door sends each scan until it gets an answer, always with the
scan's own nonce, as the scanner page does. Used by tests/test_faults.py and
scripts/bench/fault_db_restart.py.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests
import sqlalchemy as sa

from registrar import create_app, tokens
from registrar.extensions import db
from registrar.models import Guest, Role, Scan, Seat, SeatState, Verdict
from registrar.services import staff

from .auth import http_log_in
from .factories import invitation_path, make_confirmed_in_bulk, make_event
from .live_server import gunicorn
from .private_postgres import Cluster

DOOR_EMAIL = "door@example.org"
DOOR_PASSWORD = "door staff password"
REQUEST_TIMEOUT = 30
# A door tries a scan again after this pause, growing to RETRY_PAUSE_MAX.
RETRY_PAUSE = 0.05
RETRY_PAUSE_MAX = 0.5
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)


@dataclass(frozen=True)
class Job:
    code: str
    guest_id: int
    nonce: str


@dataclass(frozen=True)
class Failure:
    """A try that got no answer: an HTTP error, or no HTTP answer at all (status None)."""

    at: float
    status: int | None
    json: bool
    code: str
    message: str


@dataclass
class Outcome:
    guests: int
    doors: int
    jobs: list[Job]
    # Per job: (verdict, replayed, tries, when answered), or None when the door gave up.
    answers: list[tuple[str, bool, int, float] | None] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    stopping: float = 0.0  # the stop command was given
    down: float = 0.0  # the server had stopped
    up: float = 0.0  # the server accepted connections again
    # A page (not the API) asked for while the database was down: status, type, title.
    page_while_down: tuple[int, str, str] | None = None
    inside: int = -1
    recorded: int = -1
    distinct_nonces: int = -1
    entries_per_guest: Counter = field(default_factory=Counter)
    confirmed: int = -1

    @property
    def gave_up(self) -> int:
        return sum(answer is None for answer in self.answers)

    @property
    def retries(self) -> int:
        return sum(tries - 1 for _v, _r, tries, _at in filter(None, self.answers))

    @property
    def replayed(self) -> int:
        return sum(replayed for _v, replayed, _t, _at in filter(None, self.answers))

    @property
    def first_answer_after_up(self) -> float:
        return min((at for *_, at in filter(None, self.answers) if at >= self.up), default=0.0)

    def wrong_verdicts(self) -> list[str]:
        """Each guest: one `ok` and `already_checked_in` for the repeats, whatever the order."""
        seen: dict[int, list[str]] = defaultdict(list)
        for job, answer in zip(self.jobs, self.answers, strict=True):
            if answer is not None:
                seen[job.guest_id].append(answer[0])
        return [
            f"guest {guest_id}: {verdicts}"
            for guest_id, verdicts in seen.items()
            if sorted(verdicts) != ["already_checked_in"] * (len(verdicts) - 1) + ["ok"]
        ]

    def problems(self) -> list[str]:
        """Everything that went wrong; empty when nothing was lost, doubled or unclear."""
        found = self.wrong_verdicts()[:5]
        if self.gave_up:
            found.append(f"{self.gave_up} scans never got an answer")
        unclear = [
            f
            for f in self.failures
            if (f.status, f.json, f.code) != (503, True, "database_unavailable")
        ]
        if unclear:
            found.append(f"{len(unclear)} failures other than a 503 JSON answer: {unclear[:3]}")
        if any(f.at < self.stopping for f in self.failures):
            found.append("requests failed before the database was stopped")
        if not self.failures:
            found.append("no request failed: the restart did not meet the rush")
        if self.inside != self.guests:
            found.append(f"occupancy {self.inside}, expected {self.guests}")
        if self.recorded != len(self.jobs) or self.distinct_nonces != len(self.jobs):
            found.append(
                f"{self.recorded} scans recorded with {self.distinct_nonces} nonces, "
                f"expected {len(self.jobs)}"
            )
        doubled = {g: n for g, n in self.entries_per_guest.items() if n != 1}
        if len(self.entries_per_guest) != self.guests or doubled:
            found.append(
                f"{len(self.entries_per_guest)} guests entered, expected {self.guests}; "
                f"entered more than once: {list(doubled.items())[:5]}"
            )
        if self.confirmed != self.guests:
            found.append(f"{self.confirmed} confirmed seats, expected {self.guests}")
        page = self.page_while_down
        if page is not None and (page[0] != 503 or not page[1].startswith("text/html")):
            found.append(f"a page while the database was down: {page}")
        return found


def seed(database_url: str, secret: str, guests: int) -> tuple[int, list[tuple[int, str]], str]:
    """A fresh database: one event with `guests` confirmed guests (room capacity exactly that)
    and a door account. Returns the event id, (guest id, badge code) pairs, and one guest's
    invitation path."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret})
    with app.app_context():
        db.create_all()
        event = make_event(capacity=guests)
        guest_ids = make_confirmed_in_bulk(event, guests)
        staff.add(DOOR_EMAIL, DOOR_PASSWORD, Role.DOOR, event_ids=[event.id])
        db.session.commit()
        event_id = event.id
        badges = [(g, tokens.badge_code(event_id, g, 1)) for g in guest_ids]
        page = invitation_path(db.session.get(Guest, guest_ids[0]))
        db.session.remove()
        db.engine.dispose()
    return event_id, badges, page


def login_door(base: str) -> tuple[requests.Session, str]:
    """A door staff session and its CSRF token, as the scanner page has them."""
    return http_log_in(base, DOOR_EMAIL, DOOR_PASSWORD, REQUEST_TIMEOUT)


def _failure(at: float, answer: requests.Response) -> Failure:
    is_json = answer.headers.get("Content-Type", "").startswith("application/json")
    error = answer.json().get("error", {}) if is_json else {}
    if is_json:
        message = error.get("message", "")
    else:
        title = TITLE.search(answer.text)
        message = title.group(1).strip() if title else answer.text[:100]
    return Failure(at, answer.status_code, is_json, error.get("code", ""), message)


def rush_through_restart(
    cluster: Cluster,
    tmp: Path,
    *,
    guests: int,
    doors: int = 4,
    workers: int = 2,
    repeats: float = 0.05,
    restart_after: float = 0.3,
    down_seconds: float = 1.0,
    mode: str = "fast",
    deadline_seconds: float = 300,
    seed_number: int = 2026,
) -> Outcome:
    """Run the rush against `cluster`, restart it on the way, and gather the outcome."""
    rng = random.Random(seed_number)
    secret = secrets.token_hex(32)
    event_id, badges, page = seed(cluster.url, secret, guests)
    jobs = [Job(code, g, uuid.uuid4().hex) for g, code in badges]
    jobs += [
        Job(code, g, uuid.uuid4().hex) for g, code in rng.sample(badges, int(guests * repeats))
    ]
    rng.shuffle(jobs)
    outcome = Outcome(guests=guests, doors=doors, jobs=jobs, answers=[None] * len(jobs))

    env = {
        "DATABASE_URL": cluster.url,
        "REGISTRAR_SECRET_KEY": secret,
        "REGISTRAR_INSTANCE_PATH": str(tmp / "instance"),
        "REGISTRAR_ACCESS_LOG": str(tmp / "access.log"),
        "REGISTRAR_LOGIN_LIMIT": "1000 per minute",
        "REGISTRAR_SCAN_LIMIT": "1000000 per minute",
    }
    with gunicorn(env, tmp / "gunicorn.log", workers=workers) as server:
        base = server.url
        sessions = [login_door(base) for _ in range(doors)]
        answered = 0
        progress = threading.Condition()
        deadline = time.monotonic() + deadline_seconds

        def door(index: int) -> None:
            nonlocal answered
            session, token = sessions[index]
            for number in range(index, len(jobs), doors):
                job = jobs[number]
                tries = 0
                while time.monotonic() < deadline:
                    tries += 1
                    try:
                        answer = session.post(
                            f"{base}/api/v1/events/{event_id}/scans",
                            json={"code": job.code, "nonce": job.nonce, "gate": f"door {index}"},
                            headers={"X-CSRFToken": token},
                            timeout=REQUEST_TIMEOUT,
                        )
                    except requests.RequestException as exc:
                        failure = Failure(time.monotonic(), None, False, "", type(exc).__name__)
                    else:
                        if answer.status_code == 200:
                            body = answer.json()
                            outcome.answers[number] = (
                                body["verdict"], body["replayed"], tries, time.monotonic()
                            )  # fmt: skip
                            break
                        failure = _failure(time.monotonic(), answer)
                    outcome.failures.append(failure)
                    time.sleep(min(RETRY_PAUSE * tries, RETRY_PAUSE_MAX))
                with progress:
                    answered += 1
                    progress.notify_all()

        def restart() -> None:
            with progress:
                progress.wait_for(lambda: answered >= len(jobs) * restart_after, timeout=60)
            outcome.stopping = time.monotonic()
            cluster.stop(mode)
            outcome.down = time.monotonic()
            answer = requests.get(base + page, timeout=REQUEST_TIMEOUT)
            title = TITLE.search(answer.text)
            outcome.page_while_down = (
                answer.status_code,
                answer.headers.get("Content-Type", ""),
                title.group(1).strip() if title else "",
            )
            time.sleep(max(0.0, down_seconds - (time.monotonic() - outcome.down)))
            cluster.start()
            outcome.up = time.monotonic()

        outcome.started = time.monotonic()
        with ThreadPoolExecutor(max_workers=doors + 1) as pool:
            restarter = pool.submit(restart)
            for running in [pool.submit(door, i) for i in range(doors)]:
                running.result()
            restarter.result()
        outcome.finished = time.monotonic()
        session, _token = sessions[0]
        occupancy = session.get(f"{base}/api/v1/events/{event_id}/occupancy", timeout=30)
        outcome.inside = occupancy.json()["inside"]

    engine = sa.create_engine(cluster.url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        outcome.recorded, outcome.distinct_nonces = conn.execute(
            sa.select(sa.func.count(), sa.func.count(sa.distinct(Scan.nonce)))
        ).one()
        entries = conn.execute(
            sa.select(Scan.guest_id, sa.func.count())
            .where(Scan.verdict == Verdict.OK)
            .group_by(Scan.guest_id)
        )
        outcome.entries_per_guest = Counter(dict(entries.all()))
        outcome.confirmed = conn.scalar(
            sa.select(sa.func.count()).select_from(Seat).where(Seat.state == SeatState.CONFIRMED)
        )
    engine.dispose()
    return outcome
