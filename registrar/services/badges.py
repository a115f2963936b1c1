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
import itertools
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
from fpdf.enums import RenderStyle, TextMode
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


class _QRCode(qrcode.QRCode):
    """qrcode's QRCode with the same choice of mask, made about ten times faster.

    qrcode picks the mask with the fewest penalty points by drawing the whole symbol eight
    times, module by module, and scoring each in Python: most of a badge sheet's time. The
    eight test symbols differ only where the masks differ on data modules, so here the library
    draws one, the other seven are that one with the difference flipped (bits of a row as an
    int), and util.lost_point's four rules are counted on those rows and columns with integer
    and regular-expression operations. tests/test_badges.py checks both against the library.
    """

    def best_mask_pattern(self) -> int:
        n = self.version * 4 + 17
        self.makeImpl(True, 0)
        first = _row_bits(self.modules)
        points = [
            _lost_point([row ^ flip for row, flip in zip(first, flips, strict=True)], n)
            for flips in _mask_flips(self.version, self.error_correction)
        ]
        return points.index(min(points))  # the first of equals, as qrcode takes it


def _row_bits(modules: Sequence[Sequence[bool | None]]) -> list[int]:
    return [int("".join("1" if dark else "0" for dark in row), 2) for row in modules]


@functools.cache
def _mask_flips(version: int, error_correction: int) -> list[list[int]]:
    """For each mask, the modules in which its test symbol differs from mask 0's, as the
    library draws them (the test symbols leave the format bits light, whatever the mask)."""
    qr = qrcode.QRCode(version=version, error_correction=error_correction)
    qr.add_data("0")
    symbols = []
    for mask in range(8):
        qr.makeImpl(True, mask)
        symbols.append(_row_bits(qr.modules))
    return [[a ^ b for a, b in zip(symbols[0], rows, strict=True)] for rows in symbols]


_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")


def _lost_point(rows: list[int], n: int) -> int:
    """qrcode.util.lost_point of the symbol whose rows are these n-bit ints."""
    lines = [format(row, f"0{n}b") for row in rows]
    # Every row and column, apart: no run or pattern goes on from one into the next.
    lines = " ".join(lines + ["".join(column) for column in zip(*lines, strict=True)])
    # Runs of five or more of a colour in a row or column: 3 points, and 1 for each beyond.
    points = sum(len(run) - 2 for run in _RUN.findall(lines))
    # Each 2 x 2 block of one colour: 3 points.
    inner = (1 << (n - 1)) - 1
    for above, below in itertools.pairwise(rows):
        same = ~(above ^ below)
        points += 3 * (same & (same >> 1) & ~(above ^ (above >> 1)) & inner).bit_count()
    # 1:1:3:1:1 with four light modules before or after, like a finder pattern: 40 points.
    points += 40 * len(_FINDER_LIKE.findall(lines))
    # 10 points for every full 5% the dark modules are away from half.
    percent = float(sum(row.bit_count() for row in rows)) / (n**2)
    return points + int(abs(percent * 100 - 50) / 5) * 10


def _qr(code: str, box_size: int = 10, border: int = 4) -> qrcode.QRCode:
    qr = _QRCode(error_correction=QR_ERROR_CORRECTION, box_size=box_size, border=border)
    qr.add_data(code)
    qr.make(fit=True)
    if qr.version > QR_MAX_VERSION:
        # A longer code would make a denser QR code that cheap cameras misread.
        raise ValueError(f"badge code needs QR version {qr.version} > {QR_MAX_VERSION}")
    return qr


def qr_modules(code: str) -> list[list[bool]]:
    """The code's QR code as rows of modules, True for dark, without the quiet zone."""
    return _qr(code).modules


def qr_png(code: str, box_size: int = 10, border: int = 4) -> bytes:
    """The code as a black-on-white QR code PNG; box_size pixels a module, border modules of
    quiet zone around it (4 is what the standard asks for)."""
    out = io.BytesIO()
    qr = _qr(code, box_size, border)
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


@dataclass(frozen=True)
class _Wording:
    """What every badge of an event says alike, in English and Chinese: worked out once per
    document rather than switching locales a dozen times for every badge."""

    categories: dict[Category, tuple[str, str]]
    channels: dict[Channel, tuple[str, str]]
    caption: tuple[str, str]
    no_receiver: tuple[str, str]
    when_en: str
    when_zh: str


def _wording(event: Event) -> _Wording:
    return _Wording(
        categories={category: _in_both(label) for category, label in CATEGORY_LABELS.items()},
        channels={channel: _in_both(label) for channel, label in CHANNEL_SHORT.items()},
        caption=_in_both(_l("Headset channel")),
        no_receiver=_in_both(_l("No receiver needed")),
        when_en=_when(event, "en", event.room_en),
        when_zh=_when(event, "zh_Hant", event.room_zh),
    )


def badge_face(guest: Guest, wording: _Wording | None = None) -> BadgeFace:
    code = badge_code_for(guest)
    event = guest.event
    wording = wording or _wording(event)
    channel = guest.rsvp.channel if guest.rsvp is not None else None
    category_en, category_zh = wording.categories[guest.category]
    channel_en, channel_zh = wording.channels[channel] if channel else ("–", "–")
    caption_en, caption_zh = wording.caption
    no_receiver_en, no_receiver_zh = wording.no_receiver
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
        when_en=wording.when_en,
        when_zh=wording.when_zh,
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
# The QR code's white square holds two modules of quiet zone; the white badge round it the rest.
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


def sheet_pages(badges: int) -> int:
    """How many A4 pages a sheet of this many badges fills."""
    return -(-badges // PER_SHEET)


def badge_sheet_pdf(guests: Sequence[Guest]) -> bytes:
    """A4 pages with four badges each, 2 x 2, and crop marks to cut along."""
    if not guests:
        raise NoBadge(_l("No guest has a confirmed seat yet, so there are no badges to print."))
    wordings: dict[int, _Wording] = {}
    faces = []
    for guest in guests:
        if guest.event_id not in wordings:
            wordings[guest.event_id] = _wording(guest.event)
        faces.append(badge_face(guest, wordings[guest.event_id]))
    return _render(faces, sheet=True, title=faces[0].event_title_en)


def _render(faces: list[BadgeFace], *, sheet: bool, title: str) -> bytes:
    pages = sheet_pages(len(faces)) if sheet else len(faces)
    footers = [_sheet_footer(faces[0], n + 1, pages) for n in range(pages)] if sheet else []
    texts = [t for face in faces for t in face.texts()] + footers
    with tempfile.TemporaryDirectory(prefix="registrar-badge-") as folder:
        font_file = Path(folder) / "badge.ttf"
        font_file.write_bytes(_font_subset(texts))
        pdf = _BadgePDF(unit="mm", format="A4" if sheet else (BADGE_W, BADGE_H))
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


def _sheet(pdf: _BadgePDF, faces: list[BadgeFace], footers: list[str]) -> None:
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


def _badge(pdf: _BadgePDF, x: float, y: float, face: BadgeFace) -> None:
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
    _qr_code(pdf, face.code, x + _PAD - 2.5, qr_top, _QR_SIZE)
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


def _qr_code(pdf: _BadgePDF, code: str, x: float, y: float, size: float) -> None:
    """The QR code in vectors, black on a white square that holds _QR_BORDER modules of quiet
    zone round it: sharp at any printer's resolution, and lighter than an image."""
    modules = qr_modules(code)
    module = size / (len(modules) + 2 * _QR_BORDER)
    left, top = x + _QR_BORDER * module, y + _QR_BORDER * module
    pdf.set_fill_color(*_WHITE)
    pdf.rect(x, y, size, size, style=RenderStyle.F)
    pdf.set_fill_color(0, 0, 0)
    for column, row, width, height in _dark_rectangles(modules):
        pdf.rect(
            left + column * module,
            top + row * module,
            width * module,
            height * module,
            style=RenderStyle.F,
        )


_DARK_RUN = re.compile("1+")


def _dark_rectangles(modules: list[list[bool]]) -> list[tuple[int, int, int, int]]:
    """The dark modules as (column, row, width, height) rectangles: each row's runs, and a run
    that the rows below repeat exactly made one taller rectangle (fewer edges to blur)."""
    rectangles = []
    open_runs: dict[tuple[int, int], int] = {}  # (first column, width): top row
    for row, line in enumerate([*modules, []]):
        bits = "".join("1" if dark else "0" for dark in line)
        runs = {(run.start(), run.end() - run.start()) for run in _DARK_RUN.finditer(bits)}
        for run in [run for run in open_runs if run not in runs]:
            top = open_runs.pop(run)
            rectangles.append((run[0], top, run[1], row - top))
        for run in runs:
            open_runs.setdefault(run, row)
    return sorted(rectangles, key=lambda r: (r[1], r[0]))


def _channel_box(pdf: _BadgePDF, face: BadgeFace, x: float, y: float, w: float, h: float) -> None:
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


class _BadgePDF(FPDF):
    """An FPDF that measures text in the badge font the way fpdf2 does (the glyph widths added
    up: no shaping, no letter spacing), without its per-call text machinery, and keeps each
    text layout for the document: the event's lines are the same on every badge."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._units: dict[str, int] = {}
        self.layouts: dict[tuple, object] = {}

    def width(self, text: str, size: float) -> float:
        """The text's width in mm at this size in points."""
        units = self._units.get(text)
        if units is None:
            glyphs = self.fonts[_FONT].cw
            units = self._units[text] = sum(glyphs[ord(c)] for c in text)
        return units * size * 0.001 / self.k


def _per_document(layout):
    """A layout worked out once per document for the same arguments."""

    @functools.wraps(layout)
    def kept(pdf: _BadgePDF, *args):
        key = (layout.__name__, *args)
        if key not in pdf.layouts:
            pdf.layouts[key] = layout(pdf, *args)
        return pdf.layouts[key]

    return kept


def _font(pdf: FPDF, size: float) -> None:
    pdf.set_font(_FONT, size=size)


def _text(
    pdf: _BadgePDF,
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
        x -= pdf.width(text, size) / 2
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


def _stack(pdf: _BadgePDF, blocks: list, centre: float, top: float, bottom: float) -> None:
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


@_per_document
def _fit(pdf: _BadgePDF, text: str, width: float, size: float, smallest: float) -> float:
    """The largest size, down to `smallest`, at which the text fits on one line."""
    while size > smallest and pdf.width(text, size) > width:
        size -= 0.5
    return size


# Chinese and Japanese break between any two characters; other scripts between words.
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+|\s+")


@_per_document
def _wrap(pdf: _BadgePDF, text: str, width: float, size: float, max_lines: int) -> tuple[str, ...]:
    """The text in lines that fit the width, as even as they go; what does not fit ends in '…'."""
    lines = _break(pdf, text, width, size)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    elif len(lines) > 1:
        # Centred lines look best about as long as each other: the narrowest width that
        # needs no more lines.
        narrow, wide = width / len(lines), width
        while wide - narrow > 0.5:
            middle = (narrow + wide) / 2
            if len(_break(pdf, text, middle, size)) > len(lines):
                narrow = middle
            else:
                wide = middle
        lines = _break(pdf, text, wide, size)
    # A single word wider than the line is cut, not let run over the edge.
    return tuple(_cut(pdf, line, width, size) for line in lines)


def _break(pdf: _BadgePDF, text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in _TOKENS.findall(" ".join(text.split())):
        if line and not token.isspace() and pdf.width(line + token, size) > width:
            lines.append(line.rstrip())
            line = token
        else:
            line += token
    lines.append(line.strip())
    return [line for line in lines if line] or [""]


def _cut(pdf: _BadgePDF, line: str, width: float, size: float) -> str:
    if pdf.width(line, size) <= width:
        return line
    while line and pdf.width(line + "…", size) > width:
        line = line[:-1]
    return line.rstrip() + "…"
