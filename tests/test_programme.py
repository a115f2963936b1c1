"""The programme's rules (services/programme/): items within the event's hours, one after
another, in the order of their times; people with a name; moves that check what the page
showed; every change audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from support.factories import make_event

from registrar import unit_of_work
from registrar.errors import NotFound
from registrar.extensions import db
from registrar.models import AgendaItem, AgendaKind, AgendaPerson, AuditEntry, PersonRole
from registrar.services import audit
from registrar.services import programme as service
from registrar.services.programme import ItemDetails, PersonDetails, editing

ACTOR = "staff:1"


def taipei(hhmm: str, day: int = 21) -> datetime:
    """That time on 21 March 2030 in Taipei (UTC+8, no daylight saving), as an aware UTC time."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2030, 3, day, hour - 8, minute, tzinfo=UTC)


@pytest.fixture
def event(app):
    """Doors 13:10, the event 13:30-16:45 in Taipei, no programme yet."""
    return make_event(
        doors_open_at=taipei("13:10"), starts_at=taipei("13:30"), ends_at=taipei("16:45")
    )


def run(work):
    return unit_of_work.run(work)


def add(event, starts: str, ends: str, title: str = "", kind=AgendaKind.SESSION, zh: str = ""):
    details = ItemDetails(kind, starts, ends, title_en=title or f"Item {starts}", title_zh=zh)
    return run(lambda: service.add_item(event.id, details, ACTOR))


def programme(event) -> list[tuple[int, str, str, str]]:
    """(position, start, end, English title) as stored, in position order."""
    db.session.expire_all()
    items = db.session.scalars(
        sa.select(AgendaItem).where(AgendaItem.event_id == event.id).order_by(AgendaItem.position)
    )
    return [
        (
            item.position,
            service.clock(event, item.starts_at),
            service.clock(event, item.ends_at),
            item.title_en,
        )
        for item in items
    ]


def actions(event) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.event_id == event.id, AuditEntry.action.like("programme.%"))
            .order_by(AuditEntry.id)
        )
    )


def refused(work, field: str | None, *words: str) -> service.ProgrammeError:
    with pytest.raises(service.ProgrammeError) as caught:
        run(work)
    assert caught.value.field == field
    for word in words:
        assert word in str(caught.value)
    return caught.value


# -- items -----------------------------------------------------------------------------------


def test_items_take_their_place_by_time_and_positions_run_from_one(event):
    add(event, "15:10", "16:30", "Session 3")
    add(event, "13:30", "14:50", "Session 2", zh="第二場")
    add(event, "14:50", "15:10", "Break", kind=AgendaKind.BREAK)
    assert programme(event) == [
        (1, "13:30", "14:50", "Session 2"),
        (2, "14:50", "15:10", "Break"),
        (3, "15:10", "16:30", "Session 3"),
    ]
    assert actions(event) == ["programme.item_added"] * 3
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.actor == ACTOR
    assert entry.details["starts"] == "14:50" and entry.details["kind"] == "break"
    assert audit.action_label("programme.item_added") == "Programme item added"


def test_times_are_the_events_day_in_its_time_zone(event):
    item = add(event, "13:30", "14:00")
    db.session.expire_all()
    stored = db.session.get(AgendaItem, item.id)
    assert stored.starts_at == taipei("13:30")
    assert stored.ends_at == taipei("14:00")


def test_an_item_may_fill_the_events_hours_exactly_and_touch_its_neighbour(event):
    add(event, "13:30", "15:00")
    add(event, "15:00", "16:45")
    assert [row[1:3] for row in programme(event)] == [("13:30", "15:00"), ("15:00", "16:45")]


@pytest.mark.parametrize(
    ("starts", "ends", "field", "words"),
    [
        ("13:00", "14:00", "starts", ("13:30 to 16:45", "cannot start before")),
        ("13:10", "13:40", "starts", ("cannot start before",)),  # doors are open, no item yet
        ("16:00", "17:00", "ends", ("13:30 to 16:45", "cannot end after")),
        ("14:00", "14:00", "ends", ("end after it starts",)),
        ("15:00", "14:00", "ends", ("end after it starts",)),
        ("1430", "15:00", "starts", ("HH:MM",)),
        ("14:30", "25:00", "ends", ("HH:MM",)),
        ("١٤:٣٠", "15:00", "starts", ("HH:MM",)),  # digits of another script
        ("", "15:00", "starts", ("HH:MM",)),
    ],
)
def test_times_outside_the_events_hours_or_out_of_shape_are_refused(
    event, starts, ends, field, words
):
    refused(
        lambda: service.add_item(
            event.id, ItemDetails(AgendaKind.BREAK, starts, ends, title_en="Tea"), ACTOR
        ),
        field,
        *words,
    )
    assert programme(event) == []
    assert actions(event) == []


def test_an_overlapping_item_is_refused_naming_the_other(event):
    add(event, "13:30", "14:50", "Session 2")
    error = refused(
        lambda: service.add_item(
            event.id, ItemDetails(AgendaKind.BREAK, "14:40", "15:00", title_en="Break"), ACTOR
        ),
        "starts",
        "“Session 2” (13:30–14:50)",
    )
    assert "one item at a time" in str(error)
    # Wholly inside another is an overlap too.
    refused(
        lambda: service.add_item(
            event.id, ItemDetails(AgendaKind.BREAK, "13:40", "13:50", title_en="Break"), ACTOR
        ),
        "starts",
        "Session 2",
    )
    assert len(programme(event)) == 1


@pytest.mark.parametrize(
    ("title_en", "title_zh", "field", "words"),
    [
        ("", " ", "title_en", ("title in English or in Chinese",)),
        ("Session\n2", "", "title_en", ("one line",)),
        ("Session 2", "第二場\t", "title_zh", ()),  # stripped: trailing white space is fine
        ("x" * 301, "", "title_en", ("At most 300 characters",)),
    ],
)
def test_titles_are_checked(event, title_en, title_zh, field, words):
    details = ItemDetails(
        AgendaKind.SESSION, "13:30", "14:00", title_en=title_en, title_zh=title_zh
    )
    if not words:
        item = run(lambda: service.add_item(event.id, details, ACTOR))
        assert db.session.get(AgendaItem, item.id).title_zh == "第二場"
        return
    refused(lambda: service.add_item(event.id, details, ACTOR), field, *words)
    assert programme(event) == []


def test_editing_an_item_resorts_it_and_a_repeat_changes_nothing(event):
    first = add(event, "13:30", "14:50", "Session 2")
    add(event, "15:10", "16:30", "Session 3")
    later = ItemDetails(AgendaKind.SESSION, "16:30", "16:45", title_en="Closing")
    assert run(lambda: service.update_item(event.id, first.id, later, ACTOR)) == [
        "title_en",
        "starts_at",
        "ends_at",
    ]
    assert programme(event) == [
        (1, "15:10", "16:30", "Session 3"),
        (2, "16:30", "16:45", "Closing"),
    ]
    assert run(lambda: service.update_item(event.id, first.id, later, ACTOR)) == []
    assert actions(event).count("programme.item_changed") == 1
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.item_changed")
    ).one()
    assert entry.details["before"]["starts"] == "13:30"
    assert entry.details["after"]["starts"] == "16:30"


def test_an_item_may_keep_its_own_times_but_not_take_anothers(event):
    first = add(event, "13:30", "14:50", "Session 2")
    add(event, "14:50", "15:10", "Break")
    renamed = ItemDetails(AgendaKind.SESSION, "13:30", "14:50", title_en="Session Two")
    assert run(lambda: service.update_item(event.id, first.id, renamed, ACTOR)) == ["title_en"]
    longer = ItemDetails(AgendaKind.SESSION, "13:30", "15:00", title_en="Session Two")
    refused(lambda: service.update_item(event.id, first.id, longer, ACTOR), "starts", "Break")
    assert programme(event)[0] == (1, "13:30", "14:50", "Session Two")


def test_deleting_an_item_takes_its_people_and_closes_the_positions(event):
    first = add(event, "13:30", "14:50", "Session 2")
    add(event, "15:10", "16:30", "Session 3")
    run(
        lambda: service.add_person(
            event.id, first.id, PersonDetails(PersonRole.SPEAKER, name_en="Ingrid"), ACTOR
        )
    )
    run(lambda: service.delete_item(event.id, first.id, ACTOR))
    assert programme(event) == [(1, "15:10", "16:30", "Session 3")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgendaPerson)) == 0
    assert actions(event)[-1] == "programme.item_deleted"


def test_another_events_item_is_not_found_and_nothing_changes(event):
    other = make_event(
        doors_open_at=taipei("13:10"), starts_at=taipei("13:30"), ends_at=taipei("16:45")
    )
    theirs = add(other, "13:30", "14:00", "Theirs")
    details = ItemDetails(AgendaKind.SESSION, "14:00", "14:30", title_en="Forged")
    person = PersonDetails(PersonRole.SPEAKER, name_en="Forged")
    for work in (
        lambda: service.update_item(event.id, theirs.id, details, ACTOR),
        lambda: service.delete_item(event.id, theirs.id, ACTOR),
        lambda: service.move_item(event.id, theirs.id, 1, ACTOR, from_position=1),
        lambda: service.add_person(event.id, theirs.id, person, ACTOR),
    ):
        with pytest.raises(NotFound):
            run(work)
    assert programme(other) == [(1, "13:30", "14:00", "Theirs")]
    assert actions(event) == []


# -- moving items ----------------------------------------------------------------------------


@pytest.fixture
def citycop(event):
    """13:30-14:50 Session 2, 14:50-15:10 Break, 15:10-16:30 Session 3."""
    add(event, "13:30", "14:50", "Session 2")
    add(event, "14:50", "15:10", "Break", kind=AgendaKind.BREAK)
    add(event, "15:10", "16:30", "Session 3")
    return {title: item_id for _p, _s, _e, title, item_id in _with_ids(event)}


def _with_ids(event):
    return [
        (item.position, item.starts_at, item.ends_at, item.title_en, item.id)
        for item in db.session.scalars(sa.select(AgendaItem).where(AgendaItem.event_id == event.id))
    ]


def test_moving_an_item_up_runs_it_earlier_and_the_others_keep_their_lengths(event, citycop):
    moved = run(lambda: service.move_item(event.id, citycop["Break"], 1, ACTOR, from_position=2))
    assert moved.id == citycop["Break"]
    assert programme(event) == [
        (1, "13:30", "13:50", "Break"),
        (2, "13:50", "15:10", "Session 2"),
        (3, "15:10", "16:30", "Session 3"),
    ]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.item_moved")
    ).one()
    assert (entry.details["from_position"], entry.details["to_position"]) == (2, 1)


def test_moving_an_item_down_past_two_keeps_the_stretch_and_its_pauses(event):
    add(event, "13:30", "14:00", "A")
    add(event, "14:10", "14:40", "B")  # a ten-minute pause before B
    add(event, "14:40", "15:00", "C")
    add(event, "16:00", "16:45", "D")
    a = next(item_id for *_rest, title, item_id in _with_ids(event) if title == "A")
    run(lambda: service.move_item(event.id, a, 3, ACTOR, from_position=1))
    assert programme(event) == [
        (1, "13:30", "14:00", "B"),
        (2, "14:10", "14:30", "C"),
        (3, "14:30", "15:00", "A"),
        (4, "16:00", "16:45", "D"),
    ]


def test_a_stale_move_moves_nothing(event, citycop):
    # The page showed Session 3 third; a double submit of "up" finds it second and is refused.
    run(lambda: service.move_item(event.id, citycop["Session 3"], 2, ACTOR, from_position=3))
    before = programme(event)
    with pytest.raises(service.ProgrammeChanged):
        run(lambda: service.move_item(event.id, citycop["Session 3"], 2, ACTOR, from_position=3))
    assert programme(event) == before
    assert actions(event).count("programme.item_moved") == 1


@pytest.mark.parametrize("to", [0, 4, 99])
def test_a_move_out_of_range_is_refused(event, citycop, to):
    before = programme(event)
    refused(
        lambda: service.move_item(event.id, citycop["Break"], to, ACTOR, from_position=2),
        None,
        "from 1 to 3",
    )
    assert programme(event) == before


# -- people ----------------------------------------------------------------------------------


def people(item_id: int) -> list[tuple[int, str, str, str]]:
    db.session.expire_all()
    return [
        (person.position, person.role.value, person.name_en or person.name_zh, person.title_en)
        for person in db.session.get(AgendaItem, item_id).people
    ]


def test_people_are_added_edited_moved_and_removed(event):
    item = add(event, "13:30", "14:50")

    def person(**values):
        return run(lambda: service.add_person(event.id, item.id, PersonDetails(**values), ACTOR))

    lai = person(
        role=PersonRole.SPEAKER,
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        title_en="Distinguished Professor",
        title_zh="特聘教授",
        affiliation_en="National Chung Hsing University",
        affiliation_zh="中興大學",
    )
    fang = person(role=PersonRole.SPEAKER, name_zh="方裕欽")
    lin = person(role=PersonRole.MODERATOR, name_en="Dr. Tze-Luen Lin")
    assert people(item.id) == [
        (1, "speaker", "Lai Ching-Ming", "Distinguished Professor"),
        (2, "speaker", "方裕欽", ""),
        (3, "moderator", "Dr. Tze-Luen Lin", ""),
    ]

    changed = run(
        lambda: service.update_person(
            event.id,
            item.id,
            fang.id,
            PersonDetails(PersonRole.SPEAKER, name_en="Fang Yu-Chin", name_zh="方裕欽"),
            ACTOR,
        )
    )
    assert changed == ["name_en"]

    run(lambda: service.move_person(event.id, item.id, lin.id, 1, ACTOR, from_position=3))
    assert [row[2] for row in people(item.id)] == [
        "Dr. Tze-Luen Lin",
        "Lai Ching-Ming",
        "Fang Yu-Chin",
    ]
    with pytest.raises(service.ProgrammeChanged):
        run(lambda: service.move_person(event.id, item.id, lin.id, 1, ACTOR, from_position=3))

    run(lambda: service.delete_person(event.id, item.id, lai.id, ACTOR))
    assert people(item.id) == [
        (1, "moderator", "Dr. Tze-Luen Lin", ""),
        (2, "speaker", "Fang Yu-Chin", ""),
    ]
    assert actions(event)[1:] == [
        "programme.person_added",
        "programme.person_added",
        "programme.person_added",
        "programme.person_changed",
        "programme.person_moved",
        "programme.person_deleted",
    ]
    # The names are personal data: the log names the fields changed, not what they hold.
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "programme.person_changed")
    ).one()
    assert entry.details["changed"] == ["name_en"]
    assert "Fang" not in str(entry.details)


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"name_en": " ", "name_zh": ""}, "name_en", ("name in at least one script",)),
        ({"name_en": "Ingrid\nCoetzee"}, "name_en", ("one line",)),
        ({"name_en": "Ingrid", "title_zh": "主任\r"}, None, ()),  # a pasted line end is stripped
        ({"name_en": "Ingrid", "affiliation_en": "ICLEI\tAfrica"}, "affiliation_en", ("one line",)),
        ({"name_en": "Ingrid", "title_en": "x" * 201}, "title_en", ("At most 200",)),
    ],
)
def test_a_person_is_checked(event, values, field, words):
    item = add(event, "13:30", "14:50")
    details = PersonDetails(PersonRole.SPEAKER, **values)
    if not words:
        run(lambda: service.add_person(event.id, item.id, details, ACTOR))
        assert people(item.id) == [(1, "speaker", "Ingrid", "")]
        return
    refused(lambda: service.add_person(event.id, item.id, details, ACTOR), field, *words)
    assert people(item.id) == []


def test_a_person_of_another_item_is_not_found(event):
    first = add(event, "13:30", "14:00")
    second = add(event, "14:00", "14:30")
    someone = run(
        lambda: service.add_person(
            event.id, first.id, PersonDetails(PersonRole.SPEAKER, name_en="Someone"), ACTOR
        )
    )
    with pytest.raises(NotFound):
        run(lambda: service.delete_person(event.id, second.id, someone.id, ACTOR))
    assert people(first.id) == [(1, "speaker", "Someone", "")]


def test_every_change_takes_the_event_lock(event, monkeypatch):
    taken = []
    real = editing.lock_event
    monkeypatch.setattr(
        editing, "lock_event", lambda event_id: taken.append(event_id) or real(event_id)
    )
    item = add(event, "13:30", "14:00")
    run(lambda: service.move_item(event.id, item.id, 1, ACTOR, from_position=1))
    run(lambda: service.delete_item(event.id, item.id, ACTOR))
    assert taken == [event.id] * 3
