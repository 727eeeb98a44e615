"""Sidecar text files and the HTML page/snippet."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    ExportError,
    html_text,
    read_sidecar,
    sidecar_path,
    write_html,
    write_sidecar,
)


@pytest.mark.parametrize("ext", ["txt", "caption"])
def test_sidecar_round_trip(tmp_path: Path, ext: str) -> None:
    image = tmp_path / "IMG 0001.JPG"
    written = write_sidecar(image, "Café 漢字 😀", ext)  # type: ignore[arg-type]
    assert written == tmp_path / f"IMG 0001.{ext}"
    assert written.read_bytes() == "Café 漢字 😀\n".encode()
    assert read_sidecar(image) == "Café 漢字 😀"


def test_sidecar_in_output_folder_and_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    written = write_sidecar(tmp_path / "a.png", "two\nlines ", "caption", folder=out)
    assert written == out / "a.caption"
    assert written.read_text(encoding="utf-8") == "two lines\n"


def test_read_sidecar_handles_bom_and_order(tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    assert read_sidecar(image) is None
    (tmp_path / "a.caption").write_bytes("\ufeffvia caption\r\n".encode())
    assert read_sidecar(image) == "via caption"
    (tmp_path / "a.txt").write_text("   \n", encoding="utf-8")
    assert read_sidecar(image) == "via caption"  # empty .txt doesn't count
    (tmp_path / "a.txt").write_text("via txt", encoding="utf-8")
    assert read_sidecar(image) == "via txt"


def test_sidecar_never_overwrites_the_image(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="sidecar extension"):
        sidecar_path(tmp_path / "a.jpg", "md")  # type: ignore[arg-type]
    image = tmp_path / "notes.txt"
    image.write_text("precious", encoding="utf-8")
    with pytest.raises(ExportError, match="overwrite the image"):
        write_sidecar(image, "x", "txt")
    assert image.read_text(encoding="utf-8") == "precious"


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs))


NASTY = [
    CaptionRecord(Path("/site/img/a & b.jpg"), 'He said "hi" & <script>alert(1)</script>'),
    CaptionRecord(Path("/site/img/50% #1?.png"), "It's   fine\nreally"),
    CaptionRecord(Path("/site/img/été.webp"), "Café 漢字 😀"),
]


@pytest.mark.parametrize("mode", ["page", "snippet"])
def test_html_escapes_and_parses_back(mode: str) -> None:
    text = html_text(NASTY, Path("/site"), mode=mode)  # type: ignore[arg-type]
    assert "<script>" not in text
    parser = _Images()
    parser.feed(text)
    assert [img["alt"] for img in parser.images] == [
        'He said "hi" & <script>alert(1)</script>',
        "It's fine really",
        "Café 漢字 😀",
    ]
    assert [img["src"] for img in parser.images] == [
        "img/a%20%26%20b.jpg",
        "img/50%25%20%231%3F.png",
        "img/%C3%A9t%C3%A9.webp",
    ]
    if mode == "page":
        assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    else:
        assert "<html" not in text and text.count("\n") == 3


def test_html_src_relative_outside_and_substitutes(tmp_path: Path) -> None:
    record = CaptionRecord(tmp_path / "photos" / "a.jpg", "x")
    (tmp_path / "export").mkdir()
    dest = write_html([record], tmp_path / "export" / "index.html", mode="snippet")
    assert dest.read_text(encoding="utf-8") == '<img src="../photos/a.jpg" alt="x">\n'
    copy = tmp_path / "export" / "copies" / "a.jpg"
    text = html_text([record], tmp_path / "export", mode="snippet", images={record.path: copy})
    assert text == '<img src="copies/a.jpg" alt="x">\n'
    with pytest.raises(ValueError, match="mode"):
        html_text([record], None, mode="table")  # type: ignore[arg-type]
    assert html_text([record], None, mode="snippet").startswith('<img src="file:///')
