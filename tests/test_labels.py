"""labels.py: every member of every enum has its words, and the words are Chinese in Chinese."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from registrar import PACKAGE_DIR, labels, models

CATALOGUE = PACKAGE_DIR / "translations" / "zh_Hant" / "LC_MESSAGES" / "messages.po"

ENUMS = [
    value
    for value in vars(models).values()
    if isinstance(value, type)
    and issubclass(value, enum.Enum)
    and value.__module__ == models.__name__
]
MAPS = {
    name: value
    for name, value in vars(labels).items()
    if name.isupper() and isinstance(value, dict) and value
}
# Words that are the same in every language on purpose: each language named in itself, and the
# badge's channel codes, read across a desk by any kind of guest.
UNTRANSLATED = {"English", "中文", "EN", "中", "日", "한", "ES", "FR"}


def _enum_of(labels_map: dict) -> type[enum.Enum]:
    (kind,) = {type(key) for key in labels_map}
    return kind


def _msgids() -> dict[str, str]:
    with Path(CATALOGUE).open("rb") as po:
        catalogue = read_po(po, locale="zh_Hant")
    return {message.id: message.string for message in catalogue if message.id}


def test_every_enum_of_the_models_has_a_screen_label_map():
    covered = {_enum_of(labels_map) for labels_map in MAPS.values()}
    assert {kind.__name__ for kind in ENUMS} - {kind.__name__ for kind in covered} == set()


@pytest.mark.parametrize("name", sorted(MAPS))
def test_every_member_has_a_label_in_each_map_of_its_enum(name):
    labels_map = MAPS[name]
    kind = _enum_of(labels_map)
    assert kind in ENUMS, f"{name} is keyed by {kind}, not an enum of models.py"
    assert set(labels_map) == set(kind)
    assert all(str(label).strip() for label in labels_map.values())


@pytest.mark.parametrize("name", sorted(MAPS))
def test_every_label_is_translated_in_the_catalogue(name):
    translations = _msgids()
    for member, label in MAPS[name].items():
        if isinstance(label, str):
            assert label in UNTRANSLATED, f"{name}[{member}] is not in the catalogue"
            continue
        msgid = label._args[0]
        assert translations.get(msgid), f"{name}[{member}]: {msgid!r} has no Chinese"
        assert translations[msgid] != msgid or msgid in UNTRANSLATED


def test_labels_speak_chinese_in_a_chinese_page(app):
    with force_locale("zh_Hant"):
        assert str(labels.VERDICT_LABELS[models.Verdict.OK]) == "報到成功"
        assert str(labels.CATEGORY_LABELS[models.Category.VIP]) == "貴賓"
        assert (
            str(labels.CHANNEL_LABELS[models.Channel.FLOOR]) != "Floor language, no receiver needed"
        )
    with force_locale("en"):
        assert str(labels.VERDICT_LABELS[models.Verdict.OK]) == "Checked in"


def test_each_language_is_named_in_itself():
    assert labels.LANGUAGE_LABELS == {
        models.Language.EN: "English",
        models.Language.ZH_HANT: "中文",
    }
