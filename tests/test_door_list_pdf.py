"""The paper door list read back with pdftotext: both scripts, about 40 guests to a page, in
English-name order and then in Chinese-name (Unicode) order, with the headings in both
languages; and who may download it, from the console and from the door."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.auth import DOOR_EMAIL, ORGANIZER_EMAIL, logged_in
from support.factories import answer, make_event, make_guest, make_staff

from registrar import tokens
from registrar.extensions import db
from registrar.models import Category, Channel, Event, Role
from registrar.services import audit, door, door_list_pdf, invitations

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdfinfo"),
    reason="pdftotext not found: scripts/test installs poppler-utils",
)

SURNAMES = ["王", "李", "張", "劉", "陳", "楊", "黃", "趙", "吳", "周", "徐", "孫"]
GIVEN = ["美玲", "志明", "淑芬", "建宏", "雅婷", "俊傑", "怡君", "家豪"]
FAMILY = ["Wang", "Li", "Chang", "Liu", "Chen", "Yang", "Huang", "Chao", "Wu", "Chou", "Hsu", "Sun"]
FIRST = [
    "Mei-Ling",
    "Chih-Ming",
    "Shu-Fen",
    "Chien-Hung",
    "Ya-Ting",
    "Chun-Chieh",
    "Yi-Chun",
    "Chia-Hao",
]
GUESTS = 83  # three pages of each order: 40, 40 and 3


def _text(pdf: bytes, folder: Path) -> list[str]:
    """Each page's text, as pdftotext lays it out."""
    path = folder / "door-list.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, pages + 1)
    ]


@pytest.fixture
def event(app) -> Event:
    event = make_event(capacity=200)
    people = [
        (s, g, f, x)
        for s, f in zip(SURNAMES, FAMILY, strict=True)
        for g, x in zip(GIVEN, FIRST, strict=True)
    ]
    random.Random(16).shuffle(people)
    for n, (surname, given, family, first) in enumerate(people[:GUESTS]):
        invitations.add_guest(
            event,
            actor=audit.SYSTEM,
            email=f"paper{n}@example.org",
            name_en=f"{family} {first}",
            name_zh=surname + given,
            organization="Kaohsiung City Government",
            category=Category.DELEGATE,
        )
    db.session.commit()
    return event


def _names(pages: list[str], names: set[str]) -> list[list[str]]:
    """The names of `names` on each page, in the order printed."""
    pattern = re.compile("|".join(sorted(map(re.escape, names), key=len, reverse=True)))
    return [[m.group(0) for m in pattern.finditer(page)] for page in pages]


def test_both_orders_forty_to_a_page_in_both_scripts(event, tmp_path):
    guests = {g.id: g for g in event.guests}
    english = {g.name_en for g in guests.values()}
    chinese = {g.name_zh for g in guests.values()}

    pages = _text(door_list_pdf.door_list_pdf(event), tmp_path)

    assert len(pages) == 6
    by_en, by_zh = pages[:3], pages[3:]
    en_per_page = _names(by_en, english)
    assert [len(p) for p in en_per_page] == [40, 40, 3]
    assert [n for p in en_per_page for n in p] == sorted(english, key=str.casefold)
    # Every row carries its other script too.
    assert [len(p) for p in _names(by_en, chinese)] == [40, 40, 3]
    zh_per_page = _names(by_zh, chinese)
    assert [len(p) for p in zh_per_page] == [40, 40, 3]
    assert [n for p in zh_per_page for n in p] == sorted(chinese)
    # The two orders differ: this is not one list printed twice.
    assert sorted(chinese) != [
        next(g.name_zh for g in guests.values() if g.name_en == n)
        for n in sorted(english, key=str.casefold)
    ]
    # Headings in both languages; the order said on the page.
    for page in by_en:
        assert "Door list" in page and "入場名單" in page
        assert "By English name" in page and "依英文姓名" in page
        assert "English name" in page and "中文姓名" in page
    for page in by_zh:
        assert "Unicode" in page and "not by strokes" in page and "非依筆畫" in page
    assert "page 1 of 6" in pages[0] and "page 6 of 6" in pages[5]


def test_a_row_holds_category_channel_and_seat(app, tmp_path):
    event = make_event(capacity=1)
    lai = make_guest(
        event,
        name_en="Lai Ching-Ming",
        name_zh="賴慶明",
        organization="Kaohsiung City Government",
        category=Category.VIP,
    )
    answer(lai, channel=Channel.ZH)
    wang = make_guest(event, name_en="Wang Mei-Ling", name_zh="王美玲")
    answer(wang)
    make_guest(event, name_en="Anna Berg", name_zh="")

    (page,) = _text(door_list_pdf.door_list_pdf(event, "en"), tmp_path)

    rows = {
        line.split()[0]: line
        for line in page.splitlines()
        if line.strip()[:4] in ("Lai ", "Wang", "Anna")
    }
    assert re.search(
        r"Lai Ching-Ming\s+賴慶明\s+Kaohsiung City Government\s+VIP\s+中\s+Confirmed", rows["Lai"]
    )
    assert re.search(r"Wang Mei-Ling\s+王美玲.*Delegate\s+EN\s+On the waitlist", rows["Wang"])
    assert re.search(r"Anna Berg.*No answer yet", rows["Anna"])
    (zh_page,) = _text(door_list_pdf.door_list_pdf(event, "zh"), tmp_path)
    # Unicode order: 王 (U+738B) before 賴 (U+8CF4); a guest without a Chinese name last.
    assert zh_page.index("王美玲") < zh_page.index("賴慶明") < zh_page.index("Anna Berg")


def test_in_chinese_the_words_are_chinese(app, tmp_path, client):
    event = make_event()
    guest = make_guest(event, name_en="Lai Ching-Ming", name_zh="賴慶明", category=Category.VIP)
    answer(guest, channel=Channel.ZH)
    make_staff(ORGANIZER_EMAIL, Role.ORGANIZER, events=[event])
    logged_in(client, ORGANIZER_EMAIL)

    response = client.get(
        f"/console/events/{event.id}/door-list.pdf?order=en", headers={"Accept-Language": "zh-TW"}
    )
    assert response.status_code == 200
    (page,) = _text(response.data, tmp_path)
    assert re.search(r"Lai Ching-Ming\s+賴慶明.*貴賓\s+中\s+已確認", page)
    # The headings stay in both languages.
    assert "English name" in page and "英文姓名" in page


def test_organizers_download_it_from_the_console_and_others_do_not(client, event, tmp_path):
    url = f"/console/events/{event.id}/door-list.pdf"
    other = make_event()
    make_staff(ORGANIZER_EMAIL, Role.ORGANIZER, events=[other])
    logged_in(client, ORGANIZER_EMAIL)
    assert client.get(url).status_code == 403

    make_staff("own@example.org", Role.ORGANIZER, events=[event])
    logged_in(client, "own@example.org")
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="door-list-{event.slug}.pdf"' in response.headers["Content-Disposition"]
    exports = client.get(f"/console/events/{event.id}/exports").get_data(as_text=True)
    assert f"/console/events/{event.id}/door-list.pdf" in exports


def test_door_staff_and_door_links_download_it_from_the_scanner(client, event):
    url = f"/door/events/{event.id}/door-list.pdf"
    assert client.get(url).status_code in (302, 401)

    other = make_event()
    link = door.create_link(other, "North door", 4, audit.SYSTEM)
    db.session.commit()
    client.get(f"/door/l/{tokens.door_link_token(link.id, link.event_id)}")
    assert client.get(url).status_code in (302, 401)
    assert client.get(f"/door/events/{other.id}/door-list.pdf").status_code == 200

    make_staff(DOOR_EMAIL, Role.DOOR, events=[event])
    logged_in(client, DOOR_EMAIL)
    scanner = client.get(f"/door/events/{event.id}").get_data(as_text=True)
    assert url in scanner
    response = client.get(url)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    # The door link above still opens its own event; a third is neither's.
    third = make_event()
    assert client.get(f"/door/events/{third.id}/door-list.pdf").status_code == 403
