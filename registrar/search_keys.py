"""What a typed name is compared by, and the key each guest is stored with for it: the door's
and the console's search (services/guest_search.py). Plain functions of text, importing nothing
of the app, so that the models can use them."""

from __future__ import annotations

import unicodedata

# Left out on both sides of a search: "mei ling", "Mei-Ling" and "meiling" are one name.
_SEARCH_IGNORED = (" ", "-")


def search_key(text: str) -> str:
    """What a typed name is compared by: full-width letters as plain ones (a Chinese keyboard
    types them), lower case, no spaces or hyphens."""
    key = unicodedata.normalize("NFKC", text).lower()
    for ignored in _SEARCH_IGNORED:
        key = key.replace(ignored, "")
    return key


def guest_search_key(name_en: str, name_zh: str, organization: str, email: str) -> str:
    """A guest's stored search key: the key of each field searched, joined by a space. A key
    never holds a space, so a search never matches across two fields."""
    return " ".join(search_key(value or "") for value in (name_en, name_zh, organization, email))
