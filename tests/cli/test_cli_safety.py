"""``capdesk caption`` never replaces what it was not asked to (issue 17, item 9).

Every refusal is checked with the photos' bytes hashed before and after; where alt text
is written, exiftool reads it back independently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from capdesk.cli.main import main
from tests.cli.test_cli import run_cli
from tests.support.originals import exiftool_alt_text, sha256_tree

pytest.importorskip("pyexiv2", reason="alt text in images needs pyexiv2")


def test_copies_into_the_photos_own_folder_are_refused(photo_folder: Path,
                                                       tiny_model_dir: Path) -> None:
    before = sha256_tree(photo_folder)
    for out in (photo_folder, photo_folder / "sub" / ".."):
        done = run_cli("caption", str(photo_folder), "--write-alt-text", "--out", str(out),
                       model=tiny_model_dir)
        assert done.returncode == 2, done.stderr
        assert "would write over 5 original photos" in done.stderr
        assert done.stdout == ""  # refused before captioning anything
    assert sha256_tree(photo_folder) == before


def test_copies_through_a_link_to_the_photos_folder_are_refused(
        tmp_path: Path, photo_folder: Path, tiny_model_dir: Path) -> None:
    link = tmp_path / "link-to-photos"
    link.symlink_to(photo_folder, target_is_directory=True)
    before = sha256_tree(photo_folder)
    done = run_cli("caption", str(photo_folder), "--write-alt-text", "--out", str(link),
                   "--replace", model=tiny_model_dir)
    assert done.returncode == 2 and "original photo" in done.stderr
    assert sha256_tree(photo_folder) == before


def test_existing_table_file_is_kept_unless_replace(tmp_path: Path, photo_folder: Path,
                                                    tiny_model_dir: Path) -> None:
    table = tmp_path / "rows.csv"
    table.write_text("my own notes\n", encoding="utf-8")
    done = run_cli("caption", str(photo_folder), "--csv", str(table), model=tiny_model_dir)
    assert done.returncode == 2
    assert "already exists; add --replace" in done.stderr
    assert table.read_text(encoding="utf-8") == "my own notes\n"
    assert main(["caption", str(photo_folder), "--model", str(tiny_model_dir),
                 "--csv", str(table), "--replace"]) == 0
    assert table.read_text(encoding="utf-8").startswith("path,file_name,caption,")


def test_table_file_that_is_a_photo_is_refused_even_with_replace(
        photo_folder: Path, tiny_model_dir: Path) -> None:
    before = sha256_tree(photo_folder)
    done = run_cli("caption", str(photo_folder), "--jsonl", str(photo_folder / "photo0.jpg"),
                   "--replace", model=tiny_model_dir)
    assert done.returncode == 2 and "is one of the photos" in done.stderr
    assert sha256_tree(photo_folder) == before


def test_existing_copies_and_sidecars_are_kept_unless_replace(
        tmp_path: Path, photo_folder: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "photo1.jpg").write_bytes(b"an earlier copy")
    (out / "photo2.txt").write_text("a sidecar someone wrote\n", encoding="utf-8")
    originals = sha256_tree(photo_folder)
    kept = sha256_tree(out)
    args = ["caption", str(photo_folder), "--write-alt-text", "--out", str(out),
            "--sidecar", "txt"]
    done = run_cli(*args, model=tiny_model_dir)
    assert done.returncode == 2
    assert "2 files already exist (photo1.jpg, photo2.txt)" in done.stderr
    assert "--replace" in done.stderr
    assert sha256_tree(out) == kept and sha256_tree(photo_folder) == originals

    rows_file = tmp_path / "rows.jsonl"
    assert main([*args, "--model", str(tiny_model_dir), "--replace", "--jsonl",
                 str(rows_file)]) == 0
    rows = [json.loads(line) for line in rows_file.read_text(encoding="utf-8").splitlines()]
    copies = [out / Path(row["path"]).name for row in rows]
    assert exiftool_alt_text(copies) == [row["caption"] for row in rows]
    assert (out / "photo2.txt").read_text(encoding="utf-8").strip() == rows[2]["caption"]
    assert sha256_tree(photo_folder) == originals


def test_in_place_is_the_explicit_request_and_changes_only_the_photos(
        tmp_path: Path, photo_folder: Path, tiny_model_dir: Path) -> None:
    before = sha256_tree(photo_folder)
    rows_file = tmp_path / "rows.jsonl"
    assert main(["caption", str(photo_folder), "--model", str(tiny_model_dir),
                 "--write-alt-text", "--in-place", "--jsonl", str(rows_file)]) == 0
    rows = [json.loads(line) for line in rows_file.read_text(encoding="utf-8").splitlines()]
    photos = [Path(row["path"]) for row in rows]
    assert exiftool_alt_text(photos) == [row["caption"] for row in rows]
    after = sha256_tree(photo_folder)
    assert sorted(after) == sorted(before)  # no stray files, nothing else touched
    assert after["sub/nested.png"] == before["sub/nested.png"]  # not asked (not recursive)
    assert all(after[f"photo{i}.jpg"] != before[f"photo{i}.jpg"] for i in range(5))


def test_two_photos_with_one_name_into_one_folder_are_refused(
        tmp_path: Path, photo_folder: Path, tiny_model_dir: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "photo0.jpg").write_bytes((photo_folder / "photo1.jpg").read_bytes())
    out = tmp_path / "out"
    done = run_cli("caption", str(photo_folder), str(other), "--write-alt-text", "--out",
                   str(out), model=tiny_model_dir)
    assert done.returncode == 2 and "would write the same 1 file (photo0.jpg)" in done.stderr
    assert not out.exists()


@pytest.mark.parametrize("beam", ["0", "11"])
def test_beam_outside_the_shared_limits_is_a_usage_error(beam: str, photo_folder: Path) -> None:
    done = run_cli("caption", str(photo_folder), "--beam", beam)
    assert done.returncode == 2 and "beam size must be from 1 to 10" in done.stderr


def test_rows_on_stdout_use_the_export_schema(photo_folder: Path, tiny_model_dir: Path) -> None:
    from capdesk.export import ROW_FIELDS

    (photo_folder / "broken.jpg").write_bytes(b"")
    done = run_cli("caption", str(photo_folder), model=tiny_model_dir)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [list(row) for row in rows] == [list(ROW_FIELDS)] * 6
    broken = next(r for r in rows if r["file_name"] == "broken.jpg")
    assert broken["caption"] is None and broken["error"] and broken["score"] is None
    assert all(r["model"] and r["time"] for r in rows if r["caption"])
    assert os.fspath(photo_folder) in rows[0]["path"]
