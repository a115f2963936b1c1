"""The guests' stored search key: kept current by every way a guest is written, and searched
through its index (trigram GIN on PostgreSQL, FTS5 trigram on SQLite)."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa
from support.factories import make_event, make_guest, make_guests_in_bulk

from registrar import search_index
from registrar.extensions import db
from registrar.models import Event, Guest
from registrar.search_keys import guest_search_key
from registrar.services import audit, guest_search, imports
from registrar.services import guests as guest_list
from registrar.services.checkin import search_guests
from registrar.services.guest_search import key_contains
from registrar.services.guests.editing import GuestDetails


def key_of(guest_id: int) -> str:
    db.session.expire_all()
    return db.session.get_one(Guest, guest_id).search_key


def test_a_new_guest_has_the_key_of_the_names_organization_and_address(app):
    guest = make_guest(
        make_event(),
        name_en="Chen Mei-Ling",
        name_zh="陳美玲",
        organization="ＩＣＬＥＩ East Asia",
        email="Mei.Ling@Example.org",
    )
    db.session.commit()
    assert key_of(guest.id) == "chenmeiling 陳美玲 icleieastasia mei.ling@example.org"


def test_an_edit_keeps_the_key_current(app):
    event = make_event()
    guest = make_guest(event, name_en="Lai Ching-Ming", email="lai@example.org")
    db.session.commit()
    details = GuestDetails(email="lai@kcg.gov.tw", name_en="Lai Ching-Te", name_zh="賴清德")
    guest_list.update(guest.id, details, audit.SYSTEM)
    db.session.commit()
    assert key_of(guest.id) == "laichingte 賴清德  lai@kcg.gov.tw"
    assert [g.id for g in search_guests(event.id, "ching te")] == [guest.id]
    assert search_guests(event.id, "ching ming") == []


def test_an_import_writes_the_keys_of_new_and_changed_guests(app):
    event = make_event()
    guest = make_guest(event, name_en="Old Name", email="kept@example.org")
    db.session.commit()
    data = (
        "\ufeffname_en,name_zh,email,organization\r\n"
        "New Name,新名字,kept@example.org,Kaohsiung\r\n"
        "Ingrid Coetzee,,ingrid@iclei.org,ICLEI Africa\r\n"
    ).encode()
    imports.apply(event, data, actor=audit.SYSTEM)
    db.session.commit()
    assert key_of(guest.id) == "newname 新名字 kaohsiung kept@example.org"
    (ingrid,) = search_guests(event.id, "coetzee")
    assert key_of(ingrid.id) == "ingridcoetzee  icleiafrica ingrid@iclei.org"
    assert search_guests(event.id, "old name") == []


def test_erasing_a_guest_clears_the_key(app):
    event = make_event()
    guest = make_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲")
    db.session.commit()
    guest_list.erase(guest.id, audit.SYSTEM)
    db.session.commit()
    assert key_of(guest.id) == ""
    assert search_guests(event.id, "mei") == search_guests(event.id, "erased") == []


def test_bulk_inserts_get_the_key_too(app):
    event = make_event()
    (guest_id,) = make_guests_in_bulk(event, 1)
    guest = db.session.get_one(Guest, guest_id)
    assert key_of(guest_id) == guest_search_key(
        guest.name_en, guest.name_zh, guest.organization, guest.email
    )


@pytest.mark.parametrize("query", ["陳美", "陳美玲", "LING", "MEI LING", "ｍｅｉ－ｌｉｎｇ"])
def test_short_and_long_keys_find_the_same_guest(app, query):
    # Keys of three characters or more go through SQLite's trigram table, shorter ones not.
    event = make_event()
    guest = make_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲")
    make_guest(event, name_en="Mei Lin", name_zh="梅林")
    db.session.commit()
    assert [g.id for g in search_guests(event.id, query)] == [guest.id]
    criteria, _ = guest_list.parse_criteria({"q": query})
    assert [row.guest.id for row in guest_list.search(event, criteria).rows] == [guest.id]


def test_a_search_never_matches_across_two_fields(app):
    event = make_event()
    make_guest(event, name_en="Ann Lee", name_zh="", organization="Kaohsiung")
    db.session.commit()
    assert search_guests(event.id, "leekaohsiung") == []


# -- the plans ---------------------------------------------------------------------------------


@contextlib.contextmanager
def statements():
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT") and "FROM guests" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)


def plan(statement: str, parameters) -> str:
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(row[-1] for row in rows)
    # A few rows are read faster without an index: the planner is told to use one if it can.
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))


def searched_index(app) -> str:
    dialect = db.session.get_bind().dialect.name
    return search_index.FTS_TABLE if dialect == "sqlite" else search_index.TRIGRAM_INDEX


def many_guests() -> tuple[int, str]:
    """An event of 2,000 guests, committed and (on PostgreSQL) analyzed, as a real list would
    be; the event's id and the name of one of them."""
    event = make_event()
    ids = make_guests_in_bulk(event, 2000)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.connection().exec_driver_sql("ANALYZE guests")
        db.session.commit()
    return event.id, db.session.get_one(Guest, ids[1234]).name_en


def searched_statements(app, search) -> list[tuple[str, object]]:
    """The statements a search reads the guests with. PostgreSQL's planner reads a list this
    short by the event's index, whatever is told: there, the statement is the search's
    condition alone, as the search writes it, which on a long list the planner takes the
    trigram index for (the benchmark's lists)."""
    with statements() as seen:
        search()
    if db.session.get_bind().dialect.name == "postgresql":
        statement, parameters = seen[0]
        key = next(v for v in parameters.values() if isinstance(v, str) and "%" in v)
        with statements() as seen:
            db.session.execute(sa.select(Guest.id).where(key_contains(key.strip("%"))))
    return seen


def test_the_door_search_goes_through_the_index(app):
    event_id, name = many_guests()
    found = []
    seen = searched_statements(app, lambda: found.extend(search_guests(event_id, name)))
    assert [g.name_en for g in found] == [name]
    statement, parameters = seen[0]
    assert searched_index(app) in plan(statement, parameters)


def test_the_console_search_goes_through_the_index(app):
    event_id, name = many_guests()
    criteria, _ = guest_list.parse_criteria({"q": name.split()[-1]})
    pages = []
    event = db.session.get_one(Event, event_id)
    seen = searched_statements(app, lambda: pages.append(guest_list.search(event, criteria)))
    assert [row.guest.name_en for row in pages[0].rows] == [name]
    # The count of the matches, then the ids of the page (PostgreSQL: the condition).
    for statement, parameters in seen[:2]:
        found = plan(statement, parameters)
        assert searched_index(app) in found
        if db.session.get_bind().dialect.name == "sqlite":
            # The few candidates read by id, not the event's 2,000 guests checked against them
            # (the count's plan also counts everyone, along the event's index).
            assert "SEARCH guests USING INTEGER PRIMARY KEY" in found
            assert found.count(search_index.NAME_ORDER_INDEX) == (1 if "count" in statement else 0)


def test_the_list_pages_along_the_name_order_index(app):
    event = make_event()
    make_guests_in_bulk(event, 60)
    db.session.commit()
    criteria, _ = guest_list.parse_criteria({"page": "2"})
    with statements() as seen:
        page = guest_list.search(event, criteria)
    assert len(page.rows) == 10
    statement, parameters = seen[1]
    found = plan(statement, parameters)
    assert search_index.NAME_ORDER_INDEX in found
    assert "TEMP B-TREE FOR ORDER BY" not in found and "Sort Key" not in found


def test_a_common_word_finds_the_same_guests_in_the_same_order(app, monkeypatch):
    # Words that many guests hold are checked along the list's name order instead of through
    # SQLite's trigram table: the same guests, the same order, the same pages.
    event = make_event()
    make_guests_in_bulk(event, 120)
    make_guest(event, name_en="", name_zh="大量來賓", organization="Bulk Guest Co")
    make_guest(event, name_en="Ann Bulk-Guest", name_zh="")
    db.session.commit()

    def pages(query: str) -> list[tuple[int, list[int]]]:
        found = []
        for number in (1, 2, 3):
            criteria, _ = guest_list.parse_criteria({"q": query, "page": str(number)})
            page = guest_list.search(event, criteria)
            found.append((page.total, [row.guest.id for row in page.rows]))
        return found

    queries = ["bulk guest", "guest 1", "bulkguest", "guest co"]
    through_the_table = {query: pages(query) for query in queries}
    assert not guest_search.common_keys(["guest"])
    monkeypatch.setattr(guest_search, "COMMON", 10)
    if db.session.get_bind().dialect.name == "sqlite":
        assert guest_search.common_keys(["guest"])
        assert not guest_search.common_keys(["guest", "bulkguest1"])
    assert {query: pages(query) for query in queries} == through_the_table
    assert through_the_table["bulk guest"][0][0] == 122
    assert through_the_table["guest co"][0][0] == 1
    # More matches than are counted: read along the name order on both databases.
    monkeypatch.setattr(guest_list.listing, "COUNT_LIMIT", 10)
    walked = {query: [ids for _total, ids in pages(query)] for query in queries}
    assert walked == {
        query: [ids for _total, ids in found] for query, found in through_the_table.items()
    }


def test_many_matches_page_along_the_name_order_index(app, monkeypatch):
    event_id, _name = many_guests()
    monkeypatch.setattr(guest_list.listing, "COUNT_LIMIT", 100)
    event = db.session.get_one(Event, event_id)
    criteria, _ = guest_list.parse_criteria({"q": "guest", "page": "2"})
    with statements() as seen:
        page = guest_list.search(event, criteria)
    assert (page.total, page.more, len(page.rows)) == (150, True, 50)
    statement, parameters = next((s, p) for s, p in seen if "ORDER BY" in s)
    found = plan(statement, parameters)
    assert search_index.NAME_ORDER_INDEX in found
    assert "TEMP B-TREE FOR ORDER BY" not in found and "Sort Key" not in found


def test_a_common_word_pages_along_the_name_order_index(app, monkeypatch):
    if db.session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by its own statistics")
    event = make_event()
    make_guests_in_bulk(event, 60)
    db.session.commit()
    monkeypatch.setattr(guest_search, "COMMON", 10)
    criteria, _ = guest_list.parse_criteria({"q": "guest"})
    with statements() as seen:
        page = guest_list.search(event, criteria)
    assert len(page.rows) == 50 and page.total == 60
    found = plan(*seen[1])
    assert search_index.NAME_ORDER_INDEX in found and search_index.FTS_TABLE not in found
    assert "TEMP B-TREE FOR ORDER BY" not in found
