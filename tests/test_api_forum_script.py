"""scripts/api_forum.py sets up a whole forum through the organizer API alone (event,
programme, guests in bulk, invitations) and checks it through the API: run here as its user
runs it, in a process of its own against the app served on loopback, at a small size."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from support.auth import api_bearer
from support.factories import make_event, make_staff
from support.live_server import serving

from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AgendaPerson,
    ApiRole,
    Event,
    EventState,
    Guest,
    MessageKind,
    OutboxMessage,
    Role,
)

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "api_forum.py"


def run(url: str, header: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    token = header["Authorization"].removeprefix("Bearer ")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--url", url, *args],
        env={**env, "REGISTRAR_API_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(slug: str) -> tuple[int, ...]:
    db.session.rollback()
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        db.session.rollback()  # the server must not wait for a transaction of ours (SQLite)
        return (0, 0, 0, 0)
    found = [
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))
        for model, *where in (
            (AgendaItem, AgendaItem.event_id == event.id),
            (Guest, Guest.event_id == event.id),
            (
                OutboxMessage,
                OutboxMessage.event_id == event.id,
                OutboxMessage.kind == MessageKind.INVITATION,
            ),
        )
    ]
    db.session.rollback()
    return (1, *found)


def test_the_script_sets_up_a_forum_once_and_a_reader_token_sets_up_nothing(app):
    home = make_event()
    account = make_staff("org@example.org", Role.ORGANIZER, events=[home])
    organizer = api_bearer(account, home, ApiRole.ORGANIZER, "crm")
    reader = api_bearer(account, home, ApiRole.READ)
    args = ("--guests", "30", "--slug", "forum-api", "--date", "2031-05-20")
    with serving(app) as url:
        refused = run(url, reader, *args)
        assert refused.returncode == 1
        assert "403" in refused.stderr and "forbidden" in refused.stderr
        assert counts("forum-api") == (0, 0, 0, 0)

        done = run(url, organizer, *args)
        assert done.returncode == 0, done.stderr
        assert "(forum-api, open): 5 programme items, 30 guests, 30 invitations;" in done.stdout
        assert counts("forum-api") == (1, 5, 30, 30)

        # Run again (a retry after a failure would be): every step answers as the first time.
        again = run(url, organizer, *args)
        assert again.returncode == 0, again.stderr
        assert "5 programme items, 30 guests, 30 invitations;" in again.stdout
        assert counts("forum-api") == (1, 5, 30, 30)

    event = db.session.scalar(sa.select(Event).where(Event.slug == "forum-api"))
    assert event.state == EventState.OPEN and event.title_zh == "以社群力量創新氣候中和城市"
    people = db.session.scalars(
        sa.select(AgendaPerson.name_zh)
        .join(AgendaItem)
        .where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.position, AgendaPerson.position)
    ).all()
    assert people[0] == "陳其邁"
    chinese = db.session.scalar(
        sa.select(Guest).where(Guest.event_id == event.id, Guest.email.like("guest00001@%"))
    )
    assert chinese.name_zh == "林美玲1" and chinese.language.value == "zh_Hant"


def test_bad_arguments_are_named_before_any_request():
    for args, words in (
        (["--guests", "0"], "--guests: from 1 to 10,000"),
        (["--date", "May 20"], "--date"),
    ):
        done = run("http://127.0.0.1:9", {"Authorization": "Bearer rgr_x"}, *args)
        assert done.returncode == 2 and words in done.stderr
