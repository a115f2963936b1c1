"""Language and time zone of each request, and the helpers templates use for bilingual content."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from babel.dates import get_timezone, get_timezone_location
from flask import Flask, g, request, session
from flask_babel import force_locale, format_date, format_time, get_locale, get_translations
from flask_babel import gettext as _
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from . import labels
from .extensions import babel
from .models import Channel, Event

LANGUAGES = ("en", "zh_Hant")
# Keyed by Language, which is a str: templates look a name up by the code as well.
LANGUAGE_NAMES = labels.LANGUAGE_LABELS


def select_locale() -> str:
    """?lang= (remembered in the session), then the guest's language, then the browser's."""
    if request:
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            session["lang"] = asked
            return asked
        if session.get("lang") in LANGUAGES:
            return str(session["lang"])
    guest_language = g.get("guest_language")
    if guest_language in LANGUAGES:
        return str(guest_language)
    if request:
        best = request.accept_languages.best_match(["en", "zh-TW", "zh-Hant", "zh"])
        if best and best.startswith("zh"):
            return "zh_Hant"
    return "en"


def select_timezone() -> str | None:
    zone: str | None = g.get("timezone")
    return zone


def is_chinese() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def in_both(message: object) -> dict[str, str]:
    """A catalogue message (a lazy string) in each language, keyed by the language's code."""
    texts = {}
    for code in LANGUAGES:
        with force_locale(code):
            texts[code] = str(message)
    return texts


def bilingual(obj: object, field: str) -> str:
    """The `field_zh` or `field_en` of obj in the page's language, else the other one."""
    first, second = ("zh", "en") if is_chinese() else ("en", "zh")
    text: str = getattr(obj, f"{field}_{first}", "") or getattr(obj, f"{field}_{second}", "")
    return text


def other_script(obj: object, field: str) -> str:
    """The same name in the other script, when it differs (shown beside the first)."""
    shown = bilingual(obj, field)
    for suffix in ("en", "zh"):
        value: str = getattr(obj, f"{field}_{suffix}", "")
        if value and value != shown:
            return value
    return ""


def template_gettext() -> Callable[..., str]:
    """The templates' gettext (what `_()` calls) in the current locale, its translations looked
    up once: Flask-Babel's looks them up again for every text, and an e-mail has some fifty.
    For one render; it does as Jinja's own: the text translated, then formatted with the
    variables, escaped first in an HTML template."""
    translations = get_translations()

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        text = translations.gettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return gettext


def datetime_long(value: datetime) -> str:
    """A date and a 24-hour time in the page's language and the event's zone."""
    return f"{format_date(value, 'long')} {format_time(value, 'HH:mm')}"


def date_long(value: date) -> str:
    """A day in the page's language ("31 December 2026", "2026年12月31日"), in no zone."""
    return format_date(value, "long")


def zone_name(event: Event) -> str:
    """The event's time zone as a guest reads it beside a time: "Taipei time", "台北時間"."""
    city = get_timezone_location(
        get_timezone(event.timezone), locale=get_locale() or "en", return_city=True
    )
    return _("%(city)s time", city=city)


def upper_first(text: str) -> str:
    """Text that may begin a sentence ("the City of Kaohsiung, ...") as it begins a line."""
    return text[:1].upper() + text[1:]


def interpretation(event: Event) -> str:
    """The event's interpretation in words, from the channels it offers."""
    offered = [channel for channel in event.offered_channels if channel != Channel.FLOOR]
    if not offered:
        return _("No simultaneous interpretation")
    names = " ↔ ".join(str(labels.CHANNEL_LABELS[channel]) for channel in offered)
    return _("Simultaneous interpretation: %(languages)s", languages=names)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["datetime_long"] = datetime_long
    app.jinja_env.filters["date_long"] = date_long
    app.jinja_env.filters["zone_name"] = zone_name
    app.jinja_env.filters["interpretation"] = interpretation
    app.jinja_env.filters["upper_first"] = upper_first
    app.jinja_env.globals.update(
        bi=bilingual,
        other_script=other_script,
        is_chinese=is_chinese,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        labels=labels,
        LANGUAGES=LANGUAGES,
    )
