"""The printable pickup list: every airport pickup and ride to the airport, by day and time,
with the guest's names in both scripts, the flight, the airport, the hotel, the driver or car
and their phone. A4 landscape, in the badge font (services/badges/typeset.py), so that names in
Chinese print."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ...models import Event
from ..badges.typeset import BadgePDF, document, draw_text, wrap_lines
from .board import Leg, Movement, board

_WIDTH, _HEIGHT = 297.0, 210.0
_MARGIN = 12.0
_INK = (29, 42, 51)
_MUTED = (91, 107, 117)
_LINE = (120, 130, 140)
_COLUMNS = (
    ("when", 0.08),
    ("flight", 0.08),
    ("airport", 0.09),
    ("name_en", 0.17),
    ("name_zh", 0.15),
    ("hotel", 0.17),
    ("driver", 0.16),
    ("phone", 0.10),
)


def _both(message: object) -> str:
    """A catalogue message in English and in Traditional Chinese: the list speaks both."""
    with force_locale("en"):
        english = str(message)
    with force_locale("zh_Hant"):
        chinese = str(message)
    return english if english == chinese else f"{english} · {chinese}"


def filename(event: Event) -> str:
    return f"pickups-{event.slug}.pdf"


def pickup_pdf(event: Event) -> bytes:
    words: dict[object, str] = {
        "title": _both(_l("Airport pickups")),
        Leg.ARRIVAL: _both(_l("Arrivals: pick up at the airport")),
        Leg.DEPARTURE: _both(_l("Departures: drive to the airport")),
        "when": _both(_l("Time")),
        "flight": _both(_l("Flight")),
        "airport": _both(_l("Airport")),
        "name_en": _both(_l("Name in English")),
        "name_zh": _both(_l("Name in Chinese")),
        "hotel": _both(_l("Hotel")),
        "driver": _both(_l("Driver or car")),
        "phone": _both(_l("Phone")),
        "none": _both(_l("No pickups.")),
        "unassigned": _both(_l("not assigned")),
    }
    legs = {leg: board(event.id, leg, pickups_only=True) for leg in Leg}
    event_title = " · ".join(t for t in (event.title_en, event.title_zh) if t)
    texts = [event_title, *words.values(), "0123456789-:. "]
    for movements in legs.values():
        for m in movements:
            texts += [m.guest.name_en, m.guest.name_zh, m.flight, m.airport_code]
            texts += [m.travel.hotel_name, m.driver, m.driver_phone, m.day.isoformat()]
    with document(texts, words["title"], unit="mm", format="A4", orientation="L") as pdf:
        for leg, movements in legs.items():
            _leg_pages(pdf, words, event_title, words[leg], movements)
        return bytes(pdf.output())


def _leg_pages(
    pdf: BadgePDF,
    words: dict[object, str],
    event_title: str,
    heading: str,
    movements: list[Movement],
) -> None:
    usable = _WIDTH - 2 * _MARGIN
    line_h = 6.0
    size = 8.5
    bottom = _HEIGHT - _MARGIN

    def header() -> float:
        pdf.add_page()
        draw_text(pdf, heading, _MARGIN, _MARGIN + 4, 12, _INK, True)
        draw_text(pdf, event_title, _MARGIN, _MARGIN + 9.5, 8, _MUTED)
        y = _MARGIN + 17
        x = _MARGIN
        for key, share in _COLUMNS:
            text = wrap_lines(pdf, words[key], usable * share - 2, 7, 1)[0]
            draw_text(pdf, text, x, y, 7, _MUTED, True)
            x += usable * share
        pdf.set_draw_color(*_LINE)
        pdf.line(_MARGIN, y + 1.5, _WIDTH - _MARGIN, y + 1.5)
        return y + line_h

    y = header()
    if not movements:
        draw_text(pdf, words["none"], _MARGIN, y, size, _MUTED)
        return
    day = None
    for m in movements:
        if y > bottom - line_h:
            y = header()
            day = None
        if m.day != day:
            day = m.day
            draw_text(pdf, m.day.isoformat(), _MARGIN, y, size, _INK, True)
            y += line_h
        cells = [
            m.at.strftime("%H:%M"),
            m.flight,
            m.airport_code,
            m.guest.name_en,
            m.guest.name_zh,
            m.travel.hotel_name,
            m.driver or words["unassigned"],
            m.driver_phone,
        ]
        x = _MARGIN
        for (key, share), text in zip(_COLUMNS, cells, strict=True):
            shown = wrap_lines(pdf, text, usable * share - 2, size, 1)[0] if text else ""
            colour = _MUTED if key == "driver" and not m.driver else _INK
            draw_text(pdf, shown, x, y, size, colour, key in ("when", "flight"))
            x += usable * share
        y += line_h
