"""Travel for guests from abroad: who is offered it.

An event offers travel (arrival and departure, airport pickup, hotel, a visa invitation letter)
to the guests of the categories it names (Event.travel_categories) and to guests chosen one by
one (Guest.travel_offered). Accompanying persons travel with their guest and are not offered it
on their own, nor are erased or revoked guests.
"""

from __future__ import annotations

from ...models import Guest


def offered_to(guest: Guest) -> bool:
    """Whether the guest may give travel details and ask for a visa letter."""
    if guest.is_companion or guest.is_erased or guest.is_revoked:
        return False
    return guest.travel_offered or guest.category in guest.event.categories_offered_travel
