"""The console's API tokens: listed with events, role, expiry and last use; made and shown once;
revoked after a confirmation page; in both languages; only an account's own."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa
from support.auth import csrf_token, logged_in
from support.factories import make_event, make_staff

from registrar.extensions import db
from registrar.models import ApiRole, ApiToken, AuditEntry, Role
from registrar.services import api_tokens, audit

SECRET = re.compile(r'id="new-token" readonly value="(rgr_[A-Za-z0-9_-]{43})"')
PAGE = "/console/api-tokens"


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken))


@pytest.fixture
def event(app):
    return make_event(slug="forum")


@pytest.fixture
def organizer(client, event):
    """An organizer of `event` only, logged in."""
    make_staff("org@example.org", Role.ORGANIZER, events=[event])
    return logged_in(client, "org@example.org")


def create(client, event, **fields):
    data = {"name": "crm sync", "role": "organizer", "events": [str(event.id)], **fields}
    return client.post(PAGE, data=data)


def test_a_token_is_made_shown_once_listed_and_works(organizer, event):
    page = organizer.get(PAGE)
    assert page.status_code == 200 and "No API tokens yet." in text(page)
    made = create(organizer, event, expires="2099-12-31")
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    [secret] = SECRET.findall(made.get_data(as_text=True))
    assert "only time the token is shown" in text(made)
    # The last day as it was given, not the next day's midnight in the viewer's zone.
    assert "works to the end of December 31, 2099 (UTC)" in text(made)
    caller = api_tokens.authenticate(secret)
    assert caller.role == ApiRole.ORGANIZER and caller.event_ids == {event.id}
    listed = text(organizer.get(PAGE))
    assert secret not in listed
    assert "crm sync" in listed and "forum" in listed and "never" in listed
    assert "to the end of December 31, 2099 (UTC)" in listed
    assert secret[:10] + "…" in listed
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "api_token.created"))
    assert entry.event_id == event.id and entry.actor.startswith("staff:")


def test_revoking_asks_first_then_ends_the_token_at_once(organizer, event):
    [secret] = SECRET.findall(create(organizer, event).get_data(as_text=True))
    token_id = db.session.scalar(sa.select(ApiToken.id))
    path = f"{PAGE}/{token_id}/revoke"
    question = organizer.get(path)
    assert question.status_code == 200
    assert "Revoke the token “crm sync”?" in text(question)
    assert api_tokens.authenticate(secret)
    # A post without the page's confirmation changes nothing.
    unconfirmed = organizer.post(path, data={})
    assert unconfirmed.status_code == 200 and "Nothing was changed" in text(unconfirmed)
    db.session.rollback()
    assert api_tokens.authenticate(secret)
    done = organizer.post(path, data={"confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(PAGE)
    with pytest.raises(api_tokens.TokenRefused):
        api_tokens.authenticate(secret)
    listed = text(organizer.get(PAGE))
    assert "revoked: requests with it are refused" in listed and "Revoked" in listed
    assert "already revoked" in text(organizer.get(path))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the token a name."),
        ({"events": []}, "Choose at least one event for the token."),
        ({"expires": "2020-01-01"}, "The expiry date has passed"),
        ({"role": "admin"}, "The role is read, door or organizer."),
    ],
)
def test_bad_input_is_named_and_makes_nothing(organizer, event, fields, message):
    page = create(organizer, event, **fields)
    assert page.status_code == 200 and message in text(page)
    assert count() == 0


def test_an_event_of_another_team_cannot_be_named(organizer, event):
    other = make_event(slug="elsewhere")
    page = text(organizer.get(PAGE))
    assert "forum" in page and "elsewhere" not in page
    refused = create(organizer, other)
    assert "may not hold a token" in text(refused)
    assert count() == 0


def test_the_tokens_of_another_account_are_neither_listed_nor_revoked(organizer, event):
    someone = make_staff("other@example.org", Role.ORGANIZER, events=[event])
    made = api_tokens.create("theirs", ApiRole.READ, [event.id], someone, None, audit.SYSTEM)
    db.session.commit()
    assert "theirs" not in text(organizer.get(PAGE))
    path = f"{PAGE}/{made.token.id}/revoke"
    assert organizer.get(path).status_code == 404
    assert organizer.post(path, data={"confirm": "1"}).status_code == 404
    db.session.rollback()
    assert db.session.get(ApiToken, made.token.id).revoked_at is None


def test_door_staff_and_visitors_are_kept_out(client, event):
    assert client.get(PAGE).headers["Location"].startswith("/login")
    make_staff("door@example.org", Role.DOOR, events=[event])
    logged_in(client, "door@example.org")
    assert client.get(PAGE).status_code == 403
    assert (
        client.post(PAGE, data={"name": "x", "role": "door", "events": [str(event.id)]}).status_code
        == 403
    )
    assert count() == 0


def test_the_pages_speak_chinese(organizer, event):
    organizer.get(f"{PAGE}?lang=zh_Hant")
    page = text(organizer.get(PAGE))
    assert "API 權杖" in page and "尚無 API 權杖。" in page
    made = text(create(organizer, event))
    assert "請立即複製權杖" in made
    token_id = db.session.scalar(sa.select(ApiToken.id))
    assert "撤銷權杖「crm sync」？" in text(organizer.get(f"{PAGE}/{token_id}/revoke"))


def test_forms_need_their_csrf_token(app, client, event):
    app.config["WTF_CSRF_ENABLED"] = True
    make_staff("org@example.org", Role.ORGANIZER, events=[event])
    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login",
        data={
            "email": "org@example.org",
            "password": "correct horse battery",
            "csrf_token": csrf_token(login),
        },
    )
    refused = create(client, event)
    assert "crm sync" not in text(refused) or "rgr_" not in text(refused)
    assert count() == 0
    page = client.get(PAGE).get_data(as_text=True)
    made = create(client, event, csrf_token=csrf_token(page))
    assert SECRET.search(made.get_data(as_text=True))
    assert count() == 1
