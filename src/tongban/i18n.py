"""Translations (Babel message catalogs): English msgids, a complete zh-CN catalog, zh-CN by default."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

CATALOG_DIR = Path(__file__).parent / "translations"
DEFAULT_LANGUAGE = "zh-CN"
SUPPORTED = ("zh-CN", "en")


@cache
def _catalog(language: str) -> dict[str, str]:
    if language == "en":
        return {}
    merged: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / language.replace("-", "_") / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=language.replace("-", "_"))
        merged.update({str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy})
    return merged


def translations(language: str) -> dict[str, str]:
    """msgid → translation for a language (empty for English)."""
    return _catalog(language if language in SUPPORTED else DEFAULT_LANGUAGE)


class Msg(str):
    """A parameter value that is itself a msgid (translated too); plain strings are user data and left alone."""


def gettext(language: str, msgid: str, **params: Any) -> str:
    """Translate ``msgid`` and fill in ``params``; unknown msgids fall back to English."""
    text = translations(language).get(msgid, msgid)
    if params:
        try:
            return text.format(**{k: gettext(language, v) if isinstance(v, Msg) else v for k, v in params.items()})
        except (KeyError, IndexError, ValueError):
            return text
    return text

