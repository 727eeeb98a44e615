"""export_records: every format and option together, progress, cancel, skip, collisions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    ExportFormat,
    ExportOptions,
    OutcomeStatus,
    export_records,
    parse_formats,
    read_alt_text,
    read_csv,
    read_jsonl,
    records_without_alt_text,
)

from .conftest import FORMATS, pixels

pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")


def make_records(photo: Callable[..., Path]) -> list[CaptionRecord]:
    return [
        CaptionRecord(photo(fmt, name=f"img_{fmt}"), f"Caption for {fmt} – é 漢字", score=-0.5)
        for fmt in FORMATS
    ]


@pytest.mark.parametrize("ext", ["txt", "caption"])
def test_everything_in_place(photo: Callable[..., Path], tmp_path: Path, ext: str) -> None:
    records = make_records(photo)
    seen: list[tuple[int, int]] = []
    options = ExportOptions(
        parse_formats("csv,jsonl,html,sidecar,alt-text"),
        destination=tmp_path / "tables",
        sidecar_extension=ext,  # type: ignore[arg-type]
        csv_bom=True,
    )
    report = export_records(records, options, progress=lambda d, t: seen.append((d, t)))
    assert report.ok, report
    assert report.summary() == "4 ok"
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    for record, outcome in zip(records, report.outcomes, strict=True):
        assert outcome.path == record.path
        assert outcome.written == (record.path, record.path.with_suffix(f".{ext}"))
        assert read_alt_text(record.path) == record.caption
    tables = tmp_path / "tables"
    assert report.files == (
        tables / "captions.csv",
        tables / "captions.jsonl",
        tables / "captions.html",
    )
    assert read_csv(tables / "captions.csv") == records
    assert read_jsonl(tables / "captions.jsonl") == records
    assert 'src="../img_jpg.jpg"' in (tables / "captions.html").read_text(encoding="utf-8")


def test_copies_into_output_folder(photo: Callable[..., Path], tmp_path: Path) -> None:
    records = make_records(photo)
    originals = {r.path: r.path.read_bytes() for r in records}
    out = tmp_path / "out" / "nested"
    report = export_records(
        records, ExportOptions(parse_formats("alt-text,sidecar,html"), output_dir=out)
    )
    assert report.ok, report
    for record in records:
        assert record.path.read_bytes() == originals[record.path]
        assert not record.path.with_suffix(".txt").exists()
        copy = out / record.path.name
        assert read_alt_text(copy) == record.caption
        assert pixels(copy) == pixels(record.path)
        assert (out / record.path.with_suffix(".txt").name).exists()
    html = (out / "captions.html").read_text(encoding="utf-8")
    assert 'src="img_png.png"' in html  # the page shows the copies


def test_single_table_file_destination(tmp_path: Path) -> None:
    records = [CaptionRecord(tmp_path / "a.jpg", "A")]
    dest = tmp_path / "my export.csv"
    report = export_records(records, ExportOptions(parse_formats("csv"), destination=dest))
    assert report.files == (dest,)
    assert report.outcomes[0].status is OutcomeStatus.OK
    assert read_csv(dest) == records


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"formats": frozenset()}, "at least one"),
        ({"formats": parse_formats("csv")}, "needs a destination"),
        ({"formats": parse_formats("csv,html"), "destination": Path("x.csv")}, "give a folder"),
        ({"formats": parse_formats("sidecar"), "sidecar_extension": "md"}, "txt or caption"),
    ],
)
def test_invalid_options_are_refused_before_anything(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        export_records([], ExportOptions(**options))


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: csv, jsonl, sidecar, html, alt-text"):
        parse_formats("csv,xlsx")
    assert ExportOptions({"csv", "alt-text"}).formats == {  # type: ignore[arg-type]
        ExportFormat.CSV,
        ExportFormat.ALT_TEXT,
    }


def test_cancel_stops_between_records(photo: Callable[..., Path], tmp_path: Path) -> None:
    records = make_records(photo)
    untouched = records[2].path.read_bytes()
    calls = iter([False, False, True])
    report = export_records(
        records,
        ExportOptions(parse_formats("alt-text,csv"), destination=tmp_path),
        should_cancel=lambda: next(calls),
    )
    assert report.cancelled and not report.ok
    assert [o.status for o in report.outcomes] == [OutcomeStatus.OK] * 2 + [
        OutcomeStatus.CANCELLED
    ] * 2
    assert records[2].path.read_bytes() == untouched
    assert len(read_csv(tmp_path / "captions.csv")) == 2


def test_skip_existing_alt_text(photo: Callable[..., Path]) -> None:
    records = make_records(photo)
    records[1].path.with_suffix(".caption").write_text("written by a person", encoding="utf-8")
    export_records(records[:1], ExportOptions(parse_formats("alt-text")))
    assert records_without_alt_text(records) == records[2:]
    before = [r.path.read_bytes() for r in records[:2]]
    report = export_records(
        [CaptionRecord(r.path, "new text") for r in records],
        ExportOptions(parse_formats("alt-text"), skip_existing_alt_text=True),
    )
    assert [o.status for o in report.outcomes] == [OutcomeStatus.SKIPPED] * 2 + [
        OutcomeStatus.OK
    ] * 2
    assert report.outcomes[0].message == "already has alt text"
    assert [r.path.read_bytes() for r in records[:2]] == before
    assert read_alt_text(records[3].path) == "new text"


def test_skip_existing_alt_text_still_writes_an_edit(photo: Callable[..., Path]) -> None:
    """"Leave images that already have alt text alone" protects words nobody changed here;
    a caption the person edited (say, that very alt text corrected) is written."""
    records = make_records(photo)[:2]
    for record in records:
        export_records([CaptionRecord(record.path, "from an earlier tool")],
                       ExportOptions(parse_formats("alt-text")))
    report = export_records(
        [CaptionRecord(records[0].path, "corrected by a person", edited=True),
         CaptionRecord(records[1].path, "the model's words")],
        ExportOptions(parse_formats("alt-text"), skip_existing_alt_text=True),
    )
    assert [o.status for o in report.outcomes] == [OutcomeStatus.OK, OutcomeStatus.SKIPPED]
    assert read_alt_text(records[0].path) == "corrected by a person"
    assert read_alt_text(records[1].path) == "from an earlier tool"


def test_name_collisions_fail_clearly(tmp_path: Path) -> None:
    from .conftest import make_photo

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = make_photo(tmp_path / "a" / "x.jpg"), make_photo(tmp_path / "b" / "x.jpg")
    jpg, png = make_photo(tmp_path / "s.jpg"), make_photo(tmp_path / "s.png")
    out = tmp_path / "out"
    report = export_records(
        [CaptionRecord(one, "1"), CaptionRecord(two, "2")],
        ExportOptions(parse_formats("alt-text"), output_dir=out),
    )
    assert report.outcomes[1].status is OutcomeStatus.FAILED
    assert "x.jpg is already written for another image" in report.outcomes[1].message
    assert read_alt_text(out / "x.jpg") == "1"
    report = export_records(
        [CaptionRecord(jpg, "j"), CaptionRecord(png, "p")],
        ExportOptions(parse_formats("sidecar")),
    )
    assert "s.txt is already written" in report.outcomes[1].message
    assert (tmp_path / "s.txt").read_text(encoding="utf-8") == "j\n"


def test_unsupported_image_fails_only_its_alt_text(tmp_path: Path) -> None:
    from PIL import Image

    gif = tmp_path / "anim.gif"
    Image.new("P", (4, 4)).save(gif)
    report = export_records(
        [CaptionRecord(gif, "A gif")], ExportOptions(parse_formats("alt-text,sidecar"))
    )
    outcome = report.outcomes[0]
    assert outcome.status is OutcomeStatus.FAILED
    assert outcome.message == "alt-text: cannot embed alt text in .gif files: anim.gif"
    assert outcome.written == (tmp_path / "anim.txt",)


def test_unwritable_output_folder_fails_every_record(
    photo: Callable[..., Path], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    records = make_records(photo)[:2]
    report = export_records(
        records, ExportOptions(parse_formats("alt-text"), output_dir=blocker / "out")
    )
    assert [o.status for o in report.outcomes] == [OutcomeStatus.FAILED] * 2
    assert "cannot create output folder" in report.outcomes[0].message


def test_table_error_is_reported_not_raised(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        report = export_records(
            [CaptionRecord(tmp_path / "a.jpg", "A")],
            ExportOptions(parse_formats("csv,jsonl"), destination=folder),
        )
    finally:
        folder.chmod(0o755)
    assert not report.ok and report.files == ()
    assert report.errors == (
        f"csv: folder is read-only: {folder}",
        f"jsonl: folder is read-only: {folder}",
    )
    assert report.summary() == "1 ok, 2 file error(s)"
