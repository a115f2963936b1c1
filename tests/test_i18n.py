"""The zh_Hant catalogue covers every string in the code, and the compiled file matches it."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "registrar/translations/zh_Hant/LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> set[str]:
    method_map = [
        ("registrar/**.py", "python"),
        ("templates/**.html", "jinja2"),
        # The plain-text parts of the e-mails.
        ("templates/**.txt", "jinja2"),
    ]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def _po():
    with open(CATALOGUE / "messages.po", "rb") as f:
        return read_po(f, locale="zh_Hant")


def test_every_string_in_the_code_is_translated():
    catalogue = _po()
    source = _source_messages()
    assert len(source) > 50
    missing = sorted(m for m in source if not (catalogue.get(m) and catalogue.get(m).string))
    assert missing == [], "run scripts/translations update, then translate these"
    fuzzy = sorted(m.id for m in catalogue if m.id and m.fuzzy)
    assert fuzzy == []


def _forms(text) -> tuple[str, ...]:
    """A message's id or translation as its forms: one, or several for a plural."""
    return (text,) if isinstance(text, str) else tuple(text)


def test_placeholders_kept_in_translation():
    for message in _po():
        if message.id:
            expected = set(PLACEHOLDER.findall(_forms(message.id)[-1]))
            for form in _forms(message.string):
                assert set(PLACEHOLDER.findall(form)) == expected, message.id


def test_compiled_catalogue_is_current():
    with open(CATALOGUE / "messages.mo", "rb") as f:
        compiled = {_forms(m.id): _forms(m.string) for m in read_mo(f) if m.id}
    written = {_forms(m.id): _forms(m.string) for m in _po() if m.id and m.string}
    assert compiled == written, "run scripts/translations compile"
