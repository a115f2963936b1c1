"""The visa invitation letter as a PDF: one A4 page in English and in Chinese, on the event's
letterhead, with the guest's passport details, the purpose and dates of the visit, the
signatory, and the verification code and its URL. Drawn from the facts the letter keeps
(VisaLetter.facts), so that downloading it again gives the letter as issued. In the badge font
(services/badges/typeset.py), cut to the characters printed.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from ...models import VisaLetter
from ..badges.typeset import PT, BadgePDF, document, draw_text, wrap_lines
from .letters import code_of, verification_url

A4_W, A4_H = 210.0, 297.0
_MARGIN = 22.0
_TEXT_W = A4_W - 2 * _MARGIN
_INK = (29, 42, 51)
_MUTED = (91, 107, 117)
_BRAND = (11, 110, 79)

_TITLE = _l("Visa invitation letter")
_DEAR = _l("To whom it may concern,")
_BODY = _l(
    "We are pleased to invite %(name)s, a national of %(nationality)s, holder of passport "
    "number %(number)s, born on %(birth)s, to attend %(event)s, held at %(venue)s from "
    "%(start)s to %(end)s, as our guest."
)
_BODY_ONE_DAY = _l(
    "We are pleased to invite %(name)s, a national of %(nationality)s, holder of passport "
    "number %(number)s, born on %(birth)s, to attend %(event)s, held at %(venue)s on "
    "%(start)s, as our guest."
)
_PURPOSE = _l(
    "The purpose of the visit is to take part in this event. We kindly ask the competent "
    "authorities to grant the visa needed for it."
)
_VERIFY = _l(
    "This letter can be checked at the address below, with the verification code printed here."
)
_DATE = _l("Date")
_CODE = _l("Verification code")
_URL = _l("Verify at")


def _in(locale: str, message: LazyString, **params: str) -> str:
    with force_locale(locale):
        return str(message) % params if params else str(message)


def _day(day: str, locale: str) -> str:
    moment = date.fromisoformat(day)
    if locale == "zh_Hant":
        return f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{moment.day} {moment:%B} {moment.year}"


def _body(facts: dict[str, str], locale: str) -> str:
    suffix = "zh" if locale == "zh_Hant" else "en"
    other = "en" if suffix == "zh" else "zh"
    one_day = facts["starts_on"] == facts["ends_on"]
    return _in(
        locale,
        _BODY_ONE_DAY if one_day else _BODY,
        name=facts["name"],
        nationality=facts["nationality"],
        number=facts["number"],
        birth=_day(facts["birth_date"], locale),
        event=facts[f"title_{suffix}"] or facts[f"title_{other}"],
        venue=facts[f"venue_{suffix}"] or facts[f"venue_{other}"],
        start=_day(facts["starts_on"], locale),
        **({} if one_day else {"end": _day(facts["ends_on"], locale)}),
    )


def letter_pdf(letter: VisaLetter) -> bytes:
    facts = letter.facts
    code, url = code_of(letter), verification_url(letter)
    # (text, size, colour, bold, lines wide at most, space before in mm)
    parts: list[tuple[str, float, tuple[int, int, int], bool, int, float]] = [
        (facts["letter_organizer_en"], 15, _BRAND, True, 2, 0),
        (facts["letter_organizer_zh"], 15, _BRAND, True, 2, 1),
        (facts["letter_address_en"], 9, _MUTED, False, 2, 1),
        (facts["letter_address_zh"], 9, _MUTED, False, 2, 0),
    ]
    parts += [
        (f"{_in('en', _TITLE)} · {_in('zh_Hant', _TITLE)}", 17, _INK, True, 2, 12),
        (
            f"{_in('en', _DATE)}: {_day(facts['issued_on'], 'en')} · "
            f"{_in('zh_Hant', _DATE)}：{_day(facts['issued_on'], 'zh_Hant')}",
            10,
            _MUTED,
            False,
            1,
            4,
        ),
    ]
    for locale in ("en", "zh_Hant"):
        parts += [
            (_in(locale, _DEAR), 11, _INK, False, 1, 8),
            (_body(facts, locale), 11, _INK, False, 8, 3),
            (_in(locale, _PURPOSE), 11, _INK, False, 4, 3),
        ]
    parts += [
        (facts["letter_signatory"], 12, _INK, True, 1, 18),
        (facts["letter_signatory_title_en"], 10, _MUTED, False, 2, 1),
        (facts["letter_signatory_title_zh"], 10, _MUTED, False, 2, 0),
        (f"{_in('en', _VERIFY)} {_in('zh_Hant', _VERIFY)}", 9, _MUTED, False, 3, 14),
        (f"{_in('en', _CODE)} · {_in('zh_Hant', _CODE)}: {code}", 10, _INK, True, 1, 2),
        (f"{_in('en', _URL)} · {_in('zh_Hant', _URL)}: {url}", 9, _INK, False, 2, 1),
    ]
    texts = [text for text, *_rest in parts]
    title = f"{_in('en', _TITLE)} – {facts['name']}"
    with document([*texts, title], title, unit="mm", format="A4") as pdf:
        pdf.add_page()
        _draw(pdf, parts)
        return bytes(pdf.output())


def _draw(
    pdf: BadgePDF, parts: list[tuple[str, float, tuple[int, int, int], bool, int, float]]
) -> None:
    y = _MARGIN
    for index, (text, size, colour, bold, most, before) in enumerate(parts):
        if not text:
            continue
        y += before
        step = size * PT * 1.45
        for line in wrap_lines(pdf, text, _TEXT_W, size, most):
            y += step
            draw_text(pdf, line, _MARGIN, y - step * 0.25, size, colour, bold)
        if index == 3:  # under the letterhead, a rule
            pdf.set_draw_color(*_BRAND)
            pdf.set_line_width(0.4)
            pdf.line(_MARGIN, y + 3, A4_W - _MARGIN, y + 3)
