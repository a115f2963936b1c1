"""`flask token create|list|revoke`: the token printed once, clear refusals, exit codes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, ApiToken, AuditEntry, Role
from registrar.services import api_tokens

TOKEN = re.compile(r"^rgr_[A-Za-z0-9_-]{43}$", re.MULTILINE)


def run(runner, *args):
    db.session.commit()
    result = runner.invoke(args=list(args))
    db.session.rollback()
    return result


def count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))


@pytest.fixture
def events(app):
    make_staff()  # the administrator
    return make_event(slug="forum"), make_event(slug="gala")


def test_create_prints_the_token_once_and_it_works(runner, events):
    result = run(
        runner,
        "token",
        "create",
        "--name",
        "crm sync",
        "--role",
        "organizer",
        "--event",
        "forum",
        "--event",
        "gala",
        "--expires",
        "2099-12-31",
    )
    assert result.exit_code == 0, result.output
    [secret] = TOKEN.findall(result.output)
    caller = api_tokens.authenticate(secret)
    assert caller.role == ApiRole.ORGANIZER
    assert caller.event_ids == {e.id for e in events}
    token = db.session.scalar(sa.select(ApiToken))
    assert token.staff.email == "organizer@example.org"
    assert token.expires_at == datetime(2100, 1, 1, tzinfo=UTC)
    actors = db.session.scalars(
        sa.select(AuditEntry.actor).where(AuditEntry.action == "api_token.created")
    )
    assert list(actors) == ["system", "system"]

    listed = run(runner, "token", "list")
    assert listed.exit_code == 0
    line = listed.output.splitlines()[1].split("\t")
    assert line[:5] == [
        "crm sync",
        "organizer",
        "organizer@example.org",
        "forum,gala",
        "2099-12-31",  # the last day, as `create` was given it and says it
    ]
    assert line[5:7] == ["-", "active"]
    assert secret not in listed.output and secret.startswith(line[7])

    revoked = run(runner, "token", "revoke", "crm sync")
    assert revoked.exit_code == 0 and "Revoked" in revoked.output
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(secret)
    assert "\trevoked\t" in run(runner, "token", "list").output


def test_a_token_for_a_named_account_reaches_no_further_than_it(runner, events):
    make_staff("door@example.org", Role.DOOR, events=[events[0]])
    args = [
        "token",
        "create",
        "--name",
        "gate",
        "--event",
        "forum",
        "--account",
        "door@example.org",
    ]
    refused = run(runner, *args, "--role", "organizer")
    assert (
        refused.exit_code == 1 and "may not hold a token of the role “Organizer”" in refused.output
    )
    made = run(runner, *args, "--role", "door")
    assert made.exit_code == 0 and TOKEN.search(made.output)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--event", "nowhere"], "No event with the slug “nowhere”"),
        (["--event", "forum", "--expires", "2020-01-01"], "expiry date has passed"),
        (["--event", "forum", "--expires", "31/12/2099"], "is not a date like"),
        (["--event", "forum", "--account", "nobody@example.org"], "No account with that e-mail"),
        (["--event", "forum", "--role", "admin"], "'admin' is not one of"),
        ([], "Missing option '--event'"),
    ],
)
def test_bad_input_is_refused_clearly_and_makes_nothing(runner, events, args, message):
    role = [] if "--role" in args else ["--role", "read"]
    result = run(runner, "token", "create", "--name", "x", *role, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert count() == 0


def test_a_name_is_taken_once(runner, events):
    args = ["token", "create", "--name", "x", "--role", "read", "--event", "forum"]
    assert run(runner, *args).exit_code == 0
    again = run(runner, *args)
    assert again.exit_code == 1 and "A token named “x” exists already." in again.output
    assert count() == 1


def test_revoking_an_unknown_name_says_so(runner, events):
    result = run(runner, "token", "revoke", "nothing")
    assert result.exit_code == 1 and "No token named “nothing”." in result.output


def test_list_says_when_there_are_none_and_marks_expired_ones(runner, events):
    assert run(runner, "token", "list").output.strip() == "No API tokens."
    run(runner, "token", "create", "--name", "old", "--role", "read", "--event", "forum")
    db.session.execute(sa.update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(days=1)))
    assert "\texpired\t" in run(runner, "token", "list").output


def test_every_command_has_help(runner, app):
    for command in ("create", "list", "revoke"):
        result = run(runner, "token", command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert "shown once" in run(runner, "token", "--help").output
