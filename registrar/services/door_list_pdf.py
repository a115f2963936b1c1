"""The paper door list: every guest on dense A4 pages with a tick box, for when nothing works.

Forty guests to a page, sorted by the English name and then, in a second part, by the Chinese
name in Unicode order (not by strokes; the page says so). Each row: a tick box, both names,
the organization, the category, the headset channel and what the door says of the guest.
Headings are in both languages; the rest in the reader's. In the badge font, cut to the
characters printed (services/badges/typeset.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_datetime, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..labels import CATEGORY_LABELS, CHANNEL_SHORT, SEAT_STATE_LABELS, VERDICT_LABELS
from ..models import Event, SeatState, Verdict, utcnow
from .badges.typeset import BadgePDF, document, draw_text
from .checkin.door_list import (
    CONFIRMED,
    ListedGuest,
    chinese_order,
    english_order,
    listed_guests,
)

ROWS_PER_PAGE = 40
ORDERS = ("both", "en", "zh")

_PAGE_W, _PAGE_H = 210.0, 297.0
_MARGIN = 10.0
_ROW_H = 6.1
_HEAD_H = 8.0
_TABLE_TOP = 36.0
_SIZE = 8.0
_SMALL = 6.5
_BOX = 3.4
_INK = (0, 0, 0)
_MUTED = (80, 80, 80)
_SHADE = (236, 236, 236)
_LINE = (150, 150, 150)


@dataclass(frozen=True)
class _Column:
    heading: Any  # a lazy catalogue message, printed in both languages
    width: float
    cell: Callable[[ListedGuest], str]


def _state(guest: ListedGuest) -> str:
    if guest.state == CONFIRMED:
        return str(SEAT_STATE_LABELS[SeatState.CONFIRMED])
    return str(VERDICT_LABELS[Verdict(guest.state)])


def _channel(guest: ListedGuest) -> str:
    return str(CHANNEL_SHORT[guest.channel]) if guest.channel else "—"


_COLUMNS = (
    _Column(_l("In"), 7.0, lambda g: ""),
    _Column(_l("English name"), 47.0, lambda g: g.name_en),
    _Column(_l("Chinese name"), 27.0, lambda g: g.name_zh),
    _Column(_l("Organization"), 52.0, lambda g: g.organization),
    _Column(_l("Category"), 19.0, lambda g: str(CATEGORY_LABELS[g.category])),
    _Column(_l("Channel"), 14.0, _channel),
    _Column(_l("Seat"), 24.0, _state),
)

_PARTS = {
    "en": _l("By English name"),
    "zh": _l("By Chinese name, in Unicode order (not by strokes); guests without one last"),
}


def filename(event: Event) -> str:
    return f"door-list-{event.slug}.pdf"


def _both(message: Any) -> tuple[str, str]:
    with force_locale("en"):
        english = str(message)
    with force_locale("zh_Hant"):
        chinese = str(message)
    return english, chinese


def _bilingual(message: Any) -> str:
    english, chinese = _both(message)
    return english if english == chinese else f"{english} · {chinese}"


def door_list_pdf(event: Event, order: str = "both") -> bytes:
    """The door list as A4 pages: by English name, by Chinese name, or both parts."""
    if order not in ORDERS:
        order = "both"
    guests = listed_guests(event)
    keys = {"en": english_order, "zh": chinese_order}
    parts = [
        (p, sorted(guests, key=keys[p])) for p in (("en", "zh") if order == "both" else (order,))
    ]
    zone = ZoneInfo(event.timezone)
    printed = format_datetime(utcnow().astimezone(zone), "yyyy-MM-dd HH:mm")
    title = _bilingual(_l("Door list"))
    event_title = " · ".join(dict.fromkeys(t for t in (event.title_en, event.title_zh) if t))
    headings = [_both(c.heading) for c in _COLUMNS]
    part_titles = {p: _bilingual(_PARTS[p]) for p in _PARTS}
    pages = sum(max(-(-len(rows) // ROWS_PER_PAGE), 1) for _p, rows in parts)
    footers = [
        _(
            "%(guests)s · printed %(time)s · page %(page)s of %(pages)s",
            guests=ngettext("%(num)s guest", "%(num)s guests", len(guests)),
            time=printed,
            page=n + 1,
            pages=pages,
        )
        for n in range(pages)
    ]
    cells = [c.cell(g) for g in guests for c in _COLUMNS]
    texts = [title, event_title, *part_titles.values(), *footers, *cells, _("No guests yet.")]
    texts += [h for pair in headings for h in pair]

    with document(texts, f"{title} · {event_title}", unit="mm", format="A4") as pdf:
        page = 0
        for part, rows in parts:
            chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
            for chunk in chunks or [[]]:
                pdf.add_page()
                _header(pdf, title, event_title, part_titles[part], headings)
                _rows(pdf, chunk)
                if not chunk:
                    draw_text(pdf, _("No guests yet."), _MARGIN, _TABLE_TOP + 14, _SIZE, _MUTED)
                draw_text(pdf, footers[page], _PAGE_W / 2, _PAGE_H - 6, _SMALL, _MUTED, align="C")
                page += 1
        return bytes(pdf.output())


def _fit(pdf: BadgePDF, text: str, width: float, size: float) -> str:
    """The text, cut with an ellipsis where it is wider than the column."""
    if pdf.width(text, size) <= width:
        return text
    while text and pdf.width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _header(
    pdf: BadgePDF,
    title: str,
    event_title: str,
    part_title: str,
    headings: Sequence[tuple[str, str]],
) -> None:
    draw_text(pdf, title, _MARGIN, _MARGIN + 4, 12, _INK, bold=True)
    width = _PAGE_W - 2 * _MARGIN
    draw_text(pdf, _fit(pdf, event_title, width, 9), _MARGIN, _MARGIN + 9.5, 9, _INK)
    # The order, said in both languages: smaller rather than cut.
    size = 9.0
    while size > 6.5 and pdf.width(part_title, size) > width:
        size -= 0.25
    draw_text(pdf, _fit(pdf, part_title, width, size), _MARGIN, _MARGIN + 15, size, _INK)
    x = _MARGIN
    top = _TABLE_TOP - _HEAD_H
    for (english, chinese), column in zip(headings, _COLUMNS, strict=True):
        inner = column.width - 1.5
        draw_text(pdf, _fit(pdf, english, inner, _SMALL), x + 0.8, top + 3.3, _SMALL, _INK, True)
        if chinese != english:
            draw_text(pdf, _fit(pdf, chinese, inner, _SMALL), x + 0.8, top + 6.8, _SMALL, _INK)
        x += column.width
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.3)
    pdf.line(_MARGIN, _TABLE_TOP, _PAGE_W - _MARGIN, _TABLE_TOP)


def _rows(pdf: BadgePDF, rows: Sequence[ListedGuest]) -> None:
    pdf.set_line_width(0.15)
    for n, guest in enumerate(rows):
        top = _TABLE_TOP + n * _ROW_H
        if n % 2:
            pdf.set_fill_color(*_SHADE)
            pdf.rect(_MARGIN, top, _PAGE_W - 2 * _MARGIN, _ROW_H, style="F")
        # The tick box.
        pdf.set_draw_color(*_INK)
        pdf.rect(_MARGIN + 1.6, top + (_ROW_H - _BOX) / 2, _BOX, _BOX, style="D")
        x = _MARGIN + _COLUMNS[0].width
        baseline = top + _ROW_H / 2 + 1.2
        colour = _INK if guest.state == CONFIRMED else _MUTED
        for column in _COLUMNS[1:]:
            text = _fit(pdf, column.cell(guest), column.width - 1.5, _SIZE)
            draw_text(pdf, text, x + 0.8, baseline, _SIZE, colour)
            x += column.width
        pdf.set_draw_color(*_LINE)
        pdf.line(_MARGIN, top + _ROW_H, _PAGE_W - _MARGIN, top + _ROW_H)
