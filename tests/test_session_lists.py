"""Sessions guests choose in the organizers' views: the dashboard's seats per session, the guest
list's session filter, a column per session in the exports, and the API's guest sessions."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from flask_babel import force_locale
from support.auth import api_bearer, logged_in
from support.factories import make_event, make_guest, make_guests, make_staff
from support.sessions import SESSION_2, SESSION_3, choose, make_sessions_event
from test_dashboard import counting_statements
from test_exports import read

from registrar.extensions import db
from registrar.models import ApiRole, Role, SeatState
from registrar.services import dashboard, exports
from registrar.services import guests as guest_list


@pytest.fixture
def organizer(client):
    make_staff()
    return logged_in(client)


def crowd(capacity: int = 2):
    """Session 2 full with a queue of one, Session 3 with a free seat: a and b chose both, c
    chose Session 2 only, d Session 3 only (capacity 2)."""
    event, s2, s3 = make_sessions_event(capacity=capacity)
    a, b, c, d = (make_guest(event, name_en=name) for name in ("Ann", "Bo", "Cy", "Di"))
    choose(a, s2, s3)
    choose(b, s2)
    choose(c, s2)
    choose(d, s3)
    return event, s2, s3, (a, b, c, d)


def ids(page: guest_list.GuestPage) -> set[int]:
    return {row.guest.id for row in page.rows}


def test_the_dashboard_shows_each_sessions_confirmed_free_and_waitlisted_linking_to_the_list(
    organizer,
):
    event, s2, s3, _guests = crowd()
    board = dashboard.summary(event)
    got = [
        (r.session.id, r.seats.confirmed, r.seats.free, r.seats.waitlisted)
        for r in board.session_seats
    ]
    assert got == [(s2.id, 2, 0, 1), (s3.id, 2, 0, 0)]
    page = organizer.get(f"/console/events/{event.id}/dashboard").get_data(as_text=True)
    assert "Seats per session" in page and SESSION_2[0] in page and "13:30–14:50" in page
    row = re.search(rf'<tr data-session="{s2.id}">(.*?)</tr>', page, re.S).group(1)
    assert "/ 2" in row
    waitlisted = re.findall(r'href="([^"]+)"', row)[-1]
    listed = organizer.get(unescape(waitlisted)).get_data(as_text=True)
    assert "1 of 4 guests match" in listed


def test_an_event_without_sessions_guests_choose_has_no_seats_per_session_block(organizer):
    event = make_event(capacity=5)
    assert dashboard.summary(event).session_seats == []
    page = organizer.get(f"/console/events/{event.id}/dashboard").get_data(as_text=True)
    assert "Seats per session" not in page


def test_the_dashboard_with_sessions_asks_the_database_as_often_for_4_guests_as_for_40(
    organizer,
):
    event, s2, s3, _guests = crowd()

    def statements() -> int:
        with counting_statements() as sent:
            assert organizer.get(f"/console/events/{event.id}/dashboard").status_code == 200
        return len(sent)

    few = statements()
    for guest in make_guests(event, 36):
        choose(guest, s2, s3)
    assert statements() == few


def test_the_guest_list_filters_by_session_confirmed_waitlisted_or_either(app):
    event, s2, s3, (a, b, c, d) = crowd()

    def found(value: str) -> set[int]:
        criteria, ignored = guest_list.of_event(
            event, *guest_list.parse_criteria({"session": value})
        )
        assert ignored == []
        return ids(guest_list.search(event, criteria))

    assert found(f"{s2.id}") == {a.id, b.id, c.id}
    assert found(f"{s2.id}:confirmed") == {a.id, b.id}
    assert found(f"{s2.id}:waitlisted") == {c.id}
    assert found(f"{s3.id}:confirmed") == {a.id, d.id}
    assert found(f"{s3.id}:waitlisted") == set()


def test_a_session_of_another_event_or_a_bad_value_is_named_as_ignored_never_a_traceback(
    organizer,
):
    event, s2, _s3, _guests = crowd()
    other, o2, _o3 = make_sessions_event(capacity=5)
    break_item = s2.id + 1  # the break between the sessions: not one guests choose
    for value in (f"{o2.id}:confirmed", str(break_item), "x", f"{s2.id}:seated", "99999999999"):
        response = organizer.get(
            f"/console/events/{event.id}/guests", query_string={"session": value}
        )
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert "session=" in page and "4 guests" in page, value


def test_the_guest_list_page_offers_the_session_filter_only_when_guests_choose_sessions(
    organizer,
):
    event, s2, _s3, _guests = crowd()
    page = organizer.get(f"/console/events/{event.id}/guests").get_data(as_text=True)
    assert f'value="{s2.id}:waitlisted"' in page
    plain = make_event(capacity=5)
    assert 'id="session"' not in organizer.get(f"/console/events/{plain.id}/guests").get_data(
        as_text=True
    )


def test_the_guest_export_has_a_column_per_session_with_the_guests_place_in_it(app):
    event, s2, s3, (a, b, c, d) = crowd()
    rows = {row["ID"]: row for row in read(exports.guests_csv(event))}
    assert [rows[str(g.id)][SESSION_2[0]] for g in (a, b, c, d)] == [
        "confirmed",
        "confirmed",
        "waitlisted 1",
        "",
    ]
    assert [rows[str(g.id)][SESSION_3[0]] for g in (a, b, c, d)] == [
        "confirmed",
        "",
        "",
        "confirmed",
    ]
    with force_locale("zh_Hant"):
        header = exports.guests_table(event).header
    assert SESSION_2[1] in header and SESSION_3[1] in header


def test_the_guest_export_xlsx_has_the_session_columns_too(app):
    from io import BytesIO

    from openpyxl import load_workbook

    event, s2, _s3, (_a, _b, c, _d) = crowd()
    sheet = load_workbook(BytesIO(exports.guests_xlsx(event))).active
    rows = list(sheet.iter_rows(values_only=True))
    column = list(rows[0]).index(SESSION_2[0])
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[c.id][column] == "waitlisted 1"


def test_the_guest_export_reads_the_session_places_in_one_statement_whatever_the_guests(app):
    event, s2, s3, _guests = crowd()

    def statements() -> int:
        with counting_statements() as sent:
            exports.guests_csv(event)
        return len(sent)

    few = statements()
    for guest in make_guests(event, 20):
        choose(guest, s3)
    assert statements() == few


@pytest.fixture
def api_writer(app):
    def header(event):
        account = make_staff("org@example.org", Role.ORGANIZER, events=[event])
        return api_bearer(account, event.id, ApiRole.ORGANIZER, "crm sync")

    return header


def test_the_api_reads_a_guests_sessions_with_their_place_in_each(client, api_writer):
    event, s2, s3, (a, _b, c, _d) = crowd()
    headers = api_writer(event)
    read_c = client.get(f"/api/v1/events/{event.id}/guests/{c.id}", headers=headers).get_json()
    assert [(s["session_id"], s["state"], s["position"]) for s in read_c["sessions"]] == [
        (s2.id, "waitlisted", 1)
    ]
    assert read_c["sessions"][0]["title_zh"] == SESSION_2[1]
    listed = client.get(
        f"/api/v1/events/{event.id}/guests",
        query_string={"session": f"{s3.id}:confirmed"},
        headers=headers,
    ).get_json()
    by_id = {item["id"]: item for item in listed["items"]}
    assert set(by_id) == {a.id, _d.id}
    assert [s["session_id"] for s in by_id[a.id]["sessions"]] == [s2.id, s3.id]
    other, o2, _o3 = make_sessions_event()
    refused = client.get(
        f"/api/v1/events/{event.id}/guests", query_string={"session": str(o2.id)}, headers=headers
    )
    assert refused.status_code == 400 and "session" in refused.get_json()["error"]["message"]


def test_the_apis_answer_for_a_guest_chooses_their_sessions_and_refuses_bad_choices(
    client, api_writer
):
    event, s2, s3, (a, _b, c, _d) = crowd(capacity=3)
    headers = api_writer(event)
    path = f"/api/v1/events/{event.id}/guests/{c.id}/answer"
    yes = {"attending": True, "channel": "en"}
    moved = client.put(path, json={**yes, "sessions": [s3.id]}, headers=headers)
    assert moved.status_code == 200, moved.get_json()
    read_c = client.get(f"/api/v1/events/{event.id}/guests/{c.id}", headers=headers).get_json()
    assert [(s["session_id"], s["state"]) for s in read_c["sessions"]] == [(s3.id, "confirmed")]
    for refused_sessions, words in (([], "at least one session"), ([s2.id + 1], "not offered")):
        refused = client.put(path, json={**yes, "sessions": refused_sessions}, headers=headers)
        assert refused.status_code == 400, refused.get_json()
        assert words in refused.get_json()["error"]["message"]
    db.session.expire_all()
    still = client.get(f"/api/v1/events/{event.id}/guests/{c.id}", headers=headers).get_json()
    assert [(s["session_id"], s["state"]) for s in still["sessions"]] == [(s3.id, "confirmed")]
    assert SeatState.CONFIRMED.value == still["state"]


def test_the_api_refuses_sessions_for_an_event_whose_guests_choose_none(client, api_writer):
    event = make_event(capacity=5)
    guest = make_guest(event)
    headers = api_writer(event)
    refused = client.put(
        f"/api/v1/events/{event.id}/guests/{guest.id}/answer",
        json={"attending": True, "channel": "en", "sessions": [1]},
        headers=headers,
    )
    assert refused.status_code == 400
    assert "not offered" in refused.get_json()["error"]["message"]


# -- the import's sessions column ---------------------------------------------------------------

SESSION_HEADER = ["name_en", "email", "sessions"]


def import_file(*rows: list[str]) -> bytes:
    from test_imports import csv_file

    return csv_file(list(rows), header=SESSION_HEADER)


def test_the_import_template_has_a_sessions_column_where_guests_choose_sessions(app):
    from registrar.services import imports

    event, _s2, _s3 = make_sessions_event()
    text = imports.template_csv(event).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "sessions"
    assert rows[1][-1] == "1; 2"
    preview = imports.preview(event, imports.template_csv(event))
    assert preview.ok and preview.counts[imports.Outcome.NEW] == 2
    assert "sessions" not in imports.template_csv(make_event()).decode("utf-8-sig")


def test_the_import_moves_a_guest_who_said_yes_to_the_sessions_named_by_number_or_title(app):
    from registrar.services import imports

    event, s2, s3, (a, b, c, d) = crowd(capacity=3)
    data = import_file(
        ["Bo", b.email, f"{SESSION_3[1]}"],
        ["Cy", c.email, "1；2"],
        ["Di", d.email, SESSION_3[0].upper()],
        ["New", "new@example.org", "2"],
    )
    preview = imports.preview(event, data)
    assert preview.ok
    by_row = {row.row: row for row in preview.rows}
    assert [ch.field for ch in by_row[2].changes] == ["sessions"]
    assert by_row[4].outcome == imports.Outcome.UNCHANGED  # Di is in Session 3 already
    assert by_row[5].outcome == imports.Outcome.NEW and "RSVP form" in str(by_row[5].notes[0])
    result = imports.apply(event, data, actor="staff:1")
    db.session.commit()
    assert (result.added, result.updated) == (1, 2)
    from registrar.services.seats import sessions

    assert set(sessions.chosen_ids(b.id)) == {s3.id}
    assert set(sessions.chosen_ids(c.id)) == {s2.id, s3.id}
    new = db.session.get(type(b), result.added_ids[0])
    assert sessions.chosen_ids(new.id) == []


def test_a_session_the_event_does_not_offer_is_named_at_its_row_and_column_and_nothing_imported(
    app,
):
    from registrar.services import imports

    event, s2, s3, (a, b, c, d) = crowd(capacity=3)
    data = import_file(
        ["Bo", b.email, "2"], ["Cy", c.email, "1; Break"], ["N", "n@example.org", "3"]
    )
    preview = imports.preview(event, data)
    assert not preview.ok
    errors = {row.row: str(row.issues[0]) for row in preview.error_rows}
    assert set(errors) == {3, 4}
    assert "sessions (C)" in errors[3] and "“Break”" in errors[3]
    assert "“3”" in errors[4]
    with pytest.raises(imports.ImportRejected):
        imports.apply(event, data, actor="staff:1")
    db.session.rollback()
    from registrar.services.seats import sessions

    assert set(sessions.chosen_ids(b.id)) == {s2.id}
    plain = make_event(capacity=5)
    refused = imports.preview(plain, import_file(["N", "n@example.org", "1"]))
    assert "choose no sessions" in str(refused.error_rows[0].issues[0])
