"""Chinese text uses full-width punctuation beside Chinese characters: the zh_Hant catalogue,
the demo's event file and guest list, the pages and e-mails a Chinese-speaking guest gets, and
the console and the scanner in Chinese. A page is read as its text, element by element (a mark
and a character in two elements are not judged together).

"日期: " and "(台北時間)" are slips; "日期：" and "（台北時間）" are right. What is checked: a
half-width , : ; ( ) ? or ! with a Chinese character right beside it, or beside it across
spaces ("名牌 (PDF)"). What is not a slip, and why the check leaves it alone:

- placeholders (%(name)s, %s, {name}, {{ … }}): what fills them is checked where it is text;
  each is read as a Latin letter, so "%(count)s 位" is fine and "單(%(n)s)" is still a slip;
- web addresses (https://…), whose ? and : belong to the address;
- times and numbers (13:30, 3,000): digits stand on both sides, not Chinese characters;
- a character quoted as itself in corner brackets, as the phone hint lists 「(」「)」: the
  brackets 「」『』 do not count as Chinese characters here;
- English text with no Chinese character beside its marks ("ICLEI Africa, Cape Town").
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from registrar import demo
from registrar.demo.seed import EVENT_FILE, GUESTS_FILE
from registrar.extensions import db
from registrar.mail import render
from registrar.models import Language, MessageKind, SeatState, utcnow
from registrar.services import invitations

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "registrar/translations/zh_Hant/LC_MESSAGES/messages.po"

# Han ideographs (with extensions and compatibility forms), bopomofo, kana, the CJK
# punctuation but the corner brackets, and the full-width forms (，：（）！？ among them).
CJK = (
    "\u3001-\u300b\u3010-\u303f\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff01-\uff60\U00020000-\U0003134f"
)
HALF_WIDTH = ",:;()?!"
SLIP = re.compile(rf"[{CJK}][ \t]*[{re.escape(HALF_WIDTH)}]|[{re.escape(HALF_WIDTH)}][ \t]*[{CJK}]")
EXEMPT = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"  # %(name)s
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdif%]"  # %s, %d, %%
    r"|\{\{.*?\}\}|\{%.*?%\}|\{\w*\}"  # Jinja, str.format
    r"|https?://[!-~]+"  # a web address, ASCII to its end
)


def slips(text: str) -> list[str]:
    """The half-width marks beside Chinese characters in `text`, each with its neighbours."""
    text = EXEMPT.sub("X", text)
    return [text[max(0, m.start() - 4) : m.end() + 4] for m in SLIP.finditer(text)]


# -- the check itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["日期: 2025", "(台北時間)", "名牌 (PDF)", "確定嗎?", "好!", "甲,乙", "注意;", "單(%(n)s)"],
)
def test_the_check_finds_half_width_marks_beside_chinese(text):
    assert slips(text)


@pytest.mark.parametrize(
    "text",
    [
        "日期：2025",
        "（台北時間）",
        "%(count)s 位賓客",
        "請於 13:30 前入場，共 3,000 人",
        "網址 https://example.org/a?b=1 請點選",
        "請使用「(」與「)」",
        "講者 ICLEI Africa, Cape Town 代表",
        "{{ name }}：%(name)s",
        "English only: yes (no)?",
    ],
)
def test_the_check_leaves_alone_what_is_not_a_slip(text):
    assert slips(text) == []


# -- the texts ------------------------------------------------------------------------------


def catalogue_texts() -> Iterator[tuple[str, str]]:
    with CATALOGUE.open("rb") as file:
        catalogue = read_po(file, locale="zh_Hant")
    for message in catalogue:
        if not message.id:
            continue
        forms = (message.string,) if isinstance(message.string, str) else message.string
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        for form in forms:
            yield msgid, form or ""


def toml_texts(value, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from toml_texts(item, f"{where}.{key}" if where else key)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from toml_texts(item, f"{where}[{number}]")


def test_the_chinese_catalogue_uses_full_width_punctuation_beside_chinese():
    found = {msgid: slips(text) for msgid, text in catalogue_texts() if slips(text)}
    assert found == {}


def test_the_demo_event_file_uses_full_width_punctuation_beside_chinese():
    data = tomllib.loads(EVENT_FILE.read_text("utf-8"))
    texts = list(toml_texts(data))
    assert any(re.search(f"[{CJK}]", text) for _, text in texts)
    assert {where: slips(text) for where, text in texts if slips(text)} == {}


def test_the_demo_guest_list_uses_full_width_punctuation_beside_chinese():
    with GUESTS_FILE.open(encoding="utf-8", newline="") as file:
        rows = list(csv.reader(file))
    found = {
        f"row {number} column {column}": slips(cell)
        for number, row in enumerate(rows, start=1)
        for column, cell in enumerate(row, start=1)
        if slips(cell)
    }
    assert found == {}


# -- what a guest reads in Chinese ------------------------------------------------------------


class _Text(HTMLParser):
    """The text of a page as a reader of Chinese sees it: no tags, no scripts or styles, and
    nothing marked as English (lang="en…"), such as the English column of the mail preview,
    where "Chinese (中文)" is English typography."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        hidden = bool(self._open and self._open[-1][1])
        english = (dict(attrs).get("lang") or "").startswith("en")
        self._open.append((tag, hidden or english or tag in ("script", "style")))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not (self._open and self._open[-1][1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def test_the_demo_guests_chinese_page_and_emails_use_full_width_punctuation(app, client):
    guests = demo.seed(date.today()).guests
    db.session.commit()
    chinese = [guest for guest in guests if guest.language == Language.ZH_HANT]
    confirmed = next(g for g in chinese if g.seat and g.seat.state == SeatState.CONFIRMED)
    unanswered = next(g for g in chinese if g.rsvp is None)

    found = {}
    for guest in (confirmed, unanswered):
        page = client.get(urlsplit(invitations.invitation_url(guest)).path)
        assert page.status_code == 200 and "出席" in page.text
        found[f"page of {guest.email}"] = slips(visible_text(page.text))
    for kind in MessageKind:
        guest = unanswered if kind == MessageKind.INVITATION else confirmed
        with render.guest_language(guest):
            subject, text, html = render.texts(kind, guest, {}, utcnow())
        assert re.search(f"[{CJK}]", text), kind
        for part, words in (("subject", subject), ("text", text), ("html", visible_text(html))):
            found[f"{kind.value} {part}"] = slips(words)
    assert {where: marks for where, marks in found.items() if marks} == {}


CONSOLE_PAGES = [
    "/console/events",
    "/console/team",
    "/console/events/{id}/dashboard",
    "/console/events/{id}/guests",
    "/console/events/{id}/waitlist",
    "/console/events/{id}/requests",
    "/console/events/{id}/mail",
    "/console/events/{id}/mail/preview",
    "/console/events/{id}/exports",
    "/console/events/{id}/audit",
    "/console/events/{id}/programme",
    "/console/events/{id}/edit",
    "/console/events/{id}/team",
    "/console/events/{id}/import",
    "/console/events/{id}/door-links",
    "/door/events/{id}",
    "/console/api-reference",
]


def test_the_console_and_the_door_in_chinese_use_full_width_punctuation(organizer_client):
    event = demo.seed(date.today()).event
    db.session.commit()
    found = {}
    for page in CONSOLE_PAGES:
        path = page.format(id=event.id)
        response = organizer_client.get(path, query_string={"lang": "zh_Hant"})
        assert response.status_code == 200, path
        assert 'lang="zh-Hant-TW"' in response.text, path
        found[path] = sorted(set(slips(visible_text(response.text))))
    assert {path: marks for path, marks in found.items() if marks} == {}
