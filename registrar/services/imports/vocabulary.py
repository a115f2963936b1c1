"""The import's words: the columns, and the headers, categories and languages it understands."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from ...models import Category, Guest, Language, column_length

# The columns, in the order the template has them. Their names in the template are these keys.
FIELDS = (
    "name_en",
    "name_zh",
    "email",
    "organization",
    "title",
    "category",
    "language",
    "precedence",
)
TEXT_FIELDS = ("name_en", "name_zh", "organization", "title")
# Columns of a file besides the guest's own fields: the sessions guests choose (an event with
# such sessions; checking.read_sessions), which the bulk API's records do not have.
SESSIONS = "sessions"
COLUMNS = (*FIELDS, SESSIONS)

FIELD_LABELS = {
    "name_en": _l("Name in English"),
    "name_zh": _l("Name in Chinese"),
    "email": _l("E-mail"),
    "organization": _l("Organization"),
    "title": _l("Job title"),
    "category": _l("Category"),
    "language": _l("Language"),
    "precedence": _l("Precedence"),
    "sessions": _l("Sessions"),
}

# Header names accepted besides the keys themselves: English and Chinese, compared by word_key().
_HEADER_ALIASES = {
    "name_en": ["english name", "name in english", "name (english)", "name (en)", "英文姓名",
                "英文名", "英文名字", "姓名(英文)", "外文姓名"],
    "name_zh": ["chinese name", "name in chinese", "name (chinese)", "name (zh)", "中文姓名",
                "中文名", "中文名字", "姓名(中文)"],
    "email": ["e-mail", "email address", "e-mail address", "mail", "電子郵件", "電子郵件地址",
              "電子信箱", "電子郵箱", "信箱", "電郵", "email信箱"],
    "organization": ["organisation", "org", "affiliation", "institution", "company", "單位",
                     "服務單位", "所屬單位", "機關", "機關單位", "機構", "組織", "公司"],
    "title": ["job title", "position", "職稱", "職位", "頭銜"],
    "category": ["type", "guest type", "類別", "來賓類別", "身分", "身份", "身分別"],
    "language": ["lang", "preferred language", "語言", "偏好語言", "使用語言"],
    "precedence": ["rank", "order of precedence", "protocol order", "禮賓順序", "順位", "排序"],
    "sessions": ["session", "sessions chosen", "場次", "選擇場次", "參加場次"],
}  # fmt: skip

# Category words accepted besides the values: the badge's labels in both languages and the
# words organizers use for them.
_CATEGORY_WORDS = {
    Category.SPEAKER: ["speakers", "panelist", "panellist", "與談人", "講者", "主講人", "演講者"],
    Category.MODERATOR: ["chair", "主持人"],
    Category.VIP: ["貴賓"],
    Category.DELEGATE: ["participant", "attendee", "與會代表", "代表", "與會者", "參加者"],
    Category.PRESS: ["media", "journalist", "媒體", "記者"],
    Category.STAFF: ["工作人員", "職員"],
}

_LANGUAGE_WORDS = {
    Language.EN: ["english", "eng", "en-US", "en-GB", "英文", "英語"],
    Language.ZH_HANT: ["zh", "zh-TW", "zh-Hant-TW", "chinese", "中文", "繁體中文", "繁中", "華語"],
}


def word_key(text: str) -> str:
    """How a header or a word is compared: width-folded, case-folded, without spacing marks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in text if c not in " \t_-–—.()[]:/*'\"")


_Target = TypeVar("_Target", bound=str)


def _lookup(words: Mapping[_Target, Iterable[str]]) -> dict[str, _Target]:
    table: dict[str, _Target] = {}
    for target, aliases in words.items():
        for word in [str(target), *aliases]:
            table[word_key(word)] = target
    return table


# The column a rows-with-errors file adds (under this heading), and the headings read as it: a
# corrected file comes back with it, and the import reads past it.
REASON_COLUMN = "reason"
IGNORED_HEADERS = frozenset(word_key(w) for w in (REASON_COLUMN, "reasons", "原因", "錯誤原因"))

HEADERS = _lookup({name: _HEADER_ALIASES[name] for name in COLUMNS})
CATEGORIES = _lookup(_CATEGORY_WORDS)
LANGUAGES = _lookup(_LANGUAGE_WORDS)

COLUMN_LENGTHS = {name: column_length(Guest, name) for name in TEXT_FIELDS}
