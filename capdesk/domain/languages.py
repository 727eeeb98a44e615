"""The languages capdesk writes alt text in, and how a person names them.

Declared once at the bottom of the layers so the engine (which decoders to run), the
exporters (``xml:lang`` of each XMP entry, ``dir`` in HTML, file and column suffixes), the
command line (``--lang en,zh,de,ar``) and the app's language tabs agree on codes, names and
writing direction. A model folder may describe its own languages in its manifest; the four
known ones here are what capdesk's own models ship and what a code is checked against
when no model is at hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Direction = Literal["ltr", "rtl"]
DIRECTIONS: tuple[Direction, ...] = ("ltr", "rtl")


class LanguageError(ValueError):
    """A language list or code that cannot be used; the message names what can."""


@dataclass(frozen=True)
class Language:
    """One output language.

    ``code`` is the short name used on the command line, in file names (``photo.zh.txt``)
    and in column names (``caption_zh``); ``xml_lang`` is the BCP 47 tag written into
    XMP's ``xml:lang`` and HTML's ``lang`` (``zh-Hans``: capdesk's Chinese models write
    simplified characters); ``direction`` is ``rtl`` for Arabic, so editors and pages lay
    the text out right to left.
    """

    code: str
    name: str
    native_name: str
    xml_lang: str
    direction: Direction = "ltr"

    def __post_init__(self) -> None:
        if not self.code or self.code != self.code.strip().lower() or "," in self.code:
            raise LanguageError(f"a language code is short lower-case text, not {self.code!r}")
        if self.direction not in DIRECTIONS:
            raise LanguageError(
                f"direction of {self.code} must be 'ltr' or 'rtl', not {self.direction!r}"
            )

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"

    @property
    def label(self) -> str:
        """"Chinese (中文)" — the name people of both languages recognise."""
        if self.native_name and self.native_name != self.name:
            return f"{self.name} ({self.native_name})"
        return self.name

    @classmethod
    def from_mapping(cls, entry: Mapping[str, Any]) -> Language:
        """A manifest's language entry (``code`` required; the rest falls back to the known
        language of that code, so a minimal ``{"code": "de"}`` still names German)."""
        code = str(entry["code"]).strip().lower()
        known = LANGUAGES_BY_CODE.get(code)
        name = str(entry.get("name") or (known.name if known else code))
        return cls(
            code=code,
            name=name,
            native_name=str(entry.get("native_name") or (known.native_name if known else name)),
            xml_lang=str(entry.get("xml_lang") or (known.xml_lang if known else code)),
            direction=entry.get("direction") or (known.direction if known else "ltr"),
        )


ENGLISH = Language("en", "English", "English", "en", "ltr")
CHINESE = Language("zh", "Chinese", "中文", "zh-Hans", "ltr")
GERMAN = Language("de", "German", "Deutsch", "de", "ltr")
ARABIC = Language("ar", "Arabic", "العربية", "ar", "rtl")

KNOWN_LANGUAGES: tuple[Language, ...] = (ENGLISH, CHINESE, GERMAN, ARABIC)
LANGUAGES_BY_CODE: Mapping[str, Language] = {lang.code: lang for lang in KNOWN_LANGUAGES}
DEFAULT_LANGUAGE = ENGLISH
"""The language of a format-1 model folder and of every result made before issue 21."""


def describe_languages(languages: Iterable[Language]) -> str:
    """"en (English), zh (Chinese)" — for error messages that say what is available."""
    return ", ".join(f"{lang.code} ({lang.name})" for lang in languages)


def find_language(tag: str, available: Sequence[Language] = KNOWN_LANGUAGES) -> Language | None:
    """The language named by a code (``zh``) or an ``xml:lang`` tag (``zh-Hans``, any
    case), or None. Reading alt text back maps XMP ``xml:lang`` tags this way."""
    wanted = tag.strip().lower()
    for lang in available:
        if wanted in (lang.code, lang.xml_lang.lower()):
            return lang
    return None


def parse_language_list(
    text: str | Sequence[str | Language], available: Sequence[Language] | None = None
) -> tuple[Language, ...]:
    """``"en,zh,de,ar"`` (or a sequence of codes or Languages) → the languages, in order.

    Codes or ``xml:lang`` tags, any case, spaces ignored. ``available`` (a model's
    languages) restricts the choice and is what an error names; without it the known
    languages are used. Raises :class:`LanguageError` for an empty list, an unknown code
    or a code listed twice, with a message a command-line user can act on.
    """
    choices = tuple(available) if available is not None else KNOWN_LANGUAGES
    parts = text.split(",") if isinstance(text, str) else list(text)
    codes = [part.code if isinstance(part, Language) else str(part).strip() for part in parts]
    if not any(codes):
        raise LanguageError(
            f"no language given; choose one or more of {describe_languages(choices)}"
        )
    if "" in codes:
        raise LanguageError(f"empty entry in the language list {text!r} (a stray comma?)")
    chosen: list[Language] = []
    for code in codes:
        lang = find_language(code, choices)
        if lang is None:
            known = find_language(code)
            if available is not None and known is not None:
                problem = f"{known.name} ({code}) is not in this model"
            else:
                problem = f"unknown language {code!r}"
            where = "this model has" if available is not None else "capdesk knows"
            raise LanguageError(f"{problem}; {where} {describe_languages(choices)}")
        if lang in chosen:
            raise LanguageError(f"language {lang.code} is listed twice in {text!r}")
        chosen.append(lang)
    return tuple(chosen)
