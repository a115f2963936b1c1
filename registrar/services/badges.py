"""Badges: who has one, its check-in code, the QR code, and the printable PDFs.

A badge carries the signed code of tokens.badge_code; the door accepts it while the guest's
badge_version is the one in the code, so re-issuing a badge (or revoking the invitation)
makes every earlier copy, printed or on a phone, stop working.

The PDFs embed WenQuanYi Micro Hei (registrar/static/fonts), which covers Traditional
Chinese and Latin. Handing fpdf2 the whole 5 MB font costs most of a second per document
(it parses every table, then subsets); instead the font is mapped once per process and
HarfBuzz cuts from it, in about a millisecond, just the characters one document uses.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import qrcode
import qrcode.constants
import sqlalchemy as sa
import uharfbuzz
from babel.dates import format_date, format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.enums import TextMode
from sqlalchemy.orm import selectinload

from .. import PACKAGE_DIR, tokens
from ..errors import NoBadge, NotFound
from ..extensions import db
from ..models import Category, Channel, Event, Guest, Seat, SeatState
from . import audit

FONT_FILE = PACKAGE_DIR / "static" / "fonts" / "wqy-microhei.ttc"
# The QR code of a badge: DESIGN.md wants version <= 3 at error correction M; our codes are
# upper-case alphanumeric and come out at version 2.
QR_ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
QR_MAX_VERSION = 3

CATEGORY_LABELS = {
    Category.SPEAKER: _l("Speaker"),
    Category.MODERATOR: _l("Moderator"),
    Category.VIP: _l("VIP"),
    Category.DELEGATE: _l("Delegate"),
    Category.PRESS: _l("Press"),
    Category.STAFF: _l("Staff"),
}

# The channel box shows these, as the console's lists do (forms.CHANNEL_SHORT).
CHANNEL_SHORT = {Channel.EN: "EN", Channel.ZH: "中", Channel.FLOOR: _l("Floor")}

# The band at the foot of the badge: told apart across a room, white text readable on each.
CATEGORY_COLOURS = {
    Category.SPEAKER: (192, 40, 45),
    Category.MODERATOR: (106, 27, 154),
    Category.VIP: (33, 33, 33),
    Category.DELEGATE: (21, 101, 192),
    Category.PRESS: (46, 125, 50),
    Category.STAFF: (230, 81, 0),
}


# -- who has a badge -------------------------------------------------------------------------


def has_badge(guest: Guest) -> bool:
    """A badge is for a guest with a confirmed seat whose invitation was not withdrawn."""
    seat = guest.seat
    return not guest.is_revoked and seat is not None and seat.state == SeatState.CONFIRMED


def require_badge(guest: Guest) -> None:
    if not has_badge(guest):
        raise NoBadge()


def badge_code_for(guest: Guest) -> str:
    """The code in the guest's QR code, as the door checks it."""
    require_badge(guest)
    return tokens.badge_code(guest.event_id, guest.id, guest.badge_version)


def guests_with_badges(event: Event) -> list[Guest]:
    """Every guest of the event who has a badge, in alphabetical order, for printing."""
    guests = db.session.scalars(
        sa.select(Guest)
        .join(Seat, Seat.guest_id == Guest.id)
        .where(
            Guest.event_id == event.id,
            Guest.revoked_at.is_(None),
            Seat.state == SeatState.CONFIRMED,
        )
        .options(selectinload(Guest.rsvp), selectinload(Guest.seat))
    ).all()
    return sorted(guests, key=lambda g: ((g.name_en or g.name_zh).casefold(), g.id))


def filename(event: Event, guest: Guest | None = None) -> str:
    """The download's name: one guest's badge, or the event's sheet of badges."""
    if guest is None:
        return f"badges-{event.slug}.pdf"
    return f"badge-{event.slug}-{guest.id}.pdf"


def reissue(guest_id: int, actor: str) -> Guest:
    """A new badge for the guest; every earlier one, printed or on a phone, stops working."""
    guest = db.session.get(Guest, guest_id)
    if guest is None:
        raise NotFound()
    require_badge(guest)
    # Counted in the database, so that two organizers pressing at once both bump it.
    guest.badge_version = Guest.badge_version + 1
    db.session.flush()
    audit.record(
        "badge.reissued",
        actor=actor,
        event_id=guest.event_id,
        guest_id=guest.id,
        version=guest.badge_version,
    )
    return guest


# -- the QR code -----------------------------------------------------------------------------


def qr_png(code: str, box_size: int = 10, border: int = 4) -> bytes:
    """The code as a black-on-white QR code PNG; box_size pixels a module, border modules of
    quiet zone around it (4 is what the standard asks for)."""
    qr = qrcode.QRCode(error_correction=QR_ERROR_CORRECTION, box_size=box_size, border=border)
    qr.add_data(code)
    qr.make(fit=True)
    if qr.version > QR_MAX_VERSION:
        # A longer code would make a denser QR code that cheap cameras misread.
        raise ValueError(f"badge code needs QR version {qr.version} > {QR_MAX_VERSION}")
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


# -- what a badge says -----------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeFace:
    """Everything printed on one badge, as text in both languages where it is ours to say."""

    code: str
    names: tuple[str, ...]
    organization: str
    title: str
    category_en: str
    category_zh: str
    colour: tuple[int, int, int]
    channel: Channel | None
    channel_en: str
    channel_zh: str
    channel_caption_en: str
    channel_caption_zh: str
    no_receiver_en: str
    no_receiver_zh: str
    short_name: str
    event_title_en: str
    event_title_zh: str
    when_en: str
    when_zh: str

    def texts(self) -> list[str]:
        """Every string the badge may print, for the font subset (capitals too)."""
        texts = [v for v in vars(self).values() if isinstance(v, str)] + list(self.names)
        return texts + [t.upper() for t in texts]


def _in_both(message) -> tuple[str, str]:
    """A catalogue message in English and in Traditional Chinese: badges speak both."""
    with force_locale("en"):
        english = str(message)
    with force_locale("zh_Hant"):
        chinese = str(message)
    return english, chinese


def _when(event: Event, locale: str, room: str) -> str:
    zone = ZoneInfo(event.timezone)
    starts = event.starts_at.astimezone(zone)
    ends = event.ends_at.astimezone(zone)
    with force_locale(locale):
        return _(
            "%(date)s, %(start)s–%(end)s · %(room)s",
            date=format_date(starts.date(), "full", locale=locale),
            start=format_time(starts, "HH:mm", locale=locale),
            end=format_time(ends, "HH:mm", locale=locale),
            room=room,
        )


def badge_face(guest: Guest) -> BadgeFace:
    code = badge_code_for(guest)
    event = guest.event
    channel = guest.rsvp.channel if guest.rsvp is not None else None
    category_en, category_zh = _in_both(CATEGORY_LABELS[guest.category])
    channel_en, channel_zh = _in_both(CHANNEL_SHORT[channel]) if channel else ("–", "–")
    caption_en, caption_zh = _in_both(_l("Headset channel"))
    no_receiver_en, no_receiver_zh = _in_both(_l("No receiver needed"))
    names = tuple(n for n in (guest.name_zh, guest.name_en) if n) or ("",)
    return BadgeFace(
        code=code,
        names=names,
        organization=guest.organization,
        title=guest.title,
        category_en=category_en,
        category_zh=category_zh,
        colour=CATEGORY_COLOURS[guest.category],
        channel=channel,
        channel_en=channel_en,
        channel_zh=channel_zh,
        channel_caption_en=caption_en,
        channel_caption_zh=caption_zh,
        no_receiver_en=no_receiver_en,
        no_receiver_zh=no_receiver_zh,
        short_name=event.short_name,
        event_title_en=event.title_en,
        event_title_zh=event.title_zh,
        when_en=_when(event, "en", event.room_en),
        when_zh=_when(event, "zh_Hant", event.room_zh),
    )


# -- the PDFs --------------------------------------------------------------------------------

BADGE_W, BADGE_H = 90.0, 130.0
A4_W, A4_H = 210.0, 297.0
SHEET_COLUMNS, SHEET_ROWS = 2, 2
SHEET_GAP = 6.0
PER_SHEET = SHEET_COLUMNS * SHEET_ROWS

_FONT = "badge"
_INK = (29, 42, 51)
_MUTED = (91, 107, 117)
_BRAND = (11, 110, 79)
_BRAND_LIGHT = (191, 227, 212)
_WHITE = (255, 255, 255)
_PAD = 6.0
_HEADER_H = 26.0
_BAND_H = 14.0
_QR_SIZE = 38.0
# The PDF's QR image brings two modules of quiet zone; the white badge around it the rest.
_QR_BORDER = 2
# Digits and punctuation are always in the font subset, whatever the names hold.
_ALWAYS = frozenset(range(0x20, 0x7F)) | {ord("…"), ord("–"), ord("·")}
_PT = 25.4 / 72  # millimetres per point


@functools.cache
def _font_face() -> uharfbuzz.Face:
    """The badge font, mapped once per process and never changed (HarfBuzz reads it)."""
    return uharfbuzz.Face(uharfbuzz.Blob.from_file_path(str(FONT_FILE)), 0)


def _font_subset(texts: Iterable[str]) -> bytes:
    wanted = uharfbuzz.SubsetInput()
    for codepoint in _ALWAYS | {ord(c) for text in texts for c in text}:
        wanted.unicode_set.add(codepoint)
    subset = uharfbuzz.subset(_font_face(), wanted)
    if subset is None:
        raise RuntimeError("HarfBuzz could not subset the badge font")
    return subset.blob.data


def badge_pdf(guest: Guest) -> bytes:
    """One badge on a page of its own size (90 x 130 mm), for badge stock or a printer."""
    face = badge_face(guest)
    return _render([face], sheet=False, title=" / ".join(face.names))


def badge_sheet_pdf(guests: Sequence[Guest]) -> bytes:
    """A4 pages with four badges each, 2 x 2, and crop marks to cut along."""
    if not guests:
        raise NoBadge(_l("No guest has a confirmed seat yet, so there are no badges to print."))
    faces = [badge_face(g) for g in guests]
    return _render(faces, sheet=True, title=faces[0].event_title_en)


def _render(faces: list[BadgeFace], *, sheet: bool, title: str) -> bytes:
    pages = -(-len(faces) // PER_SHEET) if sheet else len(faces)
    footers = [_sheet_footer(faces[0], n + 1, pages) for n in range(pages)] if sheet else []
    texts = [t for face in faces for t in face.texts()] + footers
    with tempfile.TemporaryDirectory(prefix="registrar-badge-") as folder:
        font_file = Path(folder) / "badge.ttf"
        font_file.write_bytes(_font_subset(texts))
        pdf = FPDF(unit="mm", format="A4" if sheet else (BADGE_W, BADGE_H))
        pdf.set_auto_page_break(False)
        pdf.set_margin(0)
        pdf.c_margin = 0
        pdf.set_creator("registrar")
        pdf.set_title(title)
        # fpdf2 reads the font file lazily, up to output(): it must outlive the document.
        pdf.add_font(_FONT, fname=font_file)
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


def _sheet(pdf: FPDF, faces: list[BadgeFace], footers: list[str]) -> None:
    block_w = SHEET_COLUMNS * BADGE_W + (SHEET_COLUMNS - 1) * SHEET_GAP
    block_h = SHEET_ROWS * BADGE_H + (SHEET_ROWS - 1) * SHEET_GAP
    left, top = (A4_W - block_w) / 2, (A4_H - block_h) / 2
    for n, face in enumerate(faces):
        slot = n % PER_SHEET
        if slot == 0:
            pdf.add_page()
            _text(pdf, footers[n // PER_SHEET], A4_W / 2, A4_H - 6, 7, _MUTED, align="C")
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


def _badge(pdf: FPDF, x: float, y: float, face: BadgeFace) -> None:
    inner = BADGE_W - 2 * _PAD
    centre = x + BADGE_W / 2

    # The event, on the brand colour.
    pdf.set_fill_color(*_BRAND)
    pdf.rect(x, y, BADGE_W, _HEADER_H, style="F")
    header = []
    if face.short_name:
        header.append(([face.short_name.upper()], 7.5, _BRAND_LIGHT, True))
    header.append((_wrap(pdf, face.event_title_en, inner, 8.5, 2), 8.5, _WHITE, False))
    header.append((_wrap(pdf, face.event_title_zh, inner, 8.5, 1), 8.5, _WHITE, False))
    _stack(pdf, header, centre, y + 2.5, y + _HEADER_H - 2)

    # The person: names large, then organization and title.
    people = []
    for n, name in enumerate(face.names):
        largest, smallest = (28, 15) if n == 0 else (19, 11)
        size = _fit(pdf, name, inner, largest, smallest)
        people.append((_wrap(pdf, name, inner, size, 2), size, _INK, True))
    if face.organization:
        size = _fit(pdf, face.organization, inner, 10.5, 8.5)
        people.append((_wrap(pdf, face.organization, inner, size, 2), size, _INK, False))
    if face.title:
        people.append((_wrap(pdf, face.title, inner, 8.5, 2), 8.5, _MUTED, False))
    _stack(pdf, people, centre, y + _HEADER_H + 3, y + 68)

    # The QR code, left, and the headset channel, right.
    qr_top = y + 70
    png = qr_png(face.code, box_size=8, border=_QR_BORDER)
    pdf.image(io.BytesIO(png), x=x + _PAD - 2.5, y=qr_top, w=_QR_SIZE, h=_QR_SIZE)
    _channel_box(pdf, face, x + 48, qr_top + 2, BADGE_W - 48 - _PAD, _QR_SIZE - 4)

    # When and where.
    when = [
        (_wrap(pdf, face.when_en, inner, 6.5, 1), 6.5, _MUTED, False),
        (_wrap(pdf, face.when_zh, inner, 6.5, 1), 6.5, _MUTED, False),
    ]
    _stack(pdf, when, centre, qr_top + _QR_SIZE + 0.5, y + BADGE_H - _BAND_H - 0.5)

    # The category, across the foot, in its colour.
    band_top = y + BADGE_H - _BAND_H
    pdf.set_fill_color(*face.colour)
    pdf.rect(x, band_top, BADGE_W, _BAND_H, style="F")
    labels = [face.category_en.upper()]
    if face.category_zh != face.category_en:
        labels.append(face.category_zh)
    label = "   ".join(labels)
    size = _fit(pdf, label, inner, 17, 10)
    _text(pdf, label, centre, band_top + _BAND_H / 2 + size * _PT * 0.36, size, _WHITE, True, "C")


def _channel_box(pdf: FPDF, face: BadgeFace, x: float, y: float, w: float, h: float) -> None:
    pdf.set_draw_color(*_INK)
    pdf.set_line_width(0.6)
    pdf.set_fill_color(*_WHITE)
    pdf.rect(x, y, w, h, style="DF", round_corners=True, corner_radius=3)
    centre = x + w / 2
    _text(pdf, face.channel_caption_en, centre, y + 4.6, 6.5, _MUTED, align="C")
    _text(pdf, face.channel_caption_zh, centre, y + 8.0, 6.5, _MUTED, align="C")
    if face.channel == Channel.FLOOR:
        # No receiver: the word in both languages, and why.
        size = _fit(pdf, face.channel_en, w - 4, 20, 10)
        _text(pdf, face.channel_en, centre, y + 18.5, size, _INK, True, "C")
        size = _fit(pdf, face.channel_zh, w - 4, 18, 10)
        _text(pdf, face.channel_zh, centre, y + 26.0, size, _INK, True, "C")
        _text(pdf, face.no_receiver_en, centre, y + h - 4.8, 5.5, _MUTED, align="C")
        _text(pdf, face.no_receiver_zh, centre, y + h - 2.0, 5.5, _MUTED, align="C")
    else:
        size = _fit(pdf, face.channel_en, w - 6, 46, 20)
        _text(pdf, face.channel_en, centre, y + h - 6.5, size, _INK, True, "C")


# -- text helpers ----------------------------------------------------------------------------


def _font(pdf: FPDF, size: float) -> None:
    pdf.set_font(_FONT, size=size)


def _text(
    pdf: FPDF,
    text: str,
    x: float,
    baseline: float,
    size: float,
    colour: tuple[int, int, int],
    bold: bool = False,
    align: str = "L",
) -> None:
    """One line at a baseline. The font has no bold face: bold is the outline drawn as well."""
    _font(pdf, size)
    if align == "C":
        x -= pdf.get_string_width(text) / 2
    pdf.set_text_color(*colour)
    if not bold:
        pdf.text(x, baseline, text)
        return
    # text() writes the outline's width in points, not in the document's unit (fpdf2 2.8),
    # so it is given in points here; the local context restores the width afterwards.
    with pdf.local_context(
        text_mode=TextMode.FILL_STROKE, line_width=size * 0.03, draw_color=colour
    ):
        pdf.text(x, baseline, text)


def _stack(pdf: FPDF, blocks: list, centre: float, top: float, bottom: float) -> None:
    """Centred lines, block after block, the whole stack centred between top and bottom.

    A block is (lines, size in pt, colour, bold)."""
    height = sum(len(lines) * _line_height(size) for lines, size, _colour, _bold in blocks)
    y = top + max((bottom - top - height) / 2, 0)
    for lines, size, colour, bold in blocks:
        step = _line_height(size)
        for line in lines:
            y += step
            # The baseline sits about a fifth of the line height above the line's foot.
            _text(pdf, line, centre, y - step * 0.22, size, colour, bold, "C")


def _line_height(size: float) -> float:
    return size * _PT * 1.25


def _fit(pdf: FPDF, text: str, width: float, size: float, smallest: float) -> float:
    """The largest size, down to `smallest`, at which the text fits on one line."""
    _font(pdf, size)
    while size > smallest and pdf.get_string_width(text) > width:
        size -= 0.5
        _font(pdf, size)
    return size


# Chinese and Japanese break between any two characters; other scripts between words.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+|\s+")


def _wrap(pdf: FPDF, text: str, width: float, size: float, max_lines: int) -> list[str]:
    """The text in lines that fit the width, as even as they go; what does not fit ends in '…'."""
    _font(pdf, size)
    lines = _break(pdf, text, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    elif len(lines) > 1:
        # Centred lines look best about as long as each other: the narrowest width that
        # needs no more lines.
        narrow, wide = width / len(lines), width
        while wide - narrow > 0.5:
            middle = (narrow + wide) / 2
            if len(_break(pdf, text, middle)) > len(lines):
                narrow = middle
            else:
                wide = middle
        lines = _break(pdf, text, wide)
    # A single word wider than the line is cut, not let run over the edge.
    return [_cut(pdf, line, width) for line in lines]


def _break(pdf: FPDF, text: str, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if line and not token.isspace() and pdf.get_string_width(line + token) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    lines.append(line.strip())
    return [line for line in lines if line] or [""]


def _cut(pdf: FPDF, line: str, width: float) -> str:
    if pdf.get_string_width(line) <= width:
        return line
    while line and pdf.get_string_width(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"
