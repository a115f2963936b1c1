"""The console's programme editor: its pages, their refusals next to the field, moves by
button, forged ids, and the guest's page showing what was edited, in both languages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from support.app import text
from support.factories import invitation_path, make_event, make_guest

from registrar.extensions import db
from registrar.models import AgendaItem, AgendaPerson, AuditEntry, Language


def taipei(hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2030, 3, 21, hour - 8, minute, tzinfo=UTC)


def new_event():
    return make_event(
        doors_open_at=taipei("13:10"), starts_at=taipei("13:30"), ends_at=taipei("16:45")
    )


@pytest.fixture
def event(app):
    return new_event()


def base(event) -> str:
    return f"/console/events/{event.id}/programme"


def item_form(
    starts="13:30", ends="14:50", title_en="Session 2", title_zh="第二場", kind="session"
):
    return {
        "kind": kind,
        "title_en": title_en,
        "title_zh": title_zh,
        "starts": starts,
        "ends": ends,
    }


def stored(event) -> list[tuple[int, str, str]]:
    """(position, English title, Chinese title) in position order, read afresh."""
    db.session.expire_all()
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(AgendaItem.position, AgendaItem.title_en, AgendaItem.title_zh)
            .where(AgendaItem.event_id == event.id)
            .order_by(AgendaItem.position)
        )
    ]


def item_id(event, title_en: str) -> int:
    return db.session.scalar(
        sa.select(AgendaItem.id).where(
            AgendaItem.event_id == event.id, AgendaItem.title_en == title_en
        )
    )


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert found, f"no error next to {field}"
    return found[1]


def add_item(client, event, **values):
    response = client.post(f"{base(event)}/new", data=item_form(**values))
    assert response.status_code == 302, text(response)
    return response


@pytest.fixture
def forum(organizer_client, event):
    """Session 2, a break and Session 3, added through the pages."""
    add_item(organizer_client, event)
    add_item(
        organizer_client,
        event,
        starts="14:50",
        ends="15:10",
        title_en="Break",
        title_zh="茶敘",
        kind="break",
    )
    add_item(
        organizer_client,
        event,
        starts="15:10",
        ends="16:30",
        title_en="Session 3",
        title_zh="第三場",
    )
    return event


# -- the page --------------------------------------------------------------------------------


def test_an_empty_programme_says_how_to_begin_and_the_console_links_it(organizer_client, event):
    page = text(organizer_client.get(base(event)))
    assert "There is no programme yet" in page
    assert f'href="{base(event)}/new"' in page
    assert "13:30 to 16:45" in page and "doors open at 13:10" in page
    overview = text(organizer_client.get(f"/console/events/{event.id}/guests"))
    assert f'href="{base(event)}">Programme</a>' in overview


def test_adding_items_shows_them_in_running_order(organizer_client, forum):
    response = organizer_client.post(
        f"{base(forum)}/new",
        data=item_form(starts="16:30", ends="16:45", title_en="Closing", title_zh="閉幕"),
        follow_redirects=True,
    )
    page = text(response)
    assert "“Closing” is on the programme." in page
    assert stored(forum) == [
        (1, "Session 2", "第二場"),
        (2, "Break", "茶敘"),
        (3, "Session 3", "第三場"),
        (4, "Closing", "閉幕"),
    ]
    times = re.findall(r'<span class="agenda-time">([^<]+)</span>', page)
    assert times == ["13:30–14:50", "14:50–15:10", "15:10–16:30", "16:30–16:45"]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"starts": "13:00", "ends": "13:40"},
            "starts",
            "The event runs from 13:30 to 16:45: an item cannot start before that.",
        ),
        (
            {"starts": "16:30", "ends": "17:00"},
            "ends",
            "The event runs from 13:30 to 16:45: an item cannot end after that.",
        ),
        ({"starts": "14:00", "ends": "13:45"}, "ends", "The item must end after it starts."),
        (
            {"starts": "2 pm", "ends": "15:00"},
            "starts",
            'Enter a time of day as "HH:MM", e.g. 13:30.',
        ),
        (
            {"title_en": "", "title_zh": ""},
            "title_en",
            "Please give a title in English or in Chinese",
        ),
        ({"title_en": "Session\n2"}, "title_en", "Names, organizations and titles go on one line"),
        ({"kind": "lunch"}, "kind", "Please choose session or break."),
    ],
)
def test_a_refused_item_gets_its_message_next_to_the_field_and_nothing_is_saved(
    organizer_client, event, values, field, message
):
    response = organizer_client.post(f"{base(event)}/new", data=item_form(**values))
    assert response.status_code == 400
    page = text(response)
    assert message in field_error(page, field)
    if field != "kind":  # radios mark their fieldset, not an input
        assert 'aria-invalid="true"' in page
    assert stored(event) == []


def test_an_overlap_names_the_other_item(organizer_client, forum):
    response = organizer_client.post(
        f"{base(forum)}/new", data=item_form(starts="15:00", ends="15:30", title_en="Press")
    )
    assert response.status_code == 400
    assert "“Break” (14:50–15:10)" in field_error(text(response), "starts")
    assert len(stored(forum)) == 3


def test_editing_an_item_shows_its_values_and_saves_them(organizer_client, forum):
    url = f"{base(forum)}/{item_id(forum, 'Session 3')}/edit"
    page = text(organizer_client.get(url))
    assert 'value="15:10"' in page and 'value="16:30"' in page and 'value="第三場"' in page
    response = organizer_client.post(
        url, data=item_form(starts="15:10", ends="16:45", title_en="Session 3: Green Mobility")
    )
    assert response.status_code == 302
    assert stored(forum)[2] == (3, "Session 3: Green Mobility", "第二場")
    again = organizer_client.post(
        url,
        data=item_form(starts="15:10", ends="16:45", title_en="Session 3: Green Mobility"),
        follow_redirects=True,
    )
    assert "Nothing was changed." in text(again)
    refused = organizer_client.post(url, data=item_form(starts="14:00", ends="16:45"))
    assert refused.status_code == 400
    assert "Session 2" in field_error(text(refused), "starts")


def move(client, event, title: str, current: int, position: int, **options):
    url = f"{base(event)}/{item_id(event, title)}/move"
    return client.post(url, data={"current": current, "position": position}, **options)


def test_up_and_down_buttons_reorder_and_the_times_follow(organizer_client, forum):
    page = text(organizer_client.get(base(forum)))
    # The break, second, has both buttons; the first item has no "up", the last no "down".
    assert page.count('data-move="up"') == 2 and page.count('data-move="down"') == 2
    response = move(organizer_client, forum, "Break", 2, 1, follow_redirects=True)
    assert "“Break” now runs 13:30–13:50" in text(response)
    assert [title for _p, title, _z in stored(forum)] == ["Break", "Session 2", "Session 3"]
    times = re.findall(r'<span class="agenda-time">([^<]+)</span>', text(response))
    assert times == ["13:30–13:50", "13:50–15:10", "15:10–16:30"]


def test_a_double_submitted_move_moves_nothing_more(organizer_client, forum):
    move(organizer_client, forum, "Session 3", 3, 2)
    response = move(organizer_client, forum, "Session 3", 3, 2, follow_redirects=True)
    assert "The programme changed since this page was shown, so nothing was moved." in text(
        response
    )
    assert [title for _p, title, _z in stored(forum)] == ["Session 2", "Session 3", "Break"]
    moves = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "programme.item_moved")
    )
    assert moves == 1


def test_deleting_an_item(organizer_client, forum):
    url = f"{base(forum)}/{item_id(forum, 'Break')}/delete"
    response = organizer_client.post(url, follow_redirects=True)
    assert "“Break” is off the programme." in text(response)
    assert [title for _p, title, _z in stored(forum)] == ["Session 2", "Session 3"]


# -- people ----------------------------------------------------------------------------------


LAI = {
    "role": "speaker",
    "name_en": "Lai Ching-Ming",
    "name_zh": "賴慶明",
    "title_en": "Distinguished Professor",
    "title_zh": "特聘教授",
    "affiliation_en": "National Chung Hsing University",
    "affiliation_zh": "中興大學電機工程學系",
}
LIN = {"role": "moderator", "name_en": "Dr. Tze-Luen Lin", "affiliation_en": "Office of Energy"}


def people(item: int) -> list[str]:
    db.session.expire_all()
    return [
        f"{person.position}:{person.role.value}:{person.name_en or person.name_zh}"
        for person in db.session.scalars(
            sa.select(AgendaPerson)
            .where(AgendaPerson.item_id == item)
            .order_by(AgendaPerson.position)
        )
    ]


def test_speakers_and_moderators_are_added_moved_edited_and_removed(organizer_client, forum):
    item = item_id(forum, "Session 2")
    item_url = f"{base(forum)}/{item}"
    for person in (LAI, LIN):
        response = organizer_client.post(f"{item_url}/people/new", data=person)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(f"{item_url}/edit#person-")
    assert people(item) == ["1:speaker:Lai Ching-Ming", "2:moderator:Dr. Tze-Luen Lin"]

    page = text(organizer_client.get(f"{item_url}/edit"))
    assert "Lai Ching-Ming" in page and "賴慶明" in page
    assert "Distinguished Professor, National Chung Hsing University" in page

    lin = db.session.scalar(sa.select(AgendaPerson.id).where(AgendaPerson.name_en.like("Dr.%")))
    organizer_client.post(f"{item_url}/people/{lin}/move", data={"current": 2, "position": 1})
    assert people(item) == ["1:moderator:Dr. Tze-Luen Lin", "2:speaker:Lai Ching-Ming"]
    stale = organizer_client.post(
        f"{item_url}/people/{lin}/move",
        data={"current": 2, "position": 1},
        follow_redirects=True,
    )
    assert "nothing was moved" in text(stale)
    assert people(item) == ["1:moderator:Dr. Tze-Luen Lin", "2:speaker:Lai Ching-Ming"]

    edit = text(organizer_client.get(f"{item_url}/people/{lin}/edit"))
    assert 'value="Office of Energy"' in edit
    organizer_client.post(f"{item_url}/people/{lin}/edit", data={**LIN, "name_zh": "林子倫"})
    assert db.session.get(AgendaPerson, lin).name_zh == "林子倫"

    response = organizer_client.post(f"{item_url}/people/{lin}/delete", follow_redirects=True)
    assert "Dr. Tze-Luen Lin is off the programme item." in text(response)
    assert people(item) == ["1:speaker:Lai Ching-Ming"]


def test_a_person_without_a_name_is_refused_next_to_the_name(organizer_client, forum):
    item = item_id(forum, "Session 2")
    response = organizer_client.post(
        f"{base(forum)}/{item}/people/new",
        data={"role": "speaker", "name_en": " ", "affiliation_en": "ICLEI"},
    )
    assert response.status_code == 400
    assert "name in at least one script" in field_error(text(response), "name_en")
    assert people(item) == []


# -- forged ids ------------------------------------------------------------------------------


def test_another_events_item_or_person_is_a_404_and_nothing_changes(organizer_client, forum):
    other = new_event()
    add_item(organizer_client, other, title_en="Theirs", title_zh="他們的")
    theirs = item_id(other, "Theirs")
    organizer_client.post(f"{base(other)}/{theirs}/people/new", data=LIN)
    their_person = db.session.scalar(sa.select(AgendaPerson.id))
    ours = item_id(forum, "Session 2")
    audit_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))

    forged = [
        ("get", f"{base(forum)}/{theirs}/edit", None),
        ("post", f"{base(forum)}/{theirs}/edit", item_form(title_en="Forged")),
        ("post", f"{base(forum)}/{theirs}/delete", {}),
        ("post", f"{base(forum)}/{theirs}/move", {"current": 1, "position": 1}),
        ("get", f"{base(forum)}/{theirs}/people/new", None),
        ("post", f"{base(forum)}/{theirs}/people/new", LAI),
        # Their person, under our item, or under their item in our event.
        ("post", f"{base(forum)}/{ours}/people/{their_person}/edit", LAI),
        ("post", f"{base(forum)}/{ours}/people/{their_person}/delete", {}),
        ("post", f"{base(forum)}/{theirs}/people/{their_person}/delete", {}),
        ("post", f"{base(forum)}/{ours}/people/{their_person}/move", {"current": 1, "position": 1}),
        ("get", f"{base(forum)}/999999/edit", None),
    ]
    for method, url, data in forged:
        response = getattr(organizer_client, method)(url, data=data)
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"
    assert stored(other) == [(1, "Theirs", "他們的")]
    assert people(theirs) == ["1:moderator:Dr. Tze-Luen Lin"]
    assert people(ours) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before


# -- what guests see -------------------------------------------------------------------------


def test_the_guest_page_shows_the_edited_programme_in_both_languages(organizer_client, forum):
    item = item_id(forum, "Session 2")
    organizer_client.post(f"{base(forum)}/{item}/people/new", data=LAI)
    organizer_client.post(f"{base(forum)}/{item}/people/new", data=LIN)
    move(organizer_client, forum, "Session 3", 3, 1)

    english = make_guest(forum, language=Language.EN)
    page = text(organizer_client.get(invitation_path(english) + "?lang=en"))
    programme = page[page.index('id="programme-title"') :]
    assert programme.index("Session 3") < programme.index("Session 2") < programme.index("Break")
    assert "13:30–14:50" in programme and "14:50–16:10" in programme
    assert "Lai Ching-Ming" in programme and "賴慶明" in programme
    assert "Distinguished Professor, National Chung Hsing University" in programme
    assert "Office of Energy" in programme

    chinese = make_guest(forum, language=Language.ZH_HANT)
    page = text(organizer_client.get(invitation_path(chinese) + "?lang=zh_Hant"))
    programme = page[page.index('id="programme-title"') :]
    assert programme.index("第三場") < programme.index("第二場") < programme.index("茶敘")
    assert "賴慶明" in programme and "Lai Ching-Ming" in programme
    with force_locale("zh_Hant"):
        about = gettext(
            "%(title)s, %(affiliation)s", title="特聘教授", affiliation="中興大學電機工程學系"
        )
    assert about in programme
    # Known in English only: shown in English rather than not at all.
    assert "Office of Energy" in programme
