"""The seat label where the guest and the door see it: the badge, the guest's page, the console's
guest page and the door's verdict; and the badge and verdict of a guest without one."""

from __future__ import annotations

import re
import subprocess

import sqlalchemy as sa
from support.app import text
from support.auth import DOOR_EMAIL, logged_in
from support.factories import answer, invitation_path, make_event, make_guest, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import Category, Role, Scan
from registrar.services import audit, badges, seating


def seated_mayor(**fields):
    event = make_event(capacity=10, **fields)
    seating.save_plan(
        event.id, [seating.PlanRow("A", 8, reserved=(1, 2, 3, 7))], audit.SYSTEM, version=None
    )
    db.session.commit()
    mayor = make_guest(
        event, name_en="Chen Chi-Mai", name_zh="陳其邁", category=Category.VIP, precedence=1
    )
    answer(mayor)
    seating.assign_seat(event.id, mayor.id, "A7", audit.SYSTEM)
    db.session.commit()
    return event, mayor


def pdf_text(pdf: bytes, tmp_path) -> str:
    source = tmp_path / "badge.pdf"
    source.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_badge_shows_the_seat_label_in_both_languages(app, tmp_path):
    event, mayor = seated_mayor()
    other = make_guest(event, name_en="Lin Unseated")
    answer(other)
    words = pdf_text(badges.badge_pdf(mayor), tmp_path)
    assert re.search(r"Seat · 座位\s+A7", words), words
    assert "A7" not in pdf_text(badges.badge_pdf(other), tmp_path)
    # The sheet of badges too.
    sheet = pdf_text(badges.badge_sheet_pdf(badges.guests_with_badges(event)), tmp_path)
    assert re.search(r"Seat · 座位\s+A7", sheet)


def test_the_guest_s_page_shows_their_seat_in_their_language(client, app):
    event, mayor = seated_mayor()
    page = text(client.get(invitation_path(mayor), query_string={"lang": "en"}))
    assert "Your seat: A7" in page
    page = text(client.get(invitation_path(mayor), query_string={"lang": "zh_Hant"}))
    assert "您的座位：A7" in page
    # Freed: the page says nothing of a seat.
    answer(mayor, attending=False)
    assert "A7" not in text(client.get(invitation_path(mayor)))


def test_the_console_guest_page_shows_the_seat_and_links_to_the_plan(client, app):
    event, mayor = seated_mayor()
    make_staff()
    logged_in(client)
    page = text(client.get(f"/console/guests/{mayor.id}/edit"))
    assert "Reserved seat: A7" in page
    assert f"/console/events/{event.id}/seating?guest={mayor.id}#give" in page


def test_the_door_verdict_names_the_seat_and_keeps_it_for_a_retry(client, app):
    event, mayor = seated_mayor()
    unseated = make_guest(event, name_en="Lin Unseated")
    answer(unseated)
    make_staff(DOOR_EMAIL, Role.DOOR)
    logged_in(client, DOOR_EMAIL)
    code = tokens.badge_code(event.id, mayor.id, mayor.badge_version)
    url = f"/api/v1/events/{event.id}/scans"
    entry = client.post(url, json={"code": code, "nonce": "n-1"}).get_json()
    assert (entry["verdict"], entry["guest"]["seat_label"], entry["guest"]["vip"]) == (
        "ok",
        "A7",
        True,
    )
    again = client.post(url, json={"code": code, "nonce": "n-1"}).get_json()
    assert (again["replayed"], again["guest"]["seat_label"]) == (True, "A7")
    other = tokens.badge_code(event.id, unseated.id, unseated.badge_version)
    assert client.post(url, json={"code": other}).get_json()["guest"]["seat_label"] == ""
    kept = db.session.scalar(sa.select(Scan.result).where(Scan.nonce == "n-1"))
    assert kept["guest"]["seat_label"] == "A7"

    page = text(client.get(f"/door/events/{event.id}"))
    assert 'id="verdict-seat" hidden' in page and 'id="verdict-seat-label"' in page


def test_an_answer_kept_before_seat_labels_reads_back_without_one(app):
    from registrar.services.checkin.answers import ScanAnswer

    event, mayor = seated_mayor()
    record = {
        "verdict": "ok",
        "direction": "in",
        "nonce": None,
        "gate": "",
        "scanned_at": "2026-12-04T10:00:00+00:00",
        "offline": False,
        "duplicate": False,
        "override": False,
        "guest": {
            "id": mayor.id,
            "name_en": "Chen Chi-Mai",
            "name_zh": "陳其邁",
            "organization": "",
            "category": "vip",
            "channel": "en",
            "receiver": "",
            "receiver_returned": False,
            "vip": True,
        },
        "first_scan": None,
        "occupancy": {"inside": 1, "capacity": 10},
    }
    answer_kept = ScanAnswer.from_record(record)
    assert answer_kept.guest is not None and answer_kept.guest.seat_label == ""
