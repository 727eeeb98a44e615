"""Reading alt text out of a raw XMP packet, independently of the library that wrote it.

exiv2 (through pyexiv2) can hand back lang-alt values, but it flattens them into one
``lang="x" text, lang="y" text`` string that a caption containing ``, lang="`` would
split wrongly. Parsing the packet with the standard library's XML parser is exact, and
lets :func:`capdesk.export.alt_text.read_alt_text` keep other languages when it rewrites
the ``x-default`` entry.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from capdesk.domain.languages import KNOWN_LANGUAGES, Language, find_language

log = logging.getLogger(__name__)

NS_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_IPTC_CORE = "http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/"
NS_XML = "http://www.w3.org/XML/1998/namespace"

ALT_TEXT = f"{{{NS_IPTC_CORE}}}AltTextAccessibility"
DESCRIPTION = f"{{{NS_DC}}}description"
#: IPTC "Extended Description (Accessibility)": the full text read in the photo when it
#: did not fit the short alt text.
EXTENDED_DESCRIPTION = f"{{{NS_IPTC_CORE}}}ExtDescrAccessibility"

X_DEFAULT = "x-default"


def lang_alt_values(packet: str, prop: str) -> dict[str, str]:
    """All languages of a lang-alt property (``{"x-default": ..., "de": ...}``), or ``{}``.

    ``prop`` is an ElementTree name such as :data:`ALT_TEXT`. Both the element form
    (``<p><rdf:Alt><rdf:li xml:lang=..>``) and the attribute shorthand
    (``<rdf:Description p="text">``, which means x-default) are understood. A packet that
    isn't well-formed XML gives ``{}`` and a debug log line: alt text is optional.
    """
    text = packet.strip().strip("\x00")
    if not text:
        return {}
    if "<!ENTITY" in text or "<!DOCTYPE" in text:
        log.debug("XMP packet with a DTD ignored (XMP forbids them; entity expansion risk)")
        return {}
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as exc:
        log.debug("unreadable XMP packet: %s", exc)
        return {}
    values: dict[str, str] = {}
    for description in root.iter(f"{{{NS_RDF}}}Description"):
        shorthand = description.get(prop)
        if shorthand is not None:
            values.setdefault(X_DEFAULT, shorthand)
        for element in description.iter(prop):
            alt = element.find(f"{{{NS_RDF}}}Alt")
            if alt is None:
                if element.text and element.text.strip():
                    values.setdefault(X_DEFAULT, element.text)
                continue
            for item in alt.findall(f"{{{NS_RDF}}}li"):
                lang = item.get(f"{{{NS_XML}}}lang", X_DEFAULT)
                values.setdefault(lang, item.text or "")
    return values


def preferred_value(values: dict[str, str]) -> str | None:
    """The ``x-default`` entry, else the first language present; None for no non-empty one."""
    for candidate in (values.get(X_DEFAULT), *values.values()):
        if candidate is not None and candidate.strip():
            return candidate
    return None


def alt_text_in_packet(packet: str) -> str | None:
    """The alt text a packet carries: IPTC AltTextAccessibility, else dc:description."""
    return preferred_value(lang_alt_values(packet, ALT_TEXT)) or preferred_value(
        lang_alt_values(packet, DESCRIPTION)
    )


def extended_description_in_packet(packet: str) -> str | None:
    """The IPTC Extended Description (Accessibility) a packet carries, or None."""
    return preferred_value(lang_alt_values(packet, EXTENDED_DESCRIPTION))


def alt_texts_in_packet(packet: str) -> dict[str, str]:
    """Every language of the alt text a packet carries (``{"x-default": .., "zh-Hans": ..}``,
    non-empty entries, in the packet's order): IPTC AltTextAccessibility, else
    dc:description; ``{}`` without either."""
    for prop in (ALT_TEXT, DESCRIPTION):
        values = lang_alt_values(packet, prop)
        values = {lang: text for lang, text in values.items() if text.strip()}
        if values:
            return values
    return {}


def texts_by_language(
    values: Mapping[str, str], languages: tuple[Language, ...] = KNOWN_LANGUAGES
) -> dict[str, str]:
    """Lang-alt values keyed by language code (``{"zh": ..}``) for the ``languages``
    given, matched case-insensitively (files say ``zh-hans``: exiv2, the XMP Toolkit and
    exiftool write tags in lower case); ``x-default`` and other tags are left out."""
    found: dict[str, str] = {}
    for tag, text in values.items():
        lang = find_language(tag, languages) if tag != X_DEFAULT else None
        if lang is not None:
            found.setdefault(lang.code, text)
    return found
