"""Place cards: folded A4 table tents for the speakers' table, one person to a landscape page.

Folded along the middle, the page stands as a tent with a face to each side: the lower half is
printed upright, the upper half the same, turned upside down, so that both faces read. Each
face has the name in both scripts, large, and the title and organization below. In the badge
font (services/badges/typeset.py), cut to the characters printed.

The people: the event's guests of the categories chosen (those who declined left out), the
guests chosen one by one, and, when asked, the programme's speakers and moderators who are not
guests; in precedence order, the programme's people after the guests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ...errors import InvalidAnswer
from ...extensions import db
from ...models import AgendaItem, AgendaPerson, Category, Event, Guest, Language, Rsvp
from .. import precedence
from ..badges.typeset import BadgePDF, Block, document, fit_size, stack_lines, wrap_lines

# Offered as checkboxes on the console's Exports page; speakers and moderators ticked first.
CARD_CATEGORIES = (Category.SPEAKER, Category.MODERATOR, Category.VIP)
# At most this many guests chosen one by one in one request (a page of checkboxes).
MAX_CHOSEN = 2000

_PAGE_W, _PAGE_H = 297.0, 210.0
_HALF = _PAGE_H / 2
_MARGIN = 14.0
_INK = (0, 0, 0)
_MUTED = (70, 70, 70)
_FOLD = (170, 170, 170)


class UnknownGuests(InvalidAnswer):
    default_message = _l(
        "Some of the chosen guests are not on this event's guest list (any more). Reload the "
        "page and choose again; no place cards were made."
    )


class NothingToPrint(InvalidAnswer):
    default_message = _l(
        "Nobody matches this choice, so there are no place cards to print. Tick a category or "
        "some guests."
    )


@dataclass(frozen=True)
class Card:
    # The name printed first (largest) and the other script's below it; either may be empty.
    first: str
    second: str
    title: str
    organization: str

    def texts(self) -> list[str]:
        return [self.first, self.second, self.title, self.organization]


def _guest_card(guest: Guest) -> Card:
    # The name in the guest's own language first: the way they write it themselves.
    names = [guest.name_zh, guest.name_en]
    if guest.language != Language.ZH_HANT:
        names.reverse()
    first, second = (names[1], "") if not names[0] else (names[0], names[1])
    return Card(first, second if second != first else "", guest.title, guest.organization)


def _both(english: str, chinese: str) -> str:
    return " · ".join(dict.fromkeys(t for t in (chinese, english) if t))


def cards_for(
    event: Event,
    categories: Collection[Category],
    chosen: Collection[int],
    *,
    programme: bool = False,
) -> list[Card]:
    """The cards of the guests of these categories and the guests chosen (ids of this event's
    guests: UnknownGuests for any other), and of the programme's people who are not guests."""
    chosen = set(chosen)
    if len(chosen) > MAX_CHOSEN:
        raise InvalidAnswer(
            _l(
                "At most %(max)s guests can be chosen one by one; tick their category instead. "
                "No place cards were made."
            ),
            max=MAX_CHOSEN,
        )
    listed = sa.and_(
        Guest.event_id == event.id,
        ~Guest.is_erased,
    )
    if chosen:
        known = set(db.session.scalars(sa.select(Guest.id).where(listed, Guest.id.in_(chosen))))
        if known != chosen:
            raise UnknownGuests()
    by_category = sa.and_(
        Guest.category.in_(list(categories)),
        Guest.revoked_at.is_(None),
        # A guest who declined sits at no table.
        sa.or_(Rsvp.attending.is_(None), Rsvp.attending.is_(True)),
    )
    guests = db.session.scalars(
        sa.select(Guest)
        .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
        .where(listed, sa.or_(by_category, Guest.id.in_(chosen)) if chosen else by_category)
        .order_by(*precedence.order_by())
    ).all()
    if programme:
        # The programme's people who are guests (of any category) get their guest's card.
        linked = set(
            db.session.scalars(
                sa.select(Guest.id)
                .join(AgendaPerson, AgendaPerson.guest_id == Guest.id)
                .join(AgendaItem, AgendaItem.id == AgendaPerson.item_id)
                .outerjoin(Rsvp, Rsvp.guest_id == Guest.id)
                .where(
                    AgendaItem.event_id == event.id,
                    listed,
                    Guest.revoked_at.is_(None),
                    sa.or_(Rsvp.attending.is_(None), Rsvp.attending.is_(True)),
                )
            )
        ) - {guest.id for guest in guests}
        if linked:
            guests = sorted(
                [*guests, *db.session.scalars(sa.select(Guest).where(Guest.id.in_(linked)))],
                key=precedence.sort_key,
            )
    cards = [_guest_card(guest) for guest in guests]
    if programme:
        cards += _programme_cards(event, guests)
    if not cards:
        raise NothingToPrint()
    return cards


def choosable_guests(event: Event) -> list[Guest]:
    """The guests one may choose one by one: everyone listed, not revoked, in precedence
    order."""
    return list(
        db.session.scalars(
            sa.select(Guest)
            .where(
                Guest.event_id == event.id,
                Guest.revoked_at.is_(None),
                ~Guest.is_erased,
            )
            .order_by(*precedence.order_by())
        )
    )


def _programme_cards(event: Event, guests: Collection[Guest]) -> list[Card]:
    """The programme's speakers and moderators who are not a guest on the cards already (by
    their link, or by name), each once, in the programme's order."""
    linked = {guest.id for guest in guests}
    seen = {name.casefold() for guest in guests for name in (guest.name_en, guest.name_zh) if name}
    items = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.position)
        .options(selectinload(AgendaItem.people))
    ).all()
    cards = []
    for item in items:
        for person in sorted(item.people, key=lambda p: p.position):
            names = {n.casefold() for n in (person.name_en, person.name_zh) if n}
            if person.guest_id in linked or not names or names & seen:
                continue
            seen |= names
            first = person.name_zh or person.name_en
            second = person.name_en if person.name_zh else ""
            cards.append(
                Card(
                    first,
                    second,
                    _both(person.title_en, person.title_zh),
                    _both(person.affiliation_en, person.affiliation_zh),
                )
            )
    return cards


def filename(event: Event) -> str:
    return f"place-cards-{event.slug}.pdf"


def place_cards_pdf(event: Event, cards: list[Card]) -> bytes:
    """One landscape A4 page per card, to fold along the dashed line."""
    title = f"{_('Place cards')} · {event.title_en or event.title_zh}"
    texts = [t for card in cards for t in card.texts()] + [title]
    with document(texts, title, unit="mm", format="A4", orientation="L") as pdf:
        for card in cards:
            pdf.add_page()
            # The lower half upright; the upper half the same, turned about its own centre.
            _face(pdf, card, _HALF)
            with pdf.rotation(180, x=_PAGE_W / 2, y=_HALF / 2):
                _face(pdf, card, 0.0)
            _fold_line(pdf)
        return bytes(pdf.output())


def _face(pdf: BadgePDF, card: Card, top: float) -> None:
    width = _PAGE_W - 2 * _MARGIN
    blocks: list[Block] = []
    if card.first:
        size = fit_size(pdf, card.first, width, 64.0, 24.0)
        blocks.append(((card.first,), size, _INK, True))
    if card.second:
        size = fit_size(pdf, card.second, width, 40.0, 18.0)
        blocks.append(((card.second,), size, _INK, True))
    if card.title:
        blocks.append((wrap_lines(pdf, card.title, width, 18.0, 1), 18.0, _MUTED, False))
    if card.organization:
        blocks.append((wrap_lines(pdf, card.organization, width, 16.0, 2), 16.0, _MUTED, False))
    stack_lines(pdf, blocks, _PAGE_W / 2, top + 8.0, top + _HALF - 8.0)


def _fold_line(pdf: BadgePDF) -> None:
    pdf.set_draw_color(*_FOLD)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=2, gap=2)
    pdf.line(6.0, _HALF, _PAGE_W - 6.0, _HALF)
    pdf.set_dash_pattern()
