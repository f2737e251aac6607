"""Korean and English console text through gettext catalogs (Babel).

The .po files under web/locale are the source; they are compiled in memory at
start-up, so there is no build step and no binary in the repository.
Extract new strings with
`pybabel extract -F babel.cfg -k gettext:2 --no-location --omit-header -o web/locale/messages.pot .`
and `pybabel update -i web/locale/messages.pot -d web/locale`.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
SUPPORTED = ("ko", "en")
DEFAULT = "ko"


@cache
def translations(locale: str) -> NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return NullTranslations()  # English is the source language
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def locale_from_accept_language(header: str) -> str:
    preferred = []
    for part in (header or "").split(","):
        tag = part.split(";")[0].strip()
        if tag:
            preferred.append(tag.replace("-", "_"))
    return negotiate_locale(preferred, SUPPORTED, sep="_") or (
        next((p.split("_")[0] for p in preferred if p.split("_")[0] in SUPPORTED), DEFAULT)
    )


def choose_locale(operator_locale: str | None, accept_language: str) -> str:
    """The operator's own choice, else the browser's language, else Korean."""
    if operator_locale in SUPPORTED:
        return operator_locale
    return locale_from_accept_language(accept_language)


def language_name(locale: str) -> str:
    return Locale.parse(locale).get_display_name(locale)
