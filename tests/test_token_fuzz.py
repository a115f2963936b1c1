"""Fuzzing the three signed things a stranger can hold: invitation links, badge codes, door links.

10,000 mutations of each valid token are all refused by the tokens module; 1,000 of each go
through the real endpoints on every database, where they are refused with a clear status and
change nothing (a refused scan is recorded, as every scan is, with the verdict `invalid`).
"""

from __future__ import annotations

import string
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.app import TEST_SECRET
from support.auth import logged_in
from support.factories import make_event, make_guest, make_staff

from registrar import create_app, tokens
from registrar.extensions import db
from registrar.models import Channel, Role, Scan, Verdict
from registrar.services import audit, door, rsvp

# Characters a mutation may bring in: the tokens' own alphabets, separators, and a few that
# are trouble elsewhere (percent, slash, quote, non-ASCII, whitespace, NUL).
ALPHABET = string.ascii_letters + string.digits + "-_.:=+/%'\" \t\x00é中"

# Pick the budget per layer; the HTTP layer is slower, so it gets a tenth.
MODULE_EXAMPLES = 10_000
HTTP_EXAMPLES = 1_000


def mutate(rng, valid: str) -> str:
    """One to three edits of `valid`: replace, insert, delete, truncate, extend, swap."""
    text = valid
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["replace", "insert", "delete", "truncate", "extend", "swap"])
        at = rng.randrange(max(len(text), 1))
        if kind == "replace" and text:
            text = text[:at] + rng.choice(ALPHABET) + text[at + 1 :]
        elif kind == "insert":
            text = text[:at] + "".join(rng.choices(ALPHABET, k=rng.randint(1, 4))) + text[at:]
        elif kind == "delete" and text:
            text = text[:at] + text[at + rng.randint(1, 4) :]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "extend":
            text = text + "".join(rng.choices(ALPHABET, k=rng.randint(1, 8)))
        elif kind == "swap" and len(text) > 1:
            other = rng.randrange(len(text))
            chars = list(text)
            chars[at], chars[other] = chars[other], chars[at]
            text = "".join(chars)
    return text


def mutations(valid: str):
    # One random generator drawn per case, the edits made with it: ten times faster than
    # drawing every edit from Hypothesis, which matters at 10,000 cases.
    return st.randoms(use_true_random=False).map(lambda rng: mutate(rng, valid))


FUZZ = settings(
    deadline=None,
    database=None,  # nothing written into the working tree
    derandomize=True,  # the same cases on every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- the tokens module: 10,000 mutations of each ------------------------------------------


@pytest.fixture(scope="module")
def token_app(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REGISTRAR_INSTANCE_PATH", str(tmp_path_factory.mktemp("instance")))
        app = create_app(
            {"TESTING": True, "SECRET_KEY": TEST_SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        )
    with app.app_context():
        yield app


def _accepted(read, text: str) -> bool:
    try:
        read(text)
    except tokens.InvalidToken:
        return False
    return True


VALID_INVITATION = (7, 3)
VALID_BADGE = (1, 7, 2)
VALID_DOOR_LINK = (4, 1)


def test_invitation_mutations_are_refused(token_app):
    valid = tokens.invitation_token(*VALID_INVITATION)

    @settings(FUZZ, max_examples=MODULE_EXAMPLES)
    @given(mutations(valid))
    def check(text):
        if text != valid:
            assert not _accepted(tokens.read_invitation_token, text), text

    check()


def test_badge_mutations_are_refused(token_app):
    valid = tokens.badge_code(*VALID_BADGE)

    @settings(FUZZ, max_examples=MODULE_EXAMPLES)
    @given(mutations(valid))
    def check(text):
        # Scanners may send lower case or pad with spaces: the same code, rightly accepted.
        if text.strip().upper() != valid:
            assert not _accepted(tokens.read_badge_code, text), text

    check()


def test_door_link_mutations_are_refused(token_app):
    valid = tokens.door_link_token(*VALID_DOOR_LINK)

    @settings(FUZZ, max_examples=MODULE_EXAMPLES)
    @given(mutations(valid))
    def check(text):
        if text != valid:
            assert not _accepted(tokens.read_door_link_token, text), text

    check()


def test_tokens_of_one_purpose_are_refused_for_the_others(token_app):
    invitation = tokens.invitation_token(4, 1)
    door_link = tokens.door_link_token(4, 1)
    badge = tokens.badge_code(1, 4, 1)
    assert not _accepted(tokens.read_door_link_token, invitation)
    assert not _accepted(tokens.read_invitation_token, door_link)
    for text in (invitation, door_link):
        assert not _accepted(tokens.read_badge_code, text)
    for read in (tokens.read_invitation_token, tokens.read_door_link_token):
        assert not _accepted(read, badge)


# -- the endpoints: 1,000 mutations of each, on every database ----------------------------


def _row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def world(app):
    """A confirmed guest with a link and a badge, a door account, and a volunteer's link."""
    event = make_event(capacity=10)
    guest = make_guest(event, email="guest@example.org")
    rsvp.answer(guest.id, guest.token_version, rsvp.RsvpAnswer(True, Channel.EN), audit.SYSTEM)
    link = door.create_link(event, "Gate A", 4, audit.SYSTEM)
    make_staff(email="door@example.org", password="door-password-1", role=Role.DOOR)
    db.session.commit()
    return {
        "event_id": event.id,
        "invitation": tokens.invitation_token(guest.id, guest.token_version),
        "badge": tokens.badge_code(event.id, guest.id, guest.badge_version),
        "door_link": tokens.door_link_token(link.id, event.id),
    }


def test_mutated_invitation_links_get_a_clear_refusal_and_write_nothing(app, client, world):
    valid = world["invitation"]
    assert client.get(f"/i/{valid}").status_code == 200
    before = _row_counts()

    @settings(FUZZ, max_examples=HTTP_EXAMPLES)
    @given(mutations(valid))
    def check(text):
        if text == valid:
            return
        path = "/i/" + quote(text, safe="")
        # Redirects followed: a slash brought in makes the router tidy the path first.
        page = client.get(path, follow_redirects=True)
        assert page.status_code in (400, 404, 405, 410), (text, page.status_code)
        answer = client.post(path, data={"attending": "no"}, follow_redirects=True)
        assert answer.status_code in (400, 404, 405, 410), (text, answer.status_code)

    check()
    assert _row_counts() == before


def test_mutated_door_links_open_nothing_and_write_nothing(app, client, world):
    valid = world["door_link"]
    before = _row_counts()

    @settings(FUZZ, max_examples=HTTP_EXAMPLES)
    @given(mutations(valid))
    def check(text):
        if text == valid:
            return
        client.delete_cookie("session")
        # Redirects followed: a slash brought in makes the router tidy the path first.
        response = client.get("/door/l/" + quote(text, safe=""), follow_redirects=True)
        assert response.status_code in (400, 404, 410), (text, response.status_code)
        # No door session came of it: the scanner still asks for a login.
        scanner = client.get(f"/door/events/{world['event_id']}")
        assert scanner.status_code == 302 and "/login" in scanner.headers["Location"]

    check()
    assert _row_counts() == before


def test_mutated_badge_codes_are_invalid_at_the_door_and_admit_nobody(app, client, world):
    valid = world["badge"]
    logged_in(client, "door@example.org", "door-password-1")
    before = _row_counts()
    sent = 0

    @settings(FUZZ, max_examples=HTTP_EXAMPLES)
    @given(mutations(valid))
    def check(text):
        nonlocal sent
        if text.strip().upper() == valid:
            return
        response = client.post(
            f"/api/v1/events/{world['event_id']}/scans",
            json={"code": text, "nonce": uuid.uuid4().hex, "gate": "A"},
        )
        assert response.status_code == 200, (text, response.status_code)
        assert response.json["verdict"] == "invalid", (text, response.json)
        assert response.json["guest"] is None
        sent += 1

    check()
    after = _row_counts()
    # Every refused scan is kept, with its verdict; nothing else changed: nobody is inside.
    assert after == {**before, "scans": before["scans"] + sent}
    verdicts = set(db.session.scalars(sa.select(Scan.verdict)))
    assert verdicts == {Verdict.INVALID}


def test_a_nul_character_in_a_form_is_refused_before_anything_is_saved(app, client, world):
    before = _row_counts()
    response = client.post(
        f"/i/{world['invitation']}", data={"attending": "yes", "channel": "en", "note": "a\x00b"}
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert _row_counts() == before
