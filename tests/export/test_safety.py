"""export_records refuses what the person did not ask for; plan_export says so in advance.

Issue 17, item 9: copies never land on the originals, existing files are replaced only
with ``replace_existing``, and an in-place export is countable before it starts. The
photos' bytes are hashed before and after every refusal; exiftool reads what was written.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    COPY_FOLDER_NAME,
    ExportOptions,
    ExportRefused,
    default_destination,
    export_records,
    parse_formats,
    plan_export,
    read_jsonl,
)
from tests.support.originals import exiftool_alt_text, sha256_tree

pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")


@pytest.fixture
def album(tmp_path: Path, photo: Callable[..., Path]) -> list[CaptionRecord]:
    """Three photos in tmp_path: one reviewed, one edited, one nobody looked at."""
    return [
        CaptionRecord(photo("jpg", name="a"), "A dog", reviewed=True),
        CaptionRecord(photo("png", name="b"), "A cat on a mat", edited=True),
        CaptionRecord(photo("webp", name="c"), "A bird", score=-0.3),
    ]


def test_copies_into_the_photos_own_folder_are_refused(
    album: list[CaptionRecord], tmp_path: Path
) -> None:
    before = sha256_tree(tmp_path)
    for folder in (tmp_path, tmp_path / "x" / ".."):
        options = ExportOptions(
            parse_formats("alt-text,sidecar,csv"), output_dir=folder, replace_existing=True
        )
        plan = plan_export(album, options)
        assert [p.name for p in plan.onto_inputs] == ["a.jpg", "b.png", "c.webp"]
        with pytest.raises(ExportRefused, match="would write over 3 original photos"):
            export_records(album, options)
    assert sha256_tree(tmp_path) == before  # not even the CSV or a sidecar was written


def test_a_hard_link_to_an_original_counts_as_the_original(
    album: list[CaptionRecord], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    os.link(album[0].path, out / "a.jpg")
    before = sha256_tree(tmp_path)
    with pytest.raises(ExportRefused, match="1 original photo"):
        export_records(album, ExportOptions(parse_formats("alt-text"), output_dir=out,
                                            replace_existing=True))
    assert sha256_tree(tmp_path) == before


@pytest.mark.parametrize(
    ("formats", "existing"),
    [
        ("csv", "captions.csv"),
        ("jsonl", "captions.jsonl"),
        ("html", "captions.html"),
        ("sidecar", "b.txt"),
        ("alt-text", "c.webp"),
    ],
)
def test_existing_files_are_replaced_only_when_allowed(
    album: list[CaptionRecord], tmp_path: Path, formats: str, existing: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / existing).write_bytes(b"somebody's earlier file")
    originals = sha256_tree(tmp_path)
    options = ExportOptions(parse_formats(formats), output_dir=out)
    assert [p.name for p in plan_export(album, options).existing] == [existing]
    with pytest.raises(ExportRefused, match=f"1 file exists \\({existing}\\)"):
        export_records(album, options)
    assert sha256_tree(tmp_path) == originals

    report = export_records(album, ExportOptions(parse_formats(formats), output_dir=out,
                                                 replace_existing=True))
    assert report.ok
    assert (out / existing).read_bytes() != b"somebody's earlier file"
    after = sha256_tree(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("out")} == {
        k: v for k, v in originals.items() if not k.startswith("out")
    }


def test_sidecars_beside_the_originals_are_not_replaced_unasked(
    album: list[CaptionRecord], tmp_path: Path
) -> None:
    mine = album[0].path.with_suffix(".txt")
    mine.write_text("My own description\n", encoding="utf-8")
    before = sha256_tree(tmp_path)
    with pytest.raises(ExportRefused, match=r"a\.txt"):
        export_records(album, ExportOptions(parse_formats("sidecar")))
    assert sha256_tree(tmp_path) == before
    # Skipping images that already have alt text leaves a.jpg (and its sidecar) alone.
    options = ExportOptions(parse_formats("sidecar"), skip_existing_alt_text=True)
    assert plan_export(album, options).existing == ()
    export_records(album, options)
    assert mine.read_text(encoding="utf-8") == "My own description\n"


def test_in_place_plan_counts_changes_and_unreviewed(
    album: list[CaptionRecord], tmp_path: Path
) -> None:
    options = ExportOptions(parse_formats("alt-text"))
    plan = plan_export(album, options)
    assert len(plan.changed_originals) == 3 and [p.name for p in plan.unreviewed] == ["c.webp"]
    assert plan.in_place_message() == (
        "This changes 3 original files. 1 of these captions nobody has reviewed yet."
    )
    assert plan_export(album, ExportOptions(parse_formats("alt-text"), output_dir=tmp_path / "o")
                       ).changed_originals == ()
    report = export_records(album, options)
    assert report.ok
    assert exiftool_alt_text([r.path for r in album]) == [r.caption for r in album]


def test_copies_leave_every_original_byte_identical(
    album: list[CaptionRecord], tmp_path: Path
) -> None:
    before = sha256_tree(tmp_path)
    out = tmp_path / COPY_FOLDER_NAME
    report = export_records(album, ExportOptions(parse_formats("alt-text,jsonl"), output_dir=out))
    assert report.ok
    assert {k: v for k, v in sha256_tree(tmp_path).items() if not k.startswith(out.name)} == before
    copies = [out / r.path.name for r in album]
    assert exiftool_alt_text(copies) == [r.caption for r in album]
    rows = read_jsonl(out / "captions.jsonl")
    assert [r.reviewed for r in rows] == [True, False, False]


def test_default_destination_moves_out_of_the_photos_folder(
    album: list[CaptionRecord], tmp_path: Path
) -> None:
    assert default_destination(album, tmp_path) == tmp_path / COPY_FOLDER_NAME
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert default_destination(album, elsewhere) == elsewhere
