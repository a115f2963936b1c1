"""The protocol desk: precedence orders the VIP lists (ranked first, unranked after, by name) and
comes in through the import, the console and the API, a rank out of range refused with nothing
written; the arrival desk's feed shows a scanned guest arrived with gate and time and answers an
unchanged poll with 304; the MC's list holds the VIPs inside now, in precedence order; the place
cards read back in both scripts; and who may open the desk."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from support.auth import logged_in
from support.factories import answer, make_event, make_guest, make_staff
from test_imports import csv_file

from registrar import tokens
from registrar.extensions import db
from registrar.models import (
    AgendaItem,
    AgendaKind,
    AgendaPerson,
    Category,
    CheckIn,
    Guest,
    Language,
    PersonRole,
    Role,
)
from registrar.services import audit, imports, protocol
from registrar.services.imports import Outcome, Problem

HEADER = ["name_en", "name_zh", "email", "category", "precedence"]


def _names(rows) -> list[str]:
    return [row.name_en for row in rows]


def _scan(client, guest: Guest, gate: str = "", direction: str = "in"):
    code = tokens.badge_code(guest.event_id, guest.id, guest.badge_version)
    body = {"code": code, "gate": gate, "direction": direction}
    answered = client.post(f"/api/v1/events/{guest.event_id}/scans", json=body)
    assert answered.status_code == 200, answered.get_json()
    return answered.get_json()


def test_the_import_sets_precedence_and_the_desk_puts_ranked_first_then_unranked_by_name(app):
    event = make_event(capacity=20)
    rows = [
        ["Wu Zed", "吳澤", "wu@example.org", "vip", "2"],
        ["Lee Ann", "李安", "lee@example.org", "vip", ""],
        ["Chen Bo", "陳博", "chen@example.org", "speaker", "1"],
        ["Abe Ann", "", "abe@example.org", "moderator", ""],
        ["Ho Press", "何記者", "ho@example.org", "press", "3"],
    ]
    result = imports.apply(event, csv_file(rows, HEADER), audit.SYSTEM)
    db.session.commit()
    assert result.added == 5

    desk = protocol.arrival_desk(event)
    # The press are not the desk's; rank 1, 2, then the unranked by English name.
    assert _names(desk) == ["Chen Bo", "Wu Zed", "Abe Ann", "Lee Ann"]
    assert [row.precedence for row in desk] == [1, 2, None, None]

    # A later file ranks Lee Ann first; an empty cell keeps Wu Zed's rank.
    again = [["Lee Ann", "", "lee@example.org", "", "1"], ["Wu Zed", "", "wu@example.org", "", ""]]
    preview = imports.preview(event, csv_file(again, HEADER))
    assert [r.outcome for r in preview.rows] == [Outcome.UPDATE, Outcome.UNCHANGED]
    imports.apply(event, csv_file(again, HEADER), audit.SYSTEM)
    db.session.commit()
    assert _names(protocol.arrival_desk(event)) == ["Chen Bo", "Lee Ann", "Wu Zed", "Abe Ann"]


@pytest.mark.parametrize("rank", ["0", "10000", "-1", "1.5", "first", "٣"])
def test_an_imported_rank_out_of_range_is_refused_and_nothing_written(app, rank):
    event = make_event()
    data = csv_file([["Wu Zed", "", "wu@example.org", "vip", rank]], HEADER)
    (row,) = imports.preview(event, data).rows
    assert {issue.problem for issue in row.issues} == {Problem.BAD_PRECEDENCE}
    assert "1 to 9999" in str(row.issues[0])
    with pytest.raises(imports.ImportRejected):
        imports.apply(event, data, audit.SYSTEM)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Guest)) == 0


def test_the_console_and_the_api_set_a_rank_and_refuse_one_out_of_range(app, organizer_client):
    event = make_event()
    guest = make_guest(event, category=Category.VIP)
    edit = f"/console/guests/{guest.id}/edit"
    form = {"name_en": guest.name_en, "email": guest.email, "category": "vip", "language": "en"}

    refused = organizer_client.post(edit, data={**form, "precedence": "10000"})
    assert refused.status_code == 400
    assert "from 1 (first) to 9999" in refused.get_data(as_text=True)
    assert organizer_client.post(edit, data={**form, "precedence": " 7 "}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).precedence == 7

    path = f"/api/v1/events/{event.id}/guests/{guest.id}"
    for wrong in (0, 10000, True, "3", 2.5):
        assert organizer_client.patch(path, json={"precedence": wrong}).status_code == 400
    assert organizer_client.patch(path, json={"name_en": "Same Rank"}).get_json()["precedence"] == 7
    assert organizer_client.patch(path, json={"precedence": None}).get_json()["precedence"] is None
    bulk = organizer_client.post(
        f"/api/v1/events/{event.id}/guests/bulk",
        json={"guests": [{"email": guest.email, "precedence": 10000}]},
    )
    assert bulk.status_code == 400


def test_the_desk_feed_shows_a_scanned_vip_arrived_with_gate_and_time(app, organizer_client):
    event = make_event(capacity=10, timezone="Asia/Taipei")
    vip = make_guest(event, name_en="Chen Mei-Ling", name_zh="陳美玲", category=Category.VIP)
    speaker = make_guest(event, name_en="Amelia Clarke", name_zh="", category=Category.SPEAKER)
    declined = make_guest(event, category=Category.MODERATOR)
    make_guest(event, category=Category.DELEGATE)
    answer(vip)
    answer(speaker)
    answer(declined, attending=False)
    feed = f"/protocol/events/{event.id}/arrivals.json"

    before = organizer_client.get(feed)
    assert before.status_code == 200
    assert [(r["name"], r["state"]) for r in before.get_json()["rows"]] == [
        ("Amelia Clarke", "expected"),
        ("Chen Mei-Ling", "expected"),
    ]
    tag = before.headers["ETag"]
    # Nothing changed: the poll costs a 304 with no body.
    idle = organizer_client.get(feed, headers={"If-None-Match": tag})
    assert idle.status_code == 304 and idle.data == b""

    _scan(organizer_client, vip, gate="North door")
    after = organizer_client.get(feed, headers={"If-None-Match": tag})
    assert after.status_code == 200 and after.headers["ETag"] != tag
    row = next(r for r in after.get_json()["rows"] if r["id"] == vip.id)
    assert row["state"] == "arrived" and row["gate"] == "North door" and row["vip"]
    presence = db.session.scalar(sa.select(CheckIn).where(CheckIn.guest_id == vip.id))
    local = presence.first_scan_at.astimezone(ZoneInfo("Asia/Taipei"))
    assert row["time"] == local.strftime("%H:%M")
    assert row["state_text"] == f"Arrived at {row['time']} through gate North door"
    assert after.get_json()["summary"] == "1 of 2 arrived"
    # The page shows the same row, in the reader's language.
    page = organizer_client.get(f"/protocol/events/{event.id}/arrivals?lang=zh_Hant")
    assert page.status_code == 200
    assert "陳美玲" in page.get_data(as_text=True)


def test_the_mc_list_holds_the_vips_inside_now_in_precedence_order(app, organizer_client):
    event = make_event(capacity=10)
    third = make_guest(event, name_en="Zhang Third", name_zh="張三", category=Category.VIP)
    first = make_guest(event, name_en="Wang First", name_zh="王一", category=Category.VIP)
    first.precedence, third.precedence = 1, 3
    unranked = make_guest(event, name_en="Abe Unranked", name_zh="", category=Category.VIP)
    gone = make_guest(event, name_en="Lin Gone", name_zh="林走", category=Category.VIP)
    gone.precedence = 2
    not_in = make_guest(event, name_en="Hsu Away", name_zh="許", category=Category.VIP)
    speaker = make_guest(event, name_en="Kao Speaker", name_zh="高", category=Category.SPEAKER)
    db.session.commit()
    for guest in (third, first, unranked, gone, not_in, speaker):
        answer(guest)
    for guest in (third, unranked, gone, first, speaker):
        _scan(organizer_client, guest, gate="A")
    _scan(organizer_client, gone, gate="A", direction="out")

    assert _names(protocol.acknowledgement_list(event)) == [
        "Wang First",
        "Zhang Third",
        "Abe Unranked",
    ]
    feed = organizer_client.get(f"/protocol/events/{event.id}/mc.json?script=zh").get_json()
    assert [(r["name"], r["other"], r["rank"]) for r in feed["rows"]] == [
        ("王一", "Wang First", 1),
        ("張三", "Zhang Third", 3),
        ("Abe Unranked", "", None),
    ]
    printable = organizer_client.get(f"/protocol/events/{event.id}/mc?script=en")
    text = printable.get_data(as_text=True)
    assert text.index("Wang First") < text.index("Zhang Third") < text.index("Abe Unranked")
    assert "Lin Gone" not in text


def test_a_door_lead_opens_the_desk_and_door_staff_may_not(app, client):
    event = make_event()
    make_staff("lead@example.org", Role.DOOR_LEAD, events=[event])
    make_staff("door@example.org", Role.DOOR, events=[event])
    logged_in(client, "lead@example.org")
    assert client.get(f"/protocol/events/{event.id}/arrivals").status_code == 200
    assert client.get(f"/protocol/events/{event.id + 1}/mc").status_code == 404
    client.post("/logout")
    logged_in(client, "door@example.org")
    assert client.get(f"/protocol/events/{event.id}/arrivals.json").status_code == 403


needs_pdftotext = pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="pdftotext not found: scripts/test installs it"
)


@needs_pdftotext
def test_place_cards_read_back_in_both_scripts_and_a_bad_choice_makes_none(
    app, organizer_client, tmp_path: Path
):
    event = make_event()
    make_guest(
        event,
        name_en="Chen Mei-Ling",
        name_zh="陳美玲",
        title="Deputy Mayor",
        organization="Kaohsiung City Government",
        category=Category.SPEAKER,
        language=Language.ZH_HANT,
    )
    chosen = make_guest(event, name_en="Tom Becker", name_zh="貝克湯姆", category=Category.DELEGATE)
    declined = make_guest(event, name_en="Said No", name_zh="說不", category=Category.SPEAKER)
    make_guest(event, name_en="Not Chosen", name_zh="沒選", category=Category.DELEGATE)
    answer(declined, attending=False)
    item = AgendaItem(
        event_id=event.id,
        position=1,
        kind=AgendaKind.SESSION,
        title_en="Panel",
        title_zh="座談",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    item.people = [
        AgendaPerson(position=1, role=PersonRole.MODERATOR, name_en="Lai Ching", name_zh="賴清"),
        # The speaker above, named on the programme too: one card, not two.
        AgendaPerson(
            position=2, role=PersonRole.SPEAKER, name_en="Chen Mei-Ling", name_zh="陳美玲"
        ),
    ]
    db.session.add(item)
    db.session.commit()
    url = f"/console/events/{event.id}/place-cards.pdf"

    made = organizer_client.post(
        url, data={"categories": ["speaker"], "guest_ids": [str(chosen.id)], "programme": "y"}
    )
    assert made.status_code == 200 and made.mimetype == "application/pdf"
    path = tmp_path / "cards.pdf"
    path.write_bytes(made.data)
    pages = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) == 3
    # Each face of a tent: both scripts of the name, the title and organization below.
    assert pages[0].count("陳美玲") == 2 and pages[0].count("Chen Mei-Ling") == 2
    assert pages[0].count("Deputy Mayor") == 2 and "Kaohsiung City Government" in pages[0]
    assert "貝克湯姆" in pages[1] and "Tom Becker" in pages[1]
    assert "賴清" in pages[2] and "Lai Ching" in pages[2]
    text = "".join(pages)
    assert "說不" not in text and "沒選" not in text

    # A guest of no list here (another event's, or none): a message, no PDF.
    other = make_guest(make_event(), category=Category.SPEAKER)
    for ids, said in (
        ([str(other.id)], "are not on this event"),
        (["999999"], "are not on this event"),
        (["x"], "That guest is not on the list"),
    ):
        refused = organizer_client.post(url, data={"categories": ["speaker"], "guest_ids": ids})
        assert refused.status_code == 400 and refused.mimetype == "text/html"
        assert said in refused.get_data(as_text=True)
    nothing = organizer_client.post(url, data={"categories": ["vip"]})
    assert nothing.status_code == 400
    assert "Nobody matches this choice" in nothing.get_data(as_text=True)


def test_a_forged_post_changes_no_rank(app, organizer_client):
    event = make_event()
    guest = make_guest(event, category=Category.VIP)
    app.config["WTF_CSRF_ENABLED"] = True
    forged = organizer_client.post(
        f"/console/guests/{guest.id}/edit",
        data={"name_en": "X", "email": guest.email, "category": "vip", "precedence": "1"},
    )
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.get(Guest, guest.id).precedence is None
    cards = organizer_client.post(
        f"/console/events/{event.id}/place-cards.pdf", data={"categories": ["vip"]}
    )
    assert cards.status_code == 400 and cards.mimetype == "text/html"


def test_a_guest_whose_data_was_erased_is_on_no_protocol_list(app):
    from registrar import unit_of_work
    from registrar.services.guests import erasure

    event = make_event(capacity=5)
    kept = make_guest(event, name_en="Kept Vip", category=Category.VIP)
    gone = make_guest(event, name_en="Gone Vip", category=Category.VIP)
    db.session.commit()
    unit_of_work.run(lambda: erasure.erase(gone.id, audit.SYSTEM))
    assert [row.id for row in protocol.arrival_desk(event)] == [kept.id]
    assert db.session.get(Guest, gone.id).is_erased and not db.session.get(Guest, kept.id).is_erased
