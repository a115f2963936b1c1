"""API tokens: made with a secret shown once and stored hashed, checked, refused when expired,
revoked, or their account disabled or off the event's team; listed; revoked; used rarely written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_staff

from registrar import tokens
from registrar.errors import DomainError, InvalidAnswer, NotFound
from registrar.extensions import db
from registrar.models import ApiRole, ApiToken, AuditEntry, Role, TeamMember
from registrar.services import api_tokens, audit, staff, team


def today() -> date:
    return datetime.now(UTC).date()


def create(account, events, role=ApiRole.ORGANIZER, name="sync", expires_on=None):
    made = api_tokens.create(
        name, role, [e.id for e in events], account, expires_on, audit.staff_actor(account)
    )
    db.session.commit()
    return made


@pytest.fixture
def event(app):
    return make_event()


@pytest.fixture
def organizer(event):
    return make_staff("org@example.org", Role.ORGANIZER, events=[event])


def test_the_token_is_shown_once_and_only_its_digest_is_kept(organizer, event):
    made = create(organizer, [event])
    assert made.secret.startswith("rgr_") and len(made.secret) == 47
    stored = db.session.get(ApiToken, made.token.id)
    assert stored.secret_digest == tokens.api_token_digest(made.secret)
    assert made.secret not in (stored.secret_digest, stored.hint)
    assert made.secret.startswith(stored.hint) and len(stored.hint) == 10
    caller = api_tokens.authenticate(made.secret)
    assert (caller.name, caller.role, caller.event_ids) == ("sync", ApiRole.ORGANIZER, {event.id})
    assert caller.actor == f"token:{made.token.id}"
    assert caller.may(event.id, ApiRole.ORGANIZER) and caller.may(event.id, ApiRole.READ)
    assert not caller.may(event.id + 1, ApiRole.READ)
    created = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "api_token.created")
    ).all()
    assert [(e.event_id, e.details["name"]) for e in created] == [(event.id, "sync")]
    assert audit.actor_names([caller.actor]) == {caller.actor: "token: sync (org@example.org)"}


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "rgr_",
        "Bearer x",
        "rgr_" + "a" * 42,
        "rgr_" + "a" * 44,
        "rgr_" + "é" * 43,
        "xyz_" + "a" * 43,
    ],
)
def test_what_is_not_a_token_is_refused(app, presented):
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(presented)


def test_a_well_formed_token_never_issued_is_refused(organizer, event):
    create(organizer, [event])
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(tokens.new_api_token())


def test_a_read_and_a_door_token_do_no_more_than_their_role(organizer, event):
    read = api_tokens.authenticate(create(organizer, [event], ApiRole.READ, "reader").secret)
    assert read.may(event.id, ApiRole.READ) and not read.may(event.id, ApiRole.DOOR)
    door = api_tokens.authenticate(create(organizer, [event], ApiRole.DOOR, "gate").secret)
    assert door.may(event.id, ApiRole.DOOR) and not door.may(event.id, ApiRole.ORGANIZER)


def test_an_expired_token_works_through_its_last_day_only(organizer, event):
    made = create(organizer, [event], expires_on=today())
    assert made.token.expires_at == datetime.combine(
        today() + timedelta(days=1), datetime.min.time(), UTC
    )
    api_tokens.authenticate(made.secret)
    made.token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(made.secret)


def test_a_revoked_token_is_refused_at_once(organizer, event):
    made = create(organizer, [event])
    api_tokens.revoke(api_tokens.find("sync"), audit.SYSTEM)
    db.session.commit()
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(made.secret)
    revoked_at = made.token.revoked_at
    api_tokens.revoke(api_tokens.find("sync"), audit.SYSTEM)
    assert made.token.revoked_at == revoked_at
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.like("api_token.%"))
    )
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]


def test_disabling_the_account_ends_its_tokens(organizer, event):
    made = create(organizer, [event])
    staff.set_active(organizer.email, False)
    db.session.commit()
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(made.secret)


def test_an_account_taken_off_the_team_takes_its_token_off_the_event(organizer, event):
    other = make_event()
    db.session.add(TeamMember(event_id=other.id, staff_id=organizer.id, role=Role.ORGANIZER))
    db.session.commit()
    made = create(organizer, [event, other])
    db.session.execute(sa.delete(TeamMember).where(TeamMember.event_id == event.id))
    db.session.commit()
    caller = api_tokens.authenticate(made.secret)
    assert not caller.may(event.id, ApiRole.READ)
    assert caller.may(other.id, ApiRole.ORGANIZER)


def test_an_organizer_made_door_staff_keeps_only_a_door_tokens_reach(organizer, event):
    made = create(organizer, [event])
    db.session.execute(sa.update(TeamMember).values(role=Role.DOOR))
    db.session.commit()
    caller = api_tokens.authenticate(made.secret)
    assert not caller.may(event.id, ApiRole.ORGANIZER) and caller.may(event.id, ApiRole.DOOR)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"name": "  "}, InvalidAnswer),
        ({"name": "x" * 101}, InvalidAnswer),
        ({"name": "two\nlines"}, InvalidAnswer),
        ({"events": []}, InvalidAnswer),
        ({"expires_on": date(2020, 1, 1)}, InvalidAnswer),
    ],
)
def test_bad_input_is_refused_and_nothing_is_made(organizer, event, change, error):
    values = {"name": "sync", "events": [event.id], "expires_on": None, **change}
    with pytest.raises(error):
        api_tokens.create(
            values["name"], ApiRole.READ, values["events"], organizer, values["expires_on"], "x"
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_a_name_is_taken_once_and_an_unknown_event_is_named(organizer, event):
    create(organizer, [event])
    with pytest.raises(InvalidAnswer, match="exists already"):
        create(organizer, [event])
    db.session.rollback()
    with pytest.raises(NotFound):
        api_tokens.create("other", ApiRole.READ, [event.id + 99], organizer, None, "x")


def test_a_token_never_reaches_beyond_its_account(event):
    door_account = make_staff("door@example.org", Role.DOOR, events=[event])
    with pytest.raises(team.NotAllowed):
        create(door_account, [event], ApiRole.ORGANIZER)
    db.session.rollback()
    assert create(door_account, [event], ApiRole.DOOR).token.role == ApiRole.DOOR
    staff.set_active(door_account.email, False)
    db.session.commit()
    with pytest.raises(DomainError):
        create(door_account, [event], ApiRole.READ, name="later")


def test_the_last_use_is_written_at_most_once_a_minute(organizer, event):
    made = create(organizer, [event])
    assert api_tokens.authenticate(made.secret).use_to_note is True
    assert api_tokens.note_use(made.token.id) is True
    db.session.commit()
    # The request's own read of the token says so: no write, no transaction.
    assert api_tokens.authenticate(made.secret).use_to_note is False
    assert api_tokens.note_use(made.token.id) is False
    db.session.execute(
        sa.update(ApiToken).values(last_used_at=datetime.now(UTC) - timedelta(minutes=2))
    )
    assert api_tokens.note_use(made.token.id) is True


def test_lists_are_per_account_newest_first(organizer, event):
    admin = make_staff("admin@example.org")
    create(organizer, [event], name="first")
    create(admin, [event], name="second")
    assert [t.name for t in api_tokens.listed(organizer.id)] == ["first"]
    assert [t.name for t in api_tokens.listed()] == ["second", "first"]
