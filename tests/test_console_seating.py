"""The console's seating plan: the rows editor, the room's grid, seats given and freed, the
button that fills reserved seats in precedence order, and the printed plan."""

from __future__ import annotations

import re
import subprocess

import pytest
import sqlalchemy as sa
from support.app import request_client, text
from support.auth import PASSWORD, logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar import create_app
from registrar.extensions import db
from registrar.models import AuditEntry, Category, Seat, SeatingRow
from registrar.services import audit, seating, seats


def follow(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return text(client.get(response.headers["Location"]))


def rows_data(version: str, *rows: tuple[str, str, str, str], remove: int | None = None) -> dict:
    data = {"version": version}
    for n, (label, number, aisles, reserved) in enumerate(rows):
        data |= {
            f"rows-{n}-label": label,
            f"rows-{n}-seats": number,
            f"rows-{n}-aisles": aisles,
            f"rows-{n}-reserved": reserved,
        }
        if remove == n:
            data[f"rows-{n}-remove"] = "y"
    return data


def version_on(page: str) -> str:
    found = re.search(
        r'name="version"[^>]*value="([0-9a-f]*)"|value="([0-9a-f]*)"[^>]*name="version"', page
    )
    assert found, page[:3000]
    return found[1] or found[2] or ""


def written(event) -> tuple:
    db.session.expire_all()
    rows = db.session.execute(
        sa.select(SeatingRow.label, SeatingRow.seats, SeatingRow.aisles_after, SeatingRow.reserved)
        .where(SeatingRow.event_id == event.id)
        .order_by(SeatingRow.position)
    ).all()
    labels = db.session.execute(sa.select(Seat.guest_id, Seat.label).order_by(Seat.id)).all()
    entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    return [tuple(r) for r in rows], [tuple(s) for s in labels], entries


@pytest.fixture
def organizer(client):
    make_staff()
    logged_in(client)
    return client


def test_the_organizer_lays_out_rows_and_sees_the_room(organizer, app):
    event = make_event(capacity=30)
    path = f"/console/events/{event.id}/seating"
    page = text(organizer.get(path))
    assert "Seating plan" in page and 'name="rows-0-label"' in page
    data = rows_data(version_on(page), ("A", "8", "4", "1-3, 6"), ("b", "10", "3, 7", ""))
    page = follow(organizer, organizer.post(f"{path}/rows", data=data))
    assert "Seating plan saved." in page
    assert written(event)[0] == [("A", 8, "4", "1 2 3 6"), ("B", 10, "3 7", "")]
    # The grid: every seat, the reserved ones marked, an aisle after A4.
    assert re.search(r'class="seat seat-reserved" id="seat-A1"', page)
    assert re.search(r'class="seat seat-aisle" id="seat-A4"', page)
    assert 'id="seat-B10"' in page and 'id="seat-B11"' not in page
    assert '<dd id="plan-reserved">4</dd>' in page
    # The editor shows the rows as they would be typed, then blank lines to add more.
    assert 'name="rows-0-reserved" type="text" value="1-3, 6"' in page
    assert 'name="rows-2-label" type="text" value=""' in page

    # A row removed with its box.
    data = rows_data(version_on(page), ("A", "8", "4", "1-3, 6"), ("B", "10", "", ""), remove=1)
    page = follow(organizer, organizer.post(f"{path}/rows", data=data))
    assert written(event)[0] == [("A", 8, "4", "1 2 3 6")]
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "seating.plan_changed")
    ).all()
    assert len(entries) == 2


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        ((("A", "8", "", ""), ("A", "6", "", "")), "rows-1-label", "there is already a row A"),
        ((("A", "eight", "", ""),), "rows-0-seats", "whole number from 1 to 120"),
        ((("A", "8", "", "1, x"),), "rows-0-reserved", "seat numbers are whole numbers"),
        ((("A", "8", "", "9"),), "rows-0-reserved", "a reserved seat is a seat from 1 to 8"),
        ((("A", "8", "8", ""),), "rows-0-aisles", "an aisle runs after a seat from 1 to 7"),
    ],
)
def test_a_bad_row_comes_back_at_its_field_with_what_was_typed(organizer, app, rows, field, words):
    event = make_event(capacity=30)
    path = f"/console/events/{event.id}/seating"
    version = version_on(text(organizer.get(path)))
    before = written(event)
    response = organizer.post(f"{path}/rows", data=rows_data(version, *rows))
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and words in page
    assert f'href="#{field}"' in page
    assert re.search(
        rf'aria-invalid="true"[^>]*id="{field}"|id="{field}"[^>]*aria-invalid="true"', page
    )
    assert f'value="{rows[-1][0]}"' in page
    assert written(event) == before


def test_the_editor_and_its_refusals_speak_chinese(organizer, app):
    event = make_event(capacity=30)
    path = f"/console/events/{event.id}/seating"
    page = text(organizer.get(f"{path}?lang=zh_Hant"))
    assert "座位表" in page and "儲存座位表" in page
    response = organizer.post(
        f"{path}/rows", data=rows_data(version_on(page), ("A", "8", "", ""), ("A", "6", "", ""))
    )
    assert response.status_code == 400
    assert "第 2 列：已有 A 列；每一列須有自己的代號。" in text(response)


def test_a_stale_or_forged_post_changes_nothing(organizer, app):
    event = make_event(capacity=30)
    path = f"/console/events/{event.id}/seating"
    old = version_on(text(organizer.get(path)))
    follow(organizer, organizer.post(f"{path}/rows", data=rows_data(old, ("A", "8", "", "1-4"))))
    before = written(event)
    page = follow(
        organizer, organizer.post(f"{path}/rows", data=rows_data(old, ("Z", "3", "", "")))
    )
    assert "was changed since this page was shown" in page
    assert written(event) == before


def test_seats_are_given_freed_and_filled_from_the_page(organizer, app):
    event = make_event(capacity=30)
    seating.save_plan(
        event.id,
        [seating.PlanRow("A", 4, reserved=(1, 2)), seating.PlanRow("B", 4, reserved=(1,))],
        audit.SYSTEM,
        version=None,
    )
    db.session.commit()
    mayor = make_guest(
        event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP, precedence=1
    )
    speaker = make_guest(event, name_en="Speaker", category=Category.SPEAKER, precedence=2)
    waiting = make_guest(event, name_en="Nobody Yet")
    answer(mayor)
    answer(speaker)
    path = f"/console/events/{event.id}/seating"
    page = text(organizer.get(f"{path}?seat=B1"))
    assert '<option value="B1" selected>B1</option>' in page
    assert f'<option value="{waiting.id}"' not in page

    page = follow(
        organizer, organizer.post(f"{path}/assign", data={"seat": "B1", "guest": mayor.id})
    )
    assert "Seat B1 given to Chen Chi-Mai." in page
    assert 'id="given-B1"' in page and "陳其邁" in page
    before = written(event)
    page = follow(
        organizer, organizer.post(f"{path}/assign", data={"seat": "B1", "guest": speaker.id})
    )
    assert "Seat B1 is given to Chen Chi-Mai already" in page
    page = follow(
        organizer, organizer.post(f"{path}/assign", data={"seat": "Q1", "guest": speaker.id})
    )
    assert "has no seat Q1" in page
    page = follow(
        organizer, organizer.post(f"{path}/assign", data={"seat": "A1", "guest": waiting.id})
    )
    assert "has no confirmed seat" in page
    assert written(event) == before

    # Freeing: the button names the guest the page showed in the seat.
    page = follow(
        organizer, organizer.post(f"{path}/free", data={"seat": "B1", "guest": speaker.id})
    )
    assert "not given to this guest any more" in page
    page = follow(organizer, organizer.post(f"{path}/free", data={"seat": "B1", "guest": mayor.id}))
    assert "Seat B1 is free again." in page

    page = follow(organizer, organizer.post(f"{path}/fill"))
    assert "2 guests given reserved seats in precedence order." in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(Seat.label).where(Seat.guest_id == mayor.id)) == "A1"
    assert db.session.scalar(sa.select(Seat.label).where(Seat.guest_id == speaker.id)) == "A2"


@pytest.mark.parametrize(
    ("paper", "landscape", "upright"),
    [
        ("A4", "841.89 x 595.28 pts (A4)", "595.28 x 841.89 pts (A4)"),
        ("A3", "1190.55 x 841.89 pts (A3)", "841.89 x 1190.55 pts (A3)"),
    ],
)
def test_the_printed_plan_names_each_seat_s_guest_in_both_scripts(
    organizer, app, tmp_path, paper, landscape, upright
):
    event = make_event(capacity=30)
    seating.save_plan(
        event.id,
        [seating.PlanRow("A", 6, aisles_after=(3,), reserved=(1, 2)), seating.PlanRow("B", 6)],
        audit.SYSTEM,
        version=None,
    )
    db.session.commit()
    mayor = make_guest(
        event,
        name_en="Chen Chi-Mai",
        name_zh="陳其邁",
        organization="Kaohsiung City Government",
        category=Category.VIP,
    )
    answer(mayor)
    seating.assign_seat(event.id, mayor.id, "A2", audit.SYSTEM)
    db.session.commit()
    response = organizer.get(f"/console/events/{event.id}/seating-plan.pdf?paper={paper}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert (
        f"seating-plan-{event.slug}-{paper.lower()}.pdf" in response.headers["Content-Disposition"]
    )
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(response.data)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "2", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    # The overview across the paper, the list upright.
    assert f"Page    1 size:  {landscape}" in info, info
    assert f"Page    2 size:  {upright}" in info
    words = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    overview, listing = words.split("\f")[:2]
    assert "Seating plan" in overview and "座位表" in overview
    assert "A2" in overview and "陳其邁" in overview and "Chen" in overview
    assert re.search(r"A\s+A2\s+Chen Chi-Mai\s+陳其邁\s+Kaohsiung City Government", listing), (
        listing
    )
    assert re.search(r"A\s+A1\s+Reserved, not given", listing)


def test_there_is_no_printed_plan_without_rows_nor_on_other_paper(organizer, app):
    event = make_event(capacity=30)
    assert organizer.get(f"/console/events/{event.id}/seating-plan.pdf").status_code == 400
    seating.save_plan(event.id, [seating.PlanRow("A", 4)], audit.SYSTEM, version=None)
    db.session.commit()
    assert (
        organizer.get(f"/console/events/{event.id}/seating-plan.pdf?paper=letter").status_code
        == 400
    )


CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def csrf_organizer(app_config, app):
    make_staff()
    db.session.commit()
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    client = request_client(csrf_app)
    token = CSRF_VALUE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": "organizer@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    yield client
    with csrf_app.app_context():
        db.engine.dispose()


def test_posts_without_the_page_s_csrf_token_change_nothing(csrf_organizer, app):
    event = make_event(capacity=30)
    seating.save_plan(
        event.id, [seating.PlanRow("A", 4, reserved=(1, 2))], audit.SYSTEM, version=None
    )
    db.session.commit()
    vip = make_guest(event, name_en="Vip", category=Category.VIP)
    answer(vip)
    path = f"/console/events/{event.id}/seating"
    page = csrf_organizer.get(path).get_data(as_text=True)
    version = version_on(page)
    posts = {
        "rows": rows_data(version, ("B", "4", "", "")),
        "assign": {"seat": "A1", "guest": vip.id},
        "free": {"seat": "A1", "guest": vip.id},
        "fill": {},
    }
    before = written(event)
    for action, data in posts.items():
        for token in (None, "forged"):
            sent = {**data, **({"csrf_token": token} if token else {})}
            response = csrf_organizer.post(f"{path}/{action}", data=sent)
            assert response.status_code == 400, action
            assert "The form has expired" in text(response)
    assert written(event) == before
    # The control: the page's own token goes through.
    token = CSRF_VALUE.search(page).group(1)
    response = csrf_organizer.post(
        f"{path}/assign", data={"seat": "A1", "guest": vip.id, "csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Seat.label).where(Seat.guest_id == vip.id)) == "A1"


def test_removing_a_row_with_a_given_seat_or_reserving_too_few_is_refused_on_the_page(
    organizer, app
):
    event = make_event(capacity=30)
    seating.save_plan(
        event.id,
        [seating.PlanRow("A", 4, reserved=(1, 2)), seating.PlanRow("B", 4, reserved=(1,))],
        audit.SYSTEM,
        version=None,
    )
    db.session.commit()
    guest = make_guest(event, name_en="Lai Ching-Ming")
    answer(guest)
    seating.assign_seat(event.id, guest.id, "B1", audit.SYSTEM)
    seats.set_category_holds(event.id, {Category.VIP: 3}, audit.SYSTEM)
    db.session.commit()
    path = f"/console/events/{event.id}/seating"
    version = version_on(text(organizer.get(path)))
    before = written(event)

    data = rows_data(version, ("A", "4", "", "1-2"), ("B", "4", "", "1"), remove=1)
    response = organizer.post(f"{path}/rows", data=data)
    assert response.status_code == 409
    page = text(response)
    assert "Row B cannot be removed: seat B1 in it is given to Lai Ching-Ming" in page
    # What was typed is still there, to change.
    assert re.search(r'<input checked[^>]*name="rows-1-remove"', page)

    data = rows_data(version, ("A", "4", "", "1"), ("B", "4", "", "1"))
    page = text(organizer.post(f"{path}/rows", data=data))
    assert "The plan reserves 2 seats, fewer than the 3 seats held" in page
    assert written(event) == before
