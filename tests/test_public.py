"""The guest's invitation page, through the test client: language, answers, refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.mofile import read_mo
from itsdangerous import URLSafeSerializer
from support.app import TEST_SECRET, request_client
from support.factories import invitation_path, make_event, make_guest, make_guests

from registrar import create_app
from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AgendaKind,
    AgendaPerson,
    AuditEntry,
    Channel,
    Guest,
    Language,
    PersonRole,
    RequestKind,
    Rsvp,
    Seat,
    SeatState,
)
from registrar.services import audit, invitations, requests, rsvp
from registrar.tokens import INVITATION_SALT

CATALOGUE = (
    Path(__file__).resolve().parents[1] / "registrar/translations/zh_Hant/LC_MESSAGES/messages.mo"
)
CJK = re.compile(r"[\u4e00-\u9fff]")
CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@cache
def _compiled() -> dict[str, str]:
    with open(CATALOGUE, "rb") as f:
        # Plurals (ids that are lists) are not what these pages show.
        return {m.id: m.string for m in read_mo(f) if m.id and isinstance(m.id, str)}


def zh(message: str, **params) -> str:
    """The zh_Hant text the page shows for an English message, from the compiled catalogue."""
    translated = _compiled().get(message)
    assert translated and CJK.search(translated), f"not translated yet: {message!r}"
    return translated % params if params else translated


def text(response) -> str:
    """The page as a reader sees it: entities decoded."""
    return unescape(response.get_data(as_text=True))


def field_errors(response, field: str) -> list[str]:
    html = response.get_data(as_text=True)
    return [unescape(m) for m in re.findall(rf'id="{field}-error">(.*?)</p>', html)]


def totals() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Rsvp, Seat, AuditEntry, Guest)
    }


def names(guest: Guest) -> tuple[str, str, str]:
    db.session.expire_all()
    g = db.session.get(Guest, guest.id)
    return g.name_en, g.name_zh, g.organization


def seat_state(guest: Guest) -> SeatState | None:
    seat = db.session.scalar(sa.select(Seat).where(Seat.guest_id == guest.id))
    return seat.state if seat else None


def audit_count(action: str, guest: Guest) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == action, AuditEntry.guest_id == guest.id)
    )


def add_programme(event) -> None:
    start = event.starts_at
    item = AgendaItem(
        position=0,
        kind=AgendaKind.SESSION,
        title_en="Session 2: Working with Nature",
        title_zh="第二場：與自然協作",
        starts_at=start,
        ends_at=start + timedelta(minutes=80),
    )
    item.people.append(
        AgendaPerson(
            position=0,
            role=PersonRole.SPEAKER,
            name_en="Thulani Mkhonta",
            name_zh="",
            affiliation_en="Mayor of Mbabane, Eswatini",
            affiliation_zh="史瓦帝尼姆巴巴內市市長",
        )
    )
    item.people.append(
        AgendaPerson(
            position=1,
            role=PersonRole.MODERATOR,
            name_en="Lai Ching-Ming",
            name_zh="賴慶明",
            affiliation_en="Deputy Mayor",
            affiliation_zh="副市長",
        )
    )
    event.agenda.append(item)
    event.agenda.append(
        AgendaItem(
            position=1,
            kind=AgendaKind.BREAK,
            title_en="Tea break",
            title_zh="茶敘",
            starts_at=start + timedelta(minutes=80),
            ends_at=start + timedelta(minutes=100),
        )
    )
    db.session.commit()


YES = {"attending": "yes", "channel": "zh"}


# -- the page and its language ------------------------------------------------------------


def test_page_in_english_for_an_english_guest(client, app):
    guest = make_guest(make_event(), name_en="Ingrid Coetzee", language=Language.EN)
    response = client.get(invitation_path(guest))
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="en">' in page
    assert "Dear Ingrid Coetzee," in page
    assert "We have not received your answer yet" in page
    assert "Will you attend?" in page
    assert '<form method="post"' in page
    assert zh("Your invitation") not in page


def test_page_in_chinese_for_a_zh_hant_guest(client, app):
    guest = make_guest(make_event(), name_zh="賴慶明", language=Language.ZH_HANT)
    page = text(client.get(invitation_path(guest)))
    assert '<html lang="zh-Hant-TW">' in page
    assert f"<title>{zh('Your invitation')} · " in page
    assert zh("Dear %(name)s,", name="賴慶明") in page
    for message in (
        "We have not received your answer yet",
        "Will you attend?",
        "Send my answer",
        "Programme",
        "Venue",
    ):
        assert zh(message) in page, message
    # The event's own text comes in Chinese first.
    assert f'<h1 id="event-title">{guest.event.title_zh}</h1>' in page
    assert "Will you attend?" not in page
    assert "Your invitation" not in page


def test_lang_parameter_switches_and_is_remembered(client, app):
    event = make_event()
    zh_guest = make_guest(event, language=Language.ZH_HANT)
    en_guest = make_guest(event, language=Language.EN)

    page = text(client.get(invitation_path(zh_guest) + "?lang=en"))
    assert "Will you attend?" in page and zh("Will you attend?") not in page
    # Remembered for the next page without the parameter.
    page = text(client.get(invitation_path(zh_guest)))
    assert "Will you attend?" in page

    page = text(client.get(invitation_path(en_guest) + "?lang=zh_Hant"))
    assert zh("Will you attend?") in page and "Will you attend?" not in page
    assert '<html lang="zh-Hant-TW">' in page


def test_unknown_lang_parameter_keeps_the_guest_language(client, app):
    guest = make_guest(make_event(), language=Language.ZH_HANT)
    page = text(client.get(invitation_path(guest) + "?lang=fr"))
    assert zh("Will you attend?") in page


def test_one_guest_language_does_not_leak_into_the_next_request(client, app):
    event = make_event()
    zh_guest = make_guest(event, language=Language.ZH_HANT)
    en_guest = make_guest(event, language=Language.EN)
    assert zh("Will you attend?") in text(client.get(invitation_path(zh_guest)))
    # Another person, another browser.
    other = request_client(app)
    assert "Will you attend?" in text(other.get(invitation_path(en_guest)))


def test_programme_with_speakers_and_moderator(client, app):
    event = make_event()
    add_programme(event)
    en_guest = make_guest(event, language=Language.EN)
    zh_guest = make_guest(event, language=Language.ZH_HANT)

    page = text(client.get(invitation_path(en_guest)))
    for shown in (
        "Programme",
        "Session 2: Working with Nature",
        "Tea break",
        "Speakers",
        "Thulani Mkhonta",
        "Mayor of Mbabane, Eswatini",
        "Moderator",
        "Lai Ching-Ming",
    ):
        assert shown in page, shown
    assert page.index("Session 2") < page.index("Tea break")
    assert page.index("Thulani Mkhonta") < page.index("Lai Ching-Ming")

    page = text(request_client(app).get(invitation_path(zh_guest)))
    for shown in (
        zh("Programme"),
        zh("Speakers"),
        zh("Moderator"),
        "第二場：與自然協作",
        "茶敘",
        "史瓦帝尼姆巴巴內市市長",
        "賴慶明",
        # A speaker without a Chinese name keeps the English one.
        "Thulani Mkhonta",
    ):
        assert shown in page, shown


# -- answering ------------------------------------------------------------------------------


def test_yes_redirects_to_a_page_that_shows_the_confirmed_seat(client, app):
    guest = make_guest(make_event())
    response = client.post(invitation_path(guest), data=YES)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(invitation_path(guest) + "#status")

    page = text(client.get(invitation_path(guest)))
    assert "Thank you, your answer is saved." in page
    assert "Your seat is confirmed" in page
    assert "You will listen on: Chinese (中文)." in page
    assert "Change your answer" in page
    assert seat_state(guest) == SeatState.CONFIRMED
    assert db.session.get(Guest, guest.id).rsvp.channel == Channel.ZH


def test_yes_in_chinese_shows_the_chinese_confirmation(client, app):
    guest = make_guest(make_event(), language=Language.ZH_HANT)
    client.post(invitation_path(guest), data={"attending": "yes", "channel": "en"})
    page = text(client.get(invitation_path(guest)))
    assert zh("Thank you, your answer is saved.") in page
    assert zh("Your seat is confirmed") in page


def test_a_full_event_puts_the_guest_on_the_waitlist_with_a_position(client, app):
    event = make_event(capacity=2, held_seats=1)
    first, second, third = make_guests(event, 3)
    for guest in (first, second, third):
        assert client.post(invitation_path(guest), data=YES).status_code == 302

    page = text(client.get(invitation_path(third)))
    assert "You are on the waitlist" in page
    assert "Your place in the queue: 2" in page
    assert "Your seat is confirmed" not in page
    page = text(client.get(invitation_path(second)))
    assert "Your place in the queue: 1" in page
    assert seat_state(first) == SeatState.CONFIRMED


def test_a_decline_frees_the_seat_for_the_next_in_line(client, app):
    event = make_event(capacity=1)
    first, second = make_guests(event, 2)
    client.post(invitation_path(first), data=YES)
    client.post(invitation_path(second), data=YES)
    assert "You are on the waitlist" in text(client.get(invitation_path(second)))

    response = client.post(invitation_path(first), data={"attending": "no"})
    assert response.status_code == 302
    page = text(client.get(invitation_path(first)))
    assert "You have declined" in page
    assert seat_state(first) is None
    assert "Your seat is confirmed" in text(client.get(invitation_path(second)))


def test_no_shows_declined(client, app):
    guest = make_guest(make_event())
    response = client.post(invitation_path(guest), data={"attending": "no", "channel": "en"})
    assert response.status_code == 302
    page = text(client.get(invitation_path(guest)))
    assert "You have declined" in page
    g = db.session.get(Guest, guest.id)
    assert g.rsvp.attending is False and g.rsvp.channel is None and g.seat is None


def test_the_form_shows_the_current_answer(client, app):
    guest = make_guest(make_event())
    client.post(invitation_path(guest), data={**YES, "dietary": "vegan", "note": "See you"})
    html = client.get(invitation_path(guest)).get_data(as_text=True)
    assert re.search(r'<input checked id="attending-0"[^>]*value="yes"', html)
    assert re.search(r'<input checked id="channel-1"[^>]*value="zh"', html)
    assert 'name="dietary" type="text" value="vegan"' in html
    assert re.search(r">\s*See you</textarea>", html)


NO_CHANNEL = "Please choose the channel you will listen on."
BAD_CHANNEL = "Please choose one of the channels listed."


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({}, "attending", "Please answer yes or no."),
        ({"channel": "en"}, "attending", "Please answer yes or no."),
        ({"attending": "yes"}, "channel", NO_CHANNEL),
        ({"attending": "yes", "channel": ""}, "channel", NO_CHANNEL),
        ({"attending": "yes", "channel": "xx"}, "channel", BAD_CHANNEL),
        ({**YES, "note": "n" * 1001}, "note", "At most 1000 characters, please."),
        ({**YES, "dietary": "d" * 501}, "dietary", "At most 500 characters, please."),
        ({**YES, "name_en": "N" * 201}, "name_en", "At most 200 characters, please."),
    ],
)
def test_validation_errors_next_to_the_field_and_nothing_saved(client, app, data, field, message):
    guest = make_guest(make_event(), name_zh="原本的名字")
    before, names_before = totals(), names(guest)
    # A name correction rides along with every refused form and must not be saved.
    data = {"name_zh": "改過的名字", **data}
    response = client.post(invitation_path(guest), data=data)
    assert response.status_code == 400
    assert message in field_errors(response, field)
    # The field points at its error, for screen readers.
    html = response.get_data(as_text=True)
    assert re.search(rf'aria-describedby="[^"]*\b{field}-error"', html)
    # The form is shown again, with what the guest typed.
    assert "改過的名字" in text(response)
    assert totals() == before
    assert names(guest) == names_before


def test_a_channel_not_offered_by_this_event_is_a_field_error(client, app):
    guest = make_guest(make_event(channels="en"))
    page = text(client.get(invitation_path(guest)))
    assert 'value="en"' in page and 'value="floor"' in page and 'value="zh"' not in page
    before = totals()
    response = client.post(invitation_path(guest), data=YES)
    assert response.status_code == 400
    assert field_errors(response, "channel") == ["Please choose one of the channels listed."]
    assert totals() == before


def test_errors_are_shown_in_the_guest_language(client, app):
    guest = make_guest(make_event(), language=Language.ZH_HANT)
    response = client.post(invitation_path(guest), data={"attending": "yes"})
    assert response.status_code == 400
    assert field_errors(response, "channel") == [
        zh("Please choose the channel you will listen on.")
    ]


def test_an_answer_reads_sessions_and_a_pending_correction_only_when_there_are_some(client, app):
    guest = make_guest(make_event())
    path = invitation_path(guest)
    read: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        # A statement of their own: the guest's read asks whether there are any, as columns.
        if statement.startswith(("SELECT agenda_items.", "SELECT change_requests.")):
            read.append(statement.split(".")[0])

    def answer(data: dict[str, str]) -> None:
        sa.event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert client.post(path, data=data).status_code == 302
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", seen)

    answer(YES)
    assert read == []
    # A correction asked: the page's form reads it, and shows it as asked.
    answer({**YES, "name_en": "Dr. Corrected"})
    assert requests.pending_of(guest, RequestKind.NAME_CHANGE).name_en == "Dr. Corrected"
    html = client.get(path).get_data(as_text=True)
    assert 'name="name_en" type="text" value="Dr. Corrected"' in html


def test_html_in_a_name_is_stored_as_typed_and_shown_escaped(client, app):
    guest = make_guest(make_event())
    script = "<script>alert(1)</script>"
    response = client.post(
        invitation_path(guest), data={"attending": "no", "name_en": script, "note": script}
    )
    assert response.status_code == 302
    # A correction of the name waits for an organizer: it is stored as typed in the request.
    assert requests.pending_of(guest, RequestKind.NAME_CHANGE).name_en == script

    html = client.get(invitation_path(guest)).get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (now " in html
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html


# -- links that do not work -----------------------------------------------------------------


def _bad_tokens(guest: Guest) -> dict[str, str]:
    good = invitations.invitation_token(guest)
    payload, signature = good.rsplit(".", 1)
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    return {
        "tampered": f"{payload}.{flipped}",
        "truncated": good[:-4],
        "garbage": "this-is-not-a-token",
        "foreign secret": URLSafeSerializer("another-secret", salt=INVITATION_SALT).dumps(
            [guest.id, guest.token_version]
        ),
        "unknown guest": URLSafeSerializer(TEST_SECRET, salt=INVITATION_SALT).dumps([99999, 1]),
    }


@pytest.mark.parametrize(
    "kind", ["tampered", "truncated", "garbage", "foreign secret", "unknown guest"]
)
def test_a_token_that_is_not_ours_gets_a_friendly_404_and_writes_nothing(client, app, kind):
    guest = make_guest(
        make_event(), name_en="Secret Person", name_zh="秘密來賓", email="secret@example.org"
    )
    token = _bad_tokens(guest)[kind]
    before = totals()
    for response in (
        client.get(f"/i/{token}"),
        client.post(f"/i/{token}", data=YES),
    ):
        assert response.status_code == 404
        page = text(response)
        assert "This link does not work" in page
        assert "please check that you opened the whole link" in page.lower()
        for private in ("Secret Person", "秘密來賓", "secret@example.org", "City of Kaohsiung"):
            assert private not in page
        assert "<form" not in page
    assert totals() == before
    assert seat_state(guest) is None


@pytest.mark.parametrize("how", ["rotated", "revoked"])
def test_a_link_that_was_withdrawn_gets_410_and_writes_nothing(client, app, how):
    guest = make_guest(make_event(), name_en="Secret Person")
    old_path = invitation_path(guest)
    client.post(old_path, data=YES)
    operation = invitations.rotate if how == "rotated" else invitations.revoke
    operation(guest.id, actor=audit.SYSTEM)
    db.session.commit()
    before = totals()
    rsvp_before = db.session.get(Guest, guest.id).rsvp.channel

    for response in (
        client.get(old_path),
        client.post(old_path, data={"attending": "no"}),
    ):
        assert response.status_code == 410
        page = text(response)
        assert "This link is no longer active" in page
        assert "Secret Person" not in page
        assert "<form" not in page
    assert totals() == before
    assert db.session.get(Guest, guest.id).rsvp.channel == rsvp_before

    if how == "rotated":
        # The new link works and shows the answer kept.
        page = text(client.get(invitation_path(db.session.get(Guest, guest.id))))
        assert "Your seat is confirmed" in page


def test_the_page_of_a_revoked_guest_in_chinese_says_so_in_chinese(client, app):
    guest = make_guest(make_event(), language=Language.ZH_HANT)
    path = invitation_path(guest)
    invitations.revoke(guest.id, actor=audit.SYSTEM)
    db.session.commit()
    response = client.get(path + "?lang=zh_Hant")
    assert response.status_code == 410
    assert zh("This link is no longer active") in text(response)


# -- after the deadline ---------------------------------------------------------------------


def test_after_the_deadline_the_page_is_read_only(client, app):
    event = make_event()
    guest = make_guest(event)
    client.post(invitation_path(guest), data=YES)
    event.rsvp_deadline = event.rsvp_deadline - timedelta(days=30)
    db.session.commit()

    response = client.get(invitation_path(guest))
    assert response.status_code == 200
    page = text(response)
    assert "<form" not in page
    assert "Replies are closed" in page
    assert "Your seat is confirmed" in page

    before = totals()
    response = client.post(invitation_path(guest), data={"attending": "no"})
    assert response.status_code == 409
    page = text(response)
    assert "The reply deadline has passed, so answers can no longer be changed." in page
    assert "<form" not in page
    assert totals() == before
    assert seat_state(guest) == SeatState.CONFIRMED
    assert db.session.get(Guest, guest.id).rsvp.attending is True


def test_after_the_deadline_an_unanswered_guest_cannot_answer(client, app):
    guest = make_guest(make_event(deadline_in_days=-1))
    assert "Replies are closed" in text(client.get(invitation_path(guest)))
    before = totals()
    assert client.post(invitation_path(guest), data=YES).status_code == 409
    assert totals() == before
    assert not rsvp.is_open(db.session.get(Guest, guest.id).event)


# -- CSRF, repeats, headers -----------------------------------------------------------------


@pytest.fixture
def csrf_client(app_config, app):
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield request_client(csrf_app)
    with csrf_app.app_context():
        db.engine.dispose()


def test_a_post_without_the_csrf_token_is_refused_and_saves_nothing(csrf_client, app):
    guest = make_guest(make_event())
    path = invitation_path(guest)
    page = csrf_client.get(path).get_data(as_text=True)
    token = CSRF_VALUE.search(page).group(1)
    before = totals()

    for data in (YES, {**YES, "csrf_token": "forged"}):
        response = csrf_client.post(path, data=data)
        assert response.status_code == 400
        assert "The form has expired" in text(response)
        assert totals() == before

    # The control: the same form with its token goes through.
    response = csrf_client.post(path, data={**YES, "csrf_token": token})
    assert response.status_code == 302
    assert seat_state(guest) == SeatState.CONFIRMED


def test_a_double_submit_gives_one_seat_and_one_audit_entry(client, app):
    guest = make_guest(make_event(capacity=5))
    data = {**YES, "dietary": "vegetarian", "name_en": guest.name_en}
    first = client.post(invitation_path(guest), data=data)
    second = client.post(invitation_path(guest), data=data)
    assert (first.status_code, second.status_code) == (302, 302)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Seat)) == 1
    assert audit_count("rsvp.answered", guest) == 1
    assert audit_count("seat.confirmed", guest) == 1
    assert audit_count("guest.corrected", guest) == 0


def test_security_headers(client, app):
    guest = make_guest(make_event())
    path = invitation_path(guest)
    responses = {
        "page": client.get(path),
        "post": client.post(path, data=YES),
        "form error": client.post(path, data={}),
        "not ours": client.get("/i/nonsense"),
    }
    invitations.rotate(guest.id, actor=audit.SYSTEM)
    db.session.commit()
    responses["withdrawn"] = client.get(path)
    assert [r.status_code for r in responses.values()] == [200, 302, 400, 404, 410]
    for name, response in responses.items():
        assert response.headers["Referrer-Policy"] == "no-referrer", name
        assert "no-store" in response.headers.get("Cache-Control", ""), name
        assert response.headers["X-Frame-Options"] == "DENY", name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name

    home = client.get("/")
    assert home.headers["Referrer-Policy"] == "no-referrer"


def test_times_are_named_by_the_events_own_zone_and_interpretation_by_its_channels(client):
    event = make_event(timezone="Europe/Paris", channels="en fr")
    path = invitation_path(make_guest(event, language=Language.EN))
    page = unescape(client.get(path).get_data(as_text=True))
    assert "(Paris time)" in page and "Taipei" not in page
    assert "Simultaneous interpretation: English ↔ French (Français)" in page
    chinese = unescape(client.get(path + "?lang=zh_Hant").get_data(as_text=True))
    assert "（巴黎時間）" in chinese and "台北" not in chinese
    assert "同步口譯：英文（English） ↔ 法語（Français）" in chinese
