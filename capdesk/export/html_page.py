"""An HTML page, or a snippet to paste into a CMS, with one ``<img src alt>`` per image.

The page shows each caption under its photo too (``<figure>`` with a ``<figcaption>``):
someone checking an export sees the words without opening the page's source. The
figcaption repeats the alt text word for word, so it is ``aria-hidden``: a screen reader
says the caption once, from ``alt``. The snippet stays bare ``<img>`` lines for a CMS.

Alt text and file names come from users and models, so both are escaped: ``html.escape``
with ``quote=True`` for attribute values (``& < > " '``), and the ``src`` is first
percent-encoded as a URL so spaces, ``#`` and ``?`` in file names don't break the link.
``src`` is relative to the page's folder, so page and images can be moved or uploaded
together; only across Windows drives, where no relative path exists, is it a ``file://`` URL.

With captions in several languages the ``<img>`` carries the first language's alt text
with its ``lang`` and ``dir`` (a screen reader then reads Arabic with an Arabic voice, and
browsers lay it out right to left), and the page shows every language's caption under the
image, each in a ``<p>`` with its own ``lang`` and ``dir`` (the first ``aria-hidden``, as it
repeats the alt). English-only records give the markup they always gave.
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from capdesk.domain.records import CaptionRecord, LanguageText
from capdesk.export.atomic import atomic_write_bytes

log = logging.getLogger(__name__)

HtmlMode = Literal["page", "snippet"]
_HIDDEN = ' aria-hidden="true"'


def image_src(image: Path, page_folder: Path | None) -> str:
    """The ``src`` URL of ``image`` as seen from a page saved in ``page_folder``."""
    absolute = image.absolute()
    if page_folder is not None:
        try:
            relative = Path(os.path.relpath(absolute, page_folder.absolute()))
        except ValueError:  # another drive on Windows
            relative = None
        if relative is not None:
            return quote(relative.as_posix(), safe="/")
    return absolute.as_uri()


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _languages(record: CaptionRecord) -> tuple[LanguageText, ...]:
    """The record's languages when it names any but English alone, else ()."""
    texts = record.texts
    return () if [t.language.code for t in texts] in ([], ["en"]) else texts


def img_tag(record: CaptionRecord, page_folder: Path | None, *, image: Path | None = None) -> str:
    """One ``<img>`` element; ``image`` overrides ``record.path`` (an exported copy)."""
    src = image_src(image if image is not None else record.path, page_folder)
    alt = " ".join(record.caption.split())
    languages = _languages(record)
    where = ""
    if languages:
        first = languages[0].language
        where = f' lang="{_attr(first.xml_lang)}" dir="{first.direction}"'
    return f'<img src="{_attr(src)}"{where} alt="{_attr(alt)}">'


def _item(record: CaptionRecord, tag: str) -> str:
    """A page's list item: the image and its caption shown under it; with several
    languages, each language's caption with its own ``lang`` and ``dir``. The caption
    that repeats the alt text is ``aria-hidden`` (a screen reader says it once, from
    ``alt``); the further languages are read."""
    languages = _languages(record)
    if not languages:
        shown = html.escape(" ".join(record.caption.split()))
        return f'<li><figure>{tag}<figcaption{_HIDDEN}>{shown}</figcaption></figure></li>\n'
    captions = "".join(
        f'<p lang="{_attr(t.language.xml_lang)}" dir="{t.language.direction}"'
        f"{_HIDDEN if index == 0 else ''}>"
        f"{html.escape(' '.join(t.caption.split()))}</p>"
        for index, t in enumerate(languages)
    )
    return f"<li><figure>{tag}<figcaption>{captions}</figcaption></figure></li>\n"


def html_text(
    records: Iterable[CaptionRecord],
    page_folder: Path | None,
    *,
    mode: HtmlMode = "page",
    title: str = "Captions",
    images: dict[Path, Path] | None = None,
    lang: str = "en",
) -> str:
    """The page (``mode="page"``) or just the ``<img>`` lines (``mode="snippet"``).

    ``images`` maps a record's path to the file the page should show instead (the copy
    with embedded alt text when exporting to an output folder).
    """
    substitutes = images or {}
    items = list(records)
    tags = [img_tag(record, page_folder, image=substitutes.get(record.path)) for record in items]
    if mode == "snippet":
        return "".join(tag + "\n" for tag in tags)
    if mode != "page":
        raise ValueError(f"html mode must be 'page' or 'snippet', not {mode!r}")
    body = "".join(_item(record, tag) for record, tag in zip(items, tags, strict=True))
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(lang, quote=True)}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        "<style>ul{list-style:none;padding:0}figure{margin:0 0 1.5em}"
        "img{max-width:100%;height:auto}figcaption{margin-top:.3em}</style>\n"
        "</head>\n"
        "<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<ul>\n{body}</ul>\n"
        "</body>\n"
        "</html>\n"
    )


def write_html(
    records: Iterable[CaptionRecord],
    dest: Path,
    *,
    mode: HtmlMode = "page",
    title: str = "Captions",
    images: dict[Path, Path] | None = None,
) -> Path:
    """Write :func:`html_text` to ``dest`` atomically, ``src`` relative to ``dest``'s folder."""
    text = html_text(records, dest.parent, mode=mode, title=title, images=images)
    atomic_write_bytes(dest, text.encode("utf-8"))
    log.info("wrote HTML %s", dest)
    return dest
