"""Exports: the guest list, the scan log and the waitlist as spreadsheets Excel reads right."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from support.factories import make_event, make_guest

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    Category,
    Channel,
    CheckIn,
    Direction,
    Event,
    Guest,
    Language,
    Rsvp,
    Scan,
    Seat,
    SeatState,
    Verdict,
)
from registrar.services import audit, checkin, exports, rsvp, seating


def read(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def answer(guest: Guest, attending: bool = True, channel: Channel | None = Channel.ZH, **more):
    rsvp.answer(
        guest.id,
        guest.token_version,
        rsvp.RsvpAnswer(attending=attending, channel=channel if attending else None, **more),
        actor=audit.GUEST,
    )
    db.session.commit()


def scan(event: Event, guest: Guest | None, code: str | None = None, **request):
    code = code or tokens.badge_code(event.id, guest.id, guest.badge_version)
    checkin.scan(event.id, checkin.ScanRequest(code=code, **request), actor="staff:1")
    db.session.commit()


@pytest.fixture
def forum(app):
    """Two seats, four guests: confirmed and checked in, confirmed, waitlisted, declined."""
    event = make_event(capacity=2)
    lai = make_guest(event, name_en="Lai Ching-Ming", name_zh="賴慶明", category=Category.VIP)
    anna = make_guest(
        event, name_en="Anna Schmidt", name_zh="", organization="ICLEI", language=Language.EN
    )
    chen = make_guest(event, name_en="", name_zh="陳美玲", language=Language.ZH_HANT)
    bo = make_guest(event, name_en="Bo Lindqvist", name_zh="")
    answer(lai, dietary="素食", access_needs="輪椅")
    answer(anna, channel=Channel.EN, note='=HYPERLINK("http://evil.example")')
    answer(chen, channel=Channel.FLOOR)
    answer(bo, attending=False)
    scan(event, lai, gate="正門")
    return event, lai, anna, chen, bo


def test_guests_csv_has_every_guest_with_answer_seat_and_door(forum):
    event, lai, anna, chen, bo = forum
    rows = {row["E-mail"]: row for row in read(exports.guests_csv(event))}
    assert list(rows) == [lai.email, anna.email, chen.email, bo.email]

    first = rows[lai.email]
    assert first["Name in Chinese"] == "賴慶明"
    assert first["Category"] == "VIP"
    assert first["Answer"] == "Attending"
    assert first["Seat"] == "Confirmed"
    assert first["Waitlist position"] == ""
    assert first["Channel"] == "Chinese (中文)"
    assert first["Dietary needs"] == "素食"
    assert first["Access needs"] == "輪椅"
    assert first["Gate"] == "正門"
    assert first["Inside"] == "Yes"
    assert first["Checked in at"]

    # A guest's own text never runs as a formula in Excel.
    assert rows[anna.email]["Note to the organizers"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[anna.email]["Checked in at"] == ""

    assert rows[chen.email]["Name in Chinese"] == "陳美玲"
    assert rows[chen.email]["Seat"] == "Waitlisted"
    assert rows[chen.email]["Waitlist position"] == "1"
    assert rows[chen.email]["Language"] == "中文"
    assert rows[bo.email]["Answer"] == "Not attending"
    assert rows[bo.email]["Seat"] == ""


def test_times_are_in_the_events_zone(app):
    event = make_event(timezone="Asia/Taipei")
    guest = make_guest(event)
    answer(guest)
    moment = datetime(2025, 5, 20, 5, 10, 30, tzinfo=UTC)  # 13:10:30 in Taipei
    db.session.execute(sa.update(Rsvp).values(answered_at=moment))
    db.session.execute(sa.update(Guest).values(sent_at=moment))
    scan(event, guest, scanned_at=moment)
    db.session.execute(sa.update(Scan).values(scanned_at=moment))
    db.session.commit()

    row = read(exports.guests_csv(event))[0]
    assert row["Answered at"] == "2025-05-20 13:10"
    assert row["Invitation sent"] == "2025-05-20 13:10"
    log = read(exports.checkins_csv(event))
    assert log[0]["Time (Asia/Taipei)"] == "2025-05-20 13:10:30"


def test_headers_follow_the_current_locale(forum):
    event = forum[0]
    with force_locale("zh_Hant"):
        header = next(csv.reader(io.StringIO(exports.guests_csv(event).decode("utf-8-sig"))))
    # Labels the catalogue already translates; new ones follow when it is updated.
    assert "英文姓名" in header and "中文姓名" in header and "飲食需求" in header


def test_checkins_csv_is_the_scan_log_with_refusals_and_flags(forum):
    event, lai, anna, chen, bo = forum
    scan(event, lai, gate="正門")  # again: already checked in
    scan(event, chen, gate="Side door")  # waitlisted
    scan(event, None, code="NOT-A-BADGE", gate="Side door")
    checkin.check_in_by_name(
        event.id, anna.id, checkin.ScanRequest(code="", gate="正門"), "staff:2"
    )
    scan(event, lai, gate="正門", direction=Direction.OUT)
    db.session.commit()

    log = read(exports.checkins_csv(event))
    assert [row["Verdict"] for row in log] == [
        "Checked in",
        "Already checked in",
        "On the waitlist",
        "Not a valid badge",
        "Checked in",
        "Exit recorded",
    ]
    assert [row["Name in Chinese"] for row in log][:3] == ["賴慶明", "賴慶明", "陳美玲"]
    assert log[3]["Name in English"] == "" and log[3]["Gate"] == "Side door"
    assert [row["Manual check-in"] for row in log] == ["No", "No", "No", "No", "Yes", "No"]
    assert log[4]["Name in English"] == "Anna Schmidt" and log[4]["Scanned by"] == "staff:2"
    assert [row["Direction"] for row in log][-1] == "Exit"
    assert all(row["Override"] == "No" and row["Offline"] == "No" for row in log)


def test_waitlist_csv_in_queue_order(app):
    event = make_event(capacity=1)
    first = make_guest(event, name_zh="第一位")
    waiting = [make_guest(event, name_zh=f"候補{n}") for n in range(3)]
    for guest in [first, *waiting]:
        answer(guest)
    rows = read(exports.waitlist_csv(event))
    assert [(row["Waitlist position"], row["Name in Chinese"]) for row in rows] == [
        ("1", "候補0"),
        ("2", "候補1"),
        ("3", "候補2"),
    ]
    assert rows[0]["Channel"] == "Chinese (中文)"
    assert rows[0]["On the waitlist since"]


def test_guests_xlsx_holds_the_same_table(forum):
    from openpyxl import load_workbook

    event, lai, anna, *_ = forum
    book = load_workbook(io.BytesIO(exports.guests_xlsx(event)))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header == list(read(exports.guests_csv(event))[0])
    by_email = {row[header.index("E-mail")]: row for row in rows[1:]}
    assert by_email[lai.email][header.index("Name in Chinese")] == "賴慶明"
    assert isinstance(by_email[lai.email][header.index("Checked in at")], datetime)
    note = header.index("Note to the organizers") + 1
    cell = sheet.cell(row=1 + list(by_email).index(anna.email) + 1, column=note)
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"


def seed(event: Event, count: int) -> None:
    """`count` guests in every state the exports show, written directly: only the number of
    rows matters here, not how they came to be."""
    now = datetime.now(UTC)
    for n in range(count):
        guest = Guest(
            event_id=event.id,
            email=f"seeded{n}@example.org",
            name_en=f"Seeded {n}",
            name_zh=f"來賓{n}",
            sent_at=now,
        )
        kind = n % 4
        if kind:
            guest.rsvp = Rsvp(attending=kind != 3, channel=Channel.EN if kind != 3 else None)
        if kind == 1:
            guest.seat = Seat(event_id=event.id, state=SeatState.CONFIRMED)
            guest.check_in = CheckIn(event_id=event.id, first_scan_at=now, first_gate="A")
        if kind == 2:
            event.waitlist_counter += 1
            guest.seat = Seat(
                event_id=event.id, state=SeatState.WAITLISTED, queue_number=event.waitlist_counter
            )
        db.session.add(guest)
    db.session.flush()
    guests = db.session.scalars(sa.select(Guest).where(Guest.event_id == event.id)).all()
    for guest in guests:
        db.session.add(
            Scan(
                event_id=event.id,
                guest_id=guest.id,
                gate="A",
                direction=Direction.IN,
                verdict=Verdict.OK,
                scanned_at=now - timedelta(minutes=guest.id),
                actor="staff:1",
            )
        )
    db.session.commit()


def statements(export, event: Event) -> tuple[int, bytes]:
    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    db.session.rollback()  # every count starts a transaction of its own, with nothing cached
    sa.event.listen(db.engine, "before_cursor_execute", counter)
    try:
        data = export(event)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", counter)
    return count, data


@pytest.mark.parametrize(
    "export",
    [exports.guests_csv, exports.checkins_csv, exports.waitlist_csv, exports.guests_xlsx],
    ids=["guests", "checkins", "waitlist", "guests_xlsx"],
)
def test_sql_statements_do_not_grow_with_the_guest_list(app, export):
    small, large = make_event(), make_event()
    seed(small, 10)
    seed(large, 200)
    small_count, small_data = statements(export, small)
    large_count, large_data = statements(export, large)
    # The guests, the questions, the sessions guests choose, and the places in them when any.
    assert small_count == large_count <= 5
    assert len(large_data) > len(small_data)
    if export is not exports.guests_xlsx:
        rows = read(large_data)
        assert len(rows) == {exports.waitlist_csv: 50}.get(export, 200)
        assert any("來賓" in value for value in rows[0].values())


def test_the_guest_list_names_each_guests_reserved_seat(app):
    event = make_event(capacity=3)
    seating.save_plan(
        event.id, [seating.PlanRow("A", 4, reserved=(1, 2))], audit.SYSTEM, version=None
    )
    mayor = make_guest(event, name_en="Chen Chi-Mai", category=Category.VIP)
    delegate = make_guest(event, name_en="Anna Schmidt")
    answer(mayor)
    answer(delegate)
    seating.assign_seat(event.id, mayor.id, "A2", audit.SYSTEM)
    db.session.commit()
    rows = {row["E-mail"]: row for row in read(exports.guests_csv(event))}
    assert rows[mayor.email]["Reserved seat"] == "A2"
    assert rows[delegate.email]["Reserved seat"] == ""
    # Declining frees the seat, and the list says so.
    answer(mayor, attending=False)
    rows = {row["E-mail"]: row for row in read(exports.guests_csv(event))}
    assert rows[mayor.email]["Reserved seat"] == ""
