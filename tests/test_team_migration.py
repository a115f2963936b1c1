"""The migration to team roles keeps what every account of before could do."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from registrar.extensions import db

BEFORE_TEAMS = "10aa24b4e3d7"
TEAMS = "5e1f7a2c9b30"

EVENT = dict(
    short_name="", title_en="Forum", title_zh="論壇", description_en="", description_zh="",
    venue_en="Hall", venue_zh="館", room_en="301a", room_zh="301a", organizers_en="",
    organizers_zh="", capacity=10, held_seats=0, timezone="Asia/Taipei",
    doors_open_at=datetime(2027, 1, 1, 5), starts_at=datetime(2027, 1, 1, 6),
    ends_at=datetime(2027, 1, 1, 9), rsvp_deadline=datetime(2026, 12, 20),
    channels="en zh", waitlist_counter=0, created_at=datetime(2026, 12, 1),
)  # fmt: skip


def _insert(conn, table: str, rows: list[dict]) -> None:
    columns = list(rows[0])
    conn.execute(
        sa.text(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})"
        ),
        rows,
    )


def _accounts_of_before() -> None:
    with db.engine.begin() as conn:
        _insert(conn, "events", [dict(EVENT, slug="one"), dict(EVENT, slug="two")])
        _insert(
            conn,
            "staff_users",
            [
                dict(email=f"{role}@example.org", name="", password_hash="x", role=role,
                     active=True, created_at=datetime(2026, 12, 1), session_generation=3)
                for role in ("organizer", "door")
            ],
        )  # fmt: skip


def _rows(query: str) -> list[tuple]:
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(query))]


def test_organizers_become_administrators_and_door_accounts_staff_every_event(app):
    db.drop_all()
    upgrade(revision=BEFORE_TEAMS)
    _accounts_of_before()
    upgrade(revision=TEAMS)

    accounts = _rows(
        "SELECT email, is_admin, session_generation, last_login_at FROM staff_users ORDER BY id"
    )
    assert [(e, bool(a), g, last) for e, a, g, last in accounts] == [
        ("organizer@example.org", True, 3, None),
        ("door@example.org", False, 3, None),
    ]
    members = _rows(
        "SELECT e.slug, s.email, t.role, t.added_at FROM team_members t"
        " JOIN events e ON e.id = t.event_id JOIN staff_users s ON s.id = t.staff_id"
        " ORDER BY e.slug"
    )
    assert [m[:3] for m in members] == [
        ("one", "door@example.org", "door"),
        ("two", "door@example.org", "door"),
    ]
    added_at = members[0][3]
    if isinstance(added_at, str):
        added_at = datetime.fromisoformat(added_at)
    # Written as UTC, as every other time.
    assert abs(added_at.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() < 300


def test_downgrade_gives_each_account_its_one_role_back(app):
    db.drop_all()
    upgrade(revision=BEFORE_TEAMS)
    _accounts_of_before()
    upgrade(revision=TEAMS)
    downgrade(revision=BEFORE_TEAMS)
    assert _rows("SELECT email, role FROM staff_users ORDER BY id") == [
        ("organizer@example.org", "organizer"),
        ("door@example.org", "door"),
    ]
    upgrade()
