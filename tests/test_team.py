"""Team roles per event: who may do what for which event, and the organizers' changes."""

from __future__ import annotations

import time

import itsdangerous
import pytest
import sqlalchemy as sa
from support.factories import make_event, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import AuditEntry, Role, StaffUser, TeamMember
from registrar.services import staff, team

PASSWORD = "correct horse battery"


def signed_in(user: StaffUser) -> staff.SignedIn:
    db.session.expire_all()
    fresh = db.session.get(StaffUser, user.id)
    return staff.signed_in(fresh.id, fresh.session_generation)


def generation(user: StaffUser) -> int:
    db.session.expire_all()
    return db.session.get(StaffUser, user.id).session_generation


def actions(**where) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    query = sa.select(AuditEntry.action, AuditEntry.event_id).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return [tuple(row) for row in db.session.execute(query)]


@pytest.fixture
def events():
    return make_event(), make_event()


@pytest.fixture
def admin(events):
    return make_staff("admin@example.org")


# -- deciding ----------------------------------------------------------------------------------


def test_each_role_reaches_what_it_may_for_its_events_only(app, events, admin):
    a, b = events
    organizer = signed_in(make_staff("org@example.org", Role.ORGANIZER, events=[a]))
    door = signed_in(make_staff("door@example.org", Role.DOOR, events=[a]))
    boss = signed_in(admin)
    assert team.can(organizer, a.id, Role.ORGANIZER) and team.can(organizer, a.id, Role.DOOR)
    assert not team.can(organizer, b.id, Role.ORGANIZER)
    assert not team.can(organizer, b.id, Role.DOOR)
    assert team.can(door, a.id, Role.DOOR)
    assert not team.can(door, a.id, Role.ORGANIZER)
    assert not team.can(door, b.id, Role.DOOR)
    assert all(team.can(boss, e.id, need) for e in events for need in Role)
    assert team.can(boss, 9999, Role.ORGANIZER)
    assert not team.can(None, a.id, Role.DOOR)
    assert (team.organizes_any(organizer), team.organizes_any(door)) == (True, False)
    assert team.event_ids(organizer, Role.ORGANIZER) == [a.id]
    assert team.event_ids(boss, Role.ORGANIZER) is None


def test_the_signed_in_account_and_its_roles_are_one_statement(app, events):
    a, b = events
    user_id = make_staff("two@example.org", Role.DOOR, events=[a, b]).id
    a_id, b_id = a.id, b.id
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    db.session.connection()  # begun before counting, as a request's transaction is
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        loaded = staff.signed_in(user_id, 0)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert sorted(loaded.roles) == [(a_id, Role.DOOR), (b_id, Role.DOOR)]
    assert not loaded.is_admin


def test_a_disabled_account_or_an_old_generation_loads_nobody(app, events):
    user = make_staff("door@example.org", Role.DOOR, events=[events[0]])
    assert staff.signed_in(user.id, 0) is not None
    assert staff.signed_in(user.id, 1) is None
    staff.set_active("door@example.org", False)
    db.session.commit()
    assert staff.signed_in(user.id, 1) is None


# -- inviting ----------------------------------------------------------------------------------


def test_inviting_a_new_person_makes_an_account_without_a_password(app, events, admin):
    a, _b = events
    invited = team.invite(a.id, " New.Person@Example.org ", "New Person", Role.DOOR, "staff:1")
    db.session.commit()
    user = invited.user
    assert invited.new_account and user.email == "new.person@example.org"
    assert not staff.has_password(user)
    assert [(m.event_id, m.role) for m in user.memberships] == [(a.id, Role.DOOR)]
    # No password can open it.
    assert staff.authenticate("new.person@example.org", user.password_hash) is None
    assert ("team.added", a.id) in actions(action="team.added")


def test_inviting_someone_of_another_event_adds_this_one(app, events, admin):
    a, b = events
    make_staff("door@example.org", Role.DOOR, events=[a])
    invited = team.invite(b.id, "door@example.org", "", Role.ORGANIZER, "staff:1")
    db.session.commit()
    assert not invited.new_account
    roles = {(m.event_id, m.role) for m in invited.user.memberships}
    assert roles == {(a.id, Role.DOOR), (b.id, Role.ORGANIZER)}


@pytest.mark.parametrize(
    "email, message",
    [
        ("admin@example.org", "administrator and already works on every event"),
        ("door@example.org", "already on this event's team"),
        ("not an address", "Not a valid e-mail address"),
    ],
)
def test_inviting_who_cannot_be_invited_says_why_and_writes_nothing(
    app, events, admin, email, message
):
    make_staff("door@example.org", Role.DOOR, events=[events[0]])
    before = actions()
    with pytest.raises(team.DomainError, match=message):
        team.invite(events[0].id, email, "", Role.DOOR, "staff:1")
    db.session.rollback()
    assert actions() == before


# -- changing the team -------------------------------------------------------------------------


def test_changing_a_role_ends_the_accounts_sessions_and_is_audited(app, events, admin):
    a, _b = events
    door = make_staff("door@example.org", Role.DOOR, events=[a])
    team.change_role(a.id, door.id, Role.ORGANIZER, signed_in(admin))
    db.session.commit()
    assert generation(door) == 1
    assert signed_in(door).role_in(a.id) == Role.ORGANIZER
    assert actions(action="team.role_changed") == [("team.role_changed", a.id)]


def test_removing_from_an_event_ends_sessions_and_keeps_the_account(app, events, admin):
    a, b = events
    door = make_staff("door@example.org", Role.DOOR, events=[a, b])
    team.remove(a.id, door.id, signed_in(admin))
    db.session.commit()
    assert generation(door) == 1
    assert signed_in(door).roles == ((b.id, Role.DOOR),)
    assert actions(action="team.removed") == [("team.removed", a.id)]


def test_nobody_changes_their_own_role_or_disables_themselves(app, events, admin):
    a, _b = events
    organizer = make_staff("org@example.org", Role.ORGANIZER, events=[a])
    me = signed_in(organizer)
    for change in (
        lambda: team.change_role(a.id, organizer.id, Role.DOOR, me),
        lambda: team.remove(a.id, organizer.id, me),
        lambda: team.set_active(organizer.id, False, me, event_id=a.id),
        lambda: team.set_active(admin.id, False, signed_in(admin)),
    ):
        with pytest.raises(team.NotAllowed):
            change()
        db.session.rollback()
    assert generation(organizer) == 0


def test_an_organizer_disables_only_accounts_of_their_own_events(app, events, admin):
    a, b = events
    organizer = signed_in(make_staff("org@example.org", Role.ORGANIZER, events=[a]))
    only_a = make_staff("a@example.org", Role.DOOR, events=[a])
    a_and_b = make_staff("ab@example.org", Role.DOOR, events=[a, b])

    team.set_active(only_a.id, False, organizer, event_id=a.id)
    db.session.commit()
    assert not db.session.get(StaffUser, only_a.id).active
    assert generation(only_a) == 1
    assert actions(action="staff.disabled") == [("staff.disabled", a.id)]

    for target in (a_and_b, admin):
        with pytest.raises(team.NotAllowed):
            team.set_active(target.id, False, organizer, event_id=a.id)
        db.session.rollback()
    # An administrator may.
    team.set_active(a_and_b.id, False, signed_in(admin))
    db.session.commit()
    assert staff.signed_in(a_and_b.id, generation(a_and_b)) is None


def test_an_event_deleted_takes_its_team_rows_along(app, events):
    a, _b = events
    make_staff("door@example.org", Role.DOOR, events=[a])
    db.session.execute(sa.delete(TeamMember).where(TeamMember.event_id == a.id))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TeamMember)) == 0


# -- password links ----------------------------------------------------------------------------


def link_token(user: StaffUser) -> str:
    return staff.password_link_url(user).rsplit("/", 1)[1]


def test_a_password_link_works_once(app, events, admin):
    invited = team.invite(events[0].id, "new@example.org", "", Role.DOOR, "staff:1").user
    db.session.commit()
    token = link_token(invited)
    assert staff.account_for_link(token).id == invited.id
    staff.set_password_from_link(token, "a new long password")
    db.session.commit()
    assert staff.authenticate("new@example.org", "a new long password") is not None
    with pytest.raises(staff.StaffLinkInactive):
        staff.account_for_link(token)
    assert actions(action="staff.password_set") == [("staff.password_set", None)]


def test_a_short_password_through_the_link_is_refused_and_the_link_still_works(app, admin):
    token = link_token(admin)
    with pytest.raises(staff.InvalidAnswer, match="at least 10"):
        staff.set_password_from_link(token, "short")
    db.session.rollback()
    assert staff.account_for_link(token).id == admin.id


def test_an_expired_link_says_so(app, admin, monkeypatch):
    hours = app.config["REGISTRAR_STAFF_LINK_HOURS"]
    signed_at = int(time.time()) - hours * 3600 - 5
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: signed_at)
    token = link_token(admin)
    monkeypatch.undo()
    with pytest.raises(staff.StaffLinkExpired, match=f"{hours} hours"):
        staff.account_for_link(token)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t[: len(t) // 2],
        lambda t: "",
        lambda t: "x" * 400,
        lambda t: t.replace(".", "", 1),
    ],
    ids=["signature", "truncated", "empty", "long", "joined"],
)
def test_a_tampered_link_is_refused(app, admin, spoil):
    with pytest.raises(staff.StaffLinkInactive):
        staff.account_for_link(spoil(link_token(admin)))


def test_a_link_of_another_purpose_or_a_disabled_account_is_refused(app, events, admin):
    door_token = tokens.door_link_token(admin.id, events[0].id)
    with pytest.raises(staff.StaffLinkInactive):
        staff.account_for_link(door_token)
    token = link_token(admin)
    staff.set_active("admin@example.org", False)
    db.session.commit()
    with pytest.raises(staff.StaffLinkInactive):
        staff.account_for_link(token)


def test_a_reset_goes_only_to_an_active_account(app, admin):
    assert staff.reset_recipient(" ADMIN@example.org ").id == admin.id
    assert staff.reset_recipient("nobody@example.org") is None
    assert staff.reset_recipient("not an address") is None
    staff.set_active("admin@example.org", False)
    db.session.commit()
    assert staff.reset_recipient("admin@example.org") is None


# -- the door's hot path -------------------------------------------------------------------------


def _statements_of(work) -> int:
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_deciding_access_at_the_door_costs_no_statement_of_its_own(app, events, admin):
    from support.app import request_client
    from support.auth import logged_in
    from support.factories import make_guest

    a, _b = events
    make_staff("door@example.org", Role.DOOR, events=[a])
    codes = []
    for _ in range(2):
        guest = make_guest(a)
        codes.append(tokens.badge_code(a.id, guest.id, guest.badge_version))
    door = logged_in(request_client(app), "door@example.org")
    boss = logged_in(request_client(app), "admin@example.org")
    # An administrator needs no membership; door staff's is read with the account itself.
    answers, counted = [], []
    path = f"/api/v1/events/{a.id}/scans"
    for client, code in ((boss, codes[0]), (door, codes[1])):
        counted.append(
            _statements_of(lambda c=client, x=code: answers.append(c.post(path, json={"code": x})))
        )
    assert [answer.status_code for answer in answers] == [200, 200]
    assert counted[0] == counted[1] > 0
