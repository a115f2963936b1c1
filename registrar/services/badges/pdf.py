"""The printable badges: one badge on a page of its size, or four to an A4 sheet with crop marks."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.enums import RenderStyle

from ...errors import NoBadge
from ...models import Channel, Guest
from .face import BadgeFace, Wording, badge_face, event_wording
from .qr import dark_rectangles, qr_modules
from .typeset import (
    PT,
    BadgePDF,
    Block,
    document,
    draw_text,
    fit_size,
    stack_lines,
    wrap_lines,
)

BADGE_W, BADGE_H = 90.0, 130.0
A4_W, A4_H = 210.0, 297.0
SHEET_COLUMNS, SHEET_ROWS = 2, 2
SHEET_GAP = 6.0
PER_SHEET = SHEET_COLUMNS * SHEET_ROWS

_INK = (29, 42, 51)
_MUTED = (91, 107, 117)
_BRAND = (11, 110, 79)
_BRAND_LIGHT = (191, 227, 212)
_WHITE = (255, 255, 255)
_PAD = 6.0
_HEADER_H = 26.0
_BAND_H = 14.0
_QR_SIZE = 38.0
# The QR code's white square holds two modules of quiet zone; the white badge round it the rest.
_QR_BORDER = 2


# Badges kept rendered in each process (a badge is some 20-40 KB): the guest's page, the
# console and the mail sender ask for the same badge again.
KEPT_BADGES = 256


def badge_pdf(guest: Guest) -> bytes:
    """One badge on a page of its own size (90 x 130 mm), for badge stock or a printer."""
    return _badge_pdf(badge_face(guest))


@functools.lru_cache(maxsize=KEPT_BADGES)
def _badge_pdf(face: BadgeFace) -> bytes:
    """A badge rendered once per face and process. The face is the key: its code holds the
    event, the guest and the badge version, and it holds every text the badge prints (both
    languages: the badge is the same whatever the reader's), so a re-issued badge, a changed
    name or headset channel is a new key and an older badge is never served. Kept in memory,
    not in the instance folder: an erased guest's names are then on no disk, and nothing
    outlives an upgrade of the layout."""
    return _render([face], sheet=False, title=" / ".join(face.names))


def sheet_pages(badges: int) -> int:
    """How many A4 pages a sheet of this many badges fills."""
    return -(-badges // PER_SHEET)


def badge_sheet_pdf(guests: Sequence[Guest]) -> bytes:
    """A4 pages with four badges each, 2 x 2, and crop marks to cut along."""
    if not guests:
        raise NoBadge(_l("No guest has a confirmed seat yet, so there are no badges to print."))
    wordings: dict[int, Wording] = {}
    faces = []
    for guest in guests:
        if guest.event_id not in wordings:
            wordings[guest.event_id] = event_wording(guest.event)
        faces.append(badge_face(guest, wordings[guest.event_id]))
    return _render(faces, sheet=True, title=faces[0].event_title_en)


def _render(faces: list[BadgeFace], *, sheet: bool, title: str) -> bytes:
    pages = sheet_pages(len(faces)) if sheet else len(faces)
    footers = [_sheet_footer(faces[0], n + 1, pages) for n in range(pages)] if sheet else []
    texts = [t for face in faces for t in face.texts()] + footers
    size = "A4" if sheet else (BADGE_W, BADGE_H)
    with document(texts, title, unit="mm", format=size) as pdf:
        if sheet:
            _sheet(pdf, faces, footers)
        else:
            for face in faces:
                pdf.add_page()
                _badge(pdf, 0, 0, face)
        return bytes(pdf.output())


def _sheet_footer(face: BadgeFace, page: int, pages: int) -> str:
    return _(
        "%(event)s · badges, page %(page)s of %(pages)s · cut along the marks",
        event=face.short_name or face.event_title_en,
        page=page,
        pages=pages,
    )


def _sheet(pdf: BadgePDF, faces: list[BadgeFace], footers: list[str]) -> None:
    block_w = SHEET_COLUMNS * BADGE_W + (SHEET_COLUMNS - 1) * SHEET_GAP
    block_h = SHEET_ROWS * BADGE_H + (SHEET_ROWS - 1) * SHEET_GAP
    left, top = (A4_W - block_w) / 2, (A4_H - block_h) / 2
    for n, face in enumerate(faces):
        slot = n % PER_SHEET
        if slot == 0:
            pdf.add_page()
            draw_text(pdf, footers[n // PER_SHEET], A4_W / 2, A4_H - 6, 7, _MUTED, align="C")
        x = left + (slot % SHEET_COLUMNS) * (BADGE_W + SHEET_GAP)
        y = top + (slot // SHEET_COLUMNS) * (BADGE_H + SHEET_GAP)
        _badge(pdf, x, y, face)
        _crop_marks(pdf, x, y, BADGE_W, BADGE_H)


def _crop_marks(pdf: FPDF, x: float, y: float, w: float, h: float) -> None:
    """Short lines on the cutting lines just outside each corner, clear of the badge."""
    gap, length = 1.5, 3.5
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.15)
    for cx, dx in ((x, -1), (x + w, 1)):
        for cy, dy in ((y, -1), (y + h, 1)):
            pdf.line(cx + dx * gap, cy, cx + dx * (gap + length), cy)
            pdf.line(cx, cy + dy * gap, cx, cy + dy * (gap + length))


def _badge(pdf: BadgePDF, x: float, y: float, face: BadgeFace) -> None:
    inner = BADGE_W - 2 * _PAD
    centre = x + BADGE_W / 2

    # The event, on the brand colour.
    pdf.set_fill_color(*_BRAND)
    pdf.rect(x, y, BADGE_W, _HEADER_H, style="F")
    header: list[Block] = []
    if face.short_name:
        header.append(([face.short_name.upper()], 7.5, _BRAND_LIGHT, True))
    header.append((wrap_lines(pdf, face.event_title_en, inner, 8.5, 2), 8.5, _WHITE, False))
    header.append((wrap_lines(pdf, face.event_title_zh, inner, 8.5, 1), 8.5, _WHITE, False))
    stack_lines(pdf, header, centre, y + 2.5, y + _HEADER_H - 2)

    # The person: names large, then organization and title.
    people: list[Block] = []
    for n, name in enumerate(face.names):
        largest, smallest = (28, 15) if n == 0 else (19, 11)
        size = fit_size(pdf, name, inner, largest, smallest)
        people.append((wrap_lines(pdf, name, inner, size, 2), size, _INK, True))
    if face.organization:
        size = fit_size(pdf, face.organization, inner, 10.5, 8.5)
        people.append((wrap_lines(pdf, face.organization, inner, size, 2), size, _INK, False))
    if face.title:
        people.append((wrap_lines(pdf, face.title, inner, 8.5, 2), 8.5, _MUTED, False))
    if face.seat_label:
        people.append(([f"{face.seat_caption}  {face.seat_label}"], 11, _INK, True))
    for line in face.sessions:
        # One line each, cut to the width: the times first, so they always show.
        people.append((wrap_lines(pdf, line, inner, 8, 1), 8, _BRAND, True))
    stack_lines(pdf, people, centre, y + _HEADER_H + 3, y + 68)

    # The QR code, left, and the headset channel, right.
    qr_top = y + 70
    _qr_code(pdf, face.code, x + _PAD - 2.5, qr_top, _QR_SIZE)
    _channel_box(pdf, face, x + 48, qr_top + 2, BADGE_W - 48 - _PAD, _QR_SIZE - 4)

    # When and where.
    when = [
        (wrap_lines(pdf, face.when_en, inner, 6.5, 1), 6.5, _MUTED, False),
        (wrap_lines(pdf, face.when_zh, inner, 6.5, 1), 6.5, _MUTED, False),
    ]
    stack_lines(pdf, when, centre, qr_top + _QR_SIZE + 0.5, y + BADGE_H - _BAND_H - 0.5)

    # The category, across the foot, in its colour.
    band_top = y + BADGE_H - _BAND_H
    pdf.set_fill_color(*face.colour)
    pdf.rect(x, band_top, BADGE_W, _BAND_H, style="F")
    labels = [face.category_en.upper()]
    if face.category_zh != face.category_en:
        labels.append(face.category_zh)
    label = "   ".join(labels)
    size = fit_size(pdf, label, inner, 17, 10)
    draw_text(
        pdf, label, centre, band_top + _BAND_H / 2 + size * PT * 0.36, size, _WHITE, True, "C"
    )


def _qr_code(pdf: BadgePDF, code: str, x: float, y: float, size: float) -> None:
    """The QR code in vectors, black on a white square that holds _QR_BORDER modules of quiet
    zone round it: sharp at any printer's resolution, and lighter than an image."""
    modules = qr_modules(code)
    module = size / (len(modules) + 2 * _QR_BORDER)
    left, top = x + _QR_BORDER * module, y + _QR_BORDER * module
    pdf.set_fill_color(*_WHITE)
    pdf.rect(x, y, size, size, style=RenderStyle.F)
    pdf.set_fill_color(0, 0, 0)
    for column, row, width, height in dark_rectangles(modules):
        pdf.rect(
            left + column * module,
            top + row * module,
            width * module,
            height * module,
            style=RenderStyle.F,
        )


def _channel_box(pdf: BadgePDF, face: BadgeFace, x: float, y: float, w: float, h: float) -> None:
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.6)
    pdf.set_fill_color(*_WHITE)
    pdf.rect(x, y, w, h, style="DF", round_corners=True, corner_radius=3)
    centre = x + w / 2
    draw_text(pdf, face.channel_caption_en, centre, y + 4.6, 6.5, _MUTED, align="C")
    draw_text(pdf, face.channel_caption_zh, centre, y + 8.0, 6.5, _MUTED, align="C")
    if face.channel == Channel.FLOOR:
        # No receiver: the word in both languages, and why.
        size = fit_size(pdf, face.channel_en, w - 4, 20, 10)
        draw_text(pdf, face.channel_en, centre, y + 18.5, size, _INK, True, "C")
        size = fit_size(pdf, face.channel_zh, w - 4, 18, 10)
        draw_text(pdf, face.channel_zh, centre, y + 26.0, size, _INK, True, "C")
        draw_text(pdf, face.no_receiver_en, centre, y + h - 4.8, 5.5, _MUTED, align="C")
        draw_text(pdf, face.no_receiver_zh, centre, y + h - 2.0, 5.5, _MUTED, align="C")
    else:
        size = fit_size(pdf, face.channel_en, w - 6, 46, 20)
        draw_text(pdf, face.channel_en, centre, y + h - 6.5, size, _INK, True, "C")
