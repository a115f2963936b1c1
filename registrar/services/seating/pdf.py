"""The printable seating plan: an overview page drawing the room's grid, each given seat with
its label and the guest's names in both scripts, then a list by row (row, seat, names in
English and Chinese, organization). A4 or A3, in the badge font (services/badges/typeset.py),
cut to the characters printed.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...errors import InvalidAnswer
from ...models import Event, Guest
from ..badges.typeset import BadgePDF, document, draw_text, fit_size, wrap_lines
from .plan import SeatingPlan

# Landscape overview pages, in mm; the list pages are the same paper upright.
PAPER_SIZES = {"A4": (297.0, 210.0), "A3": (420.0, 297.0)}

_MARGIN = 12.0
_INK = (29, 42, 51)
_MUTED = (91, 107, 117)
_RESERVED = (255, 241, 204)
_GIVEN = (204, 232, 219)
_LINE = (120, 130, 140)
_ROW_LABEL_W = 10.0


def _both(message: str) -> str:
    """A catalogue message in English and in Traditional Chinese: the plan speaks both."""
    with force_locale("en"):
        english = str(message)
    with force_locale("zh_Hant"):
        chinese = str(message)
    return english if english == chinese else f"{english} · {chinese}"


def filename(event: Event, paper: str) -> str:
    return f"seating-plan-{event.slug}-{paper.lower()}.pdf"


def seating_pdf(event: Event, plan: SeatingPlan, paper: str) -> bytes:
    if paper not in PAPER_SIZES:
        raise InvalidAnswer(_l("Choose the paper: A4 or A3."))
    if not plan.rows:
        raise InvalidAnswer(_l("The event has no seating plan yet, so there is nothing to print."))
    width, height = PAPER_SIZES[paper]
    words = {
        "title": _both(_l("Seating plan")),
        "front": _both(_l("Front (stage)")),
        "list": _both(_l("Reserved seats by row")),
        "row": _both(_l("Row")),
        "seat": _both(_l("Seat")),
        "name_en": _both(_l("Name in English")),
        "name_zh": _both(_l("Name in Chinese")),
        "org": _both(_l("Organization")),
        "free": _both(_l("Reserved, not given")),
        "legend": _both(_l("Shaded: reserved; green: given to a guest")),
    }
    event_title = " · ".join(t for t in (event.title_en, event.title_zh) if t)
    guests = list(plan.assigned.values())
    texts = [event_title, *words.values()]
    texts += [t for g in guests for t in (g.name_en, g.name_zh, g.organization)]
    texts += [label for label in plan.reserved_labels()]
    texts += [row.label for row in plan.rows] + [str(n) for n in range(10)]
    title = f"{_('Seating plan')} · {event.title_en or event.title_zh}"
    with document(texts, title, unit="mm", format=paper, orientation="L") as pdf:
        pdf.add_page()
        _overview(pdf, plan, width, height, event_title, words)
        _list(pdf, plan, words, event_title, height, width)
        return bytes(pdf.output())


def _overview(
    pdf: BadgePDF,
    plan: SeatingPlan,
    width: float,
    height: float,
    event_title: str,
    words: dict[str, str],
) -> None:
    draw_text(pdf, words["title"], _MARGIN, _MARGIN + 4, 14, _INK, True)
    draw_text(pdf, event_title, _MARGIN, _MARGIN + 10, 9, _MUTED)
    legend_w = pdf.width(words["legend"], 7)
    draw_text(pdf, words["legend"], width - _MARGIN - legend_w, _MARGIN + 4, 7, _MUTED)

    # The front of the room, then the rows, the first row nearest it.
    top = _MARGIN + 16
    pdf.set_fill_color(235, 238, 240)
    pdf.rect(_MARGIN, top, width - 2 * _MARGIN, 7, style="F")
    draw_text(pdf, words["front"], width / 2, top + 5, 8, _INK, True, "C")
    top += 10
    grid = plan.grid()
    gaps = max(len([s for s in seats if s.aisle_after]) for _row, seats in grid)
    most = max(row.seats for row, _seats in grid)
    aisle = 4.0
    usable_w = width - 2 * _MARGIN - 2 * _ROW_LABEL_W
    box_w = min((usable_w - gaps * aisle) / most, 32.0)
    box_h = min((height - top - _MARGIN) / len(grid), 22.0)
    pad = 0.6
    for r, (row, seats) in enumerate(grid):
        y = top + r * box_h
        row_w = row.seats * box_w + len([s for s in seats if s.aisle_after]) * aisle
        x = (width - row_w) / 2
        label_size = min(10.0, box_h * 1.6)
        draw_text(
            pdf, row.label, x - _ROW_LABEL_W / 2, y + box_h * 0.6, label_size, _INK, True, "C"
        )
        for seat in seats:
            fill = _GIVEN if seat.guest is not None else _RESERVED if seat.reserved else None
            pdf.set_draw_color(*_LINE)
            pdf.set_line_width(0.2)
            if fill is not None:
                pdf.set_fill_color(*fill)
            pdf.rect(
                x + pad / 2, y + pad / 2, box_w - pad, box_h - pad, style="DF" if fill else "D"
            )
            inner = box_w - 2 * pad
            size = fit_size(pdf, seat.label, inner, min(7.0, box_h * 1.1), 3.0)
            draw_text(pdf, seat.label, x + box_w / 2, y + pad + size * 0.4, size, _INK, True, "C")
            if seat.guest is not None:
                _names_in_box(pdf, seat.guest, x + box_w / 2, y + pad + size * 0.45, inner, box_h)
            x += box_w + (aisle if seat.aisle_after else 0)
        draw_text(
            pdf, row.label, x + _ROW_LABEL_W / 2, y + box_h * 0.6, label_size, _INK, True, "C"
        )


def _names_in_box(
    pdf: BadgePDF, guest: Guest, centre: float, top: float, width: float, box_h: float
) -> None:
    names = [n for n in (guest.name_zh, guest.name_en) if n]
    size = max(min(5.5, box_h * 0.5), 2.5)
    step = size * 0.42
    y = top + step
    for name in names:
        for line in wrap_lines(pdf, name, width, size, 2):
            y += step
            draw_text(pdf, line, centre, y, size, _INK, False, "C")


def _list(
    pdf: BadgePDF,
    plan: SeatingPlan,
    words: dict[str, str],
    event_title: str,
    page_w: float,
    page_h: float,
) -> None:
    """Upright pages: every reserved seat, row by row, with its guest."""
    columns = [
        ("row", 0.08),
        ("seat", 0.10),
        ("name_en", 0.27),
        ("name_zh", 0.22),
        ("org", 0.33),
    ]
    usable = page_w - 2 * _MARGIN
    line_h = 6.0
    size = 8.5
    bottom = page_h - _MARGIN

    def header() -> float:
        pdf.add_page(orientation="P")
        draw_text(pdf, words["list"], _MARGIN, _MARGIN + 4, 12, _INK, True)
        draw_text(pdf, event_title, _MARGIN, _MARGIN + 9.5, 8, _MUTED)
        y = _MARGIN + 17
        x = _MARGIN
        for key, share in columns:
            text = wrap_lines(pdf, words[key], usable * share - 2, 7, 1)[0]
            draw_text(pdf, text, x, y, 7, _MUTED, True)
            x += usable * share
        pdf.set_draw_color(*_LINE)
        pdf.line(_MARGIN, y + 1.5, page_w - _MARGIN, y + 1.5)
        return y + line_h

    y = header()
    for row in plan.rows:
        for number in sorted(row.reserved):
            if y > bottom:
                y = header()
            label = row.seat_label(number)
            guest = plan.assigned.get(label)
            cells = [row.label, label]
            if guest is None:
                cells += [words["free"], "", ""]
            else:
                cells += [guest.name_en, guest.name_zh, guest.organization]
            x = _MARGIN
            for (key, share), text in zip(columns, cells, strict=True):
                shown = wrap_lines(pdf, text, usable * share - 2, size, 1)[0] if text else ""
                colour = _MUTED if guest is None and key != "seat" else _INK
                draw_text(pdf, shown, x, y, size, colour, key == "seat")
                x += usable * share
            y += line_h
