"""The library on a real SQLite file: what is recorded comes back, by path or by content."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from capdesk.library import SCHEMA_VERSION, Library, LibraryError, data_folder, fingerprint, schema
from tests.conftest import write_photo
from tests.library.helpers import photos


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib" / "library.sqlite3")
    yield lib
    lib.close()


def test_pragmas_wal_foreign_keys_and_version(library: Library) -> None:
    db = library.connection
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10000
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert library.search_index


def test_caption_edit_review_export_survive_reopening(tmp_path: Path, library: Library) -> None:
    first, second = photos(tmp_path / "p", 2)
    library.record_caption(first, "a dog runs on the beach", score=-0.4, model_name="m",
                           model_hash="h1")
    library.record_caption(second, "a cat on the grass", score=-0.9, model_name="m")
    library.record_edit(second, "Tom the cat asleep")
    library.record_review(first)
    library.record_export([first], tmp_path / "out", ["alt-text", "sidecar"])
    library.record_alt_text(first, "found in the file")
    library.close()
    with Library.open(library.path) as again:
        known = again.lookup([first, second])
        assert known[first].text == "a dog runs on the beach" and known[first].reviewed
        assert known[first].model_hash == "h1" and not known[first].edited
        assert known[second].text == "Tom the cat asleep"
        assert known[second].model_text == "a cat on the grass"
        assert known[second].edited and known[second].reviewed
        stats = again.stats()
        assert (stats["images"], stats["captioned"], stats["edited"], stats["reviewed"],
                stats["exported"], stats["with_alt_text"]) == (2, 2, 1, 2, 1, 1)
        [folder] = again.folders()
        assert folder.folder == str(tmp_path / "p") and folder.exported == 1
        rows = list(again.iter_rows())
        assert [r.caption for r in rows] == ["a dog runs on the beach", "Tom the cat asleep"]
        assert rows[1].edited and rows[0].captioned_at is not None


def test_lookup_skips_unknown_and_uncaptioned(tmp_path: Path, library: Library) -> None:
    known, reviewed_only, new = photos(tmp_path / "p", 3)
    library.record_caption(known, "a dog")
    library.record_review(reviewed_only)
    found = library.lookup([known, reviewed_only, new, tmp_path / "gone.jpg"])
    assert list(found) == [known]


def test_touched_file_keeps_caption_changed_file_does_not(tmp_path: Path,
                                                          library: Library) -> None:
    touched, changed = photos(tmp_path / "p", 2)
    library.record_caption(touched, "a dog")
    library.record_caption(changed, "a cat")
    library.record_edit(changed, "my cat")
    os.utime(touched, ns=(1, 1_000_000_000))
    write_photo(changed, size=(40, 30), seed=77)
    found = library.lookup([touched, changed])
    assert list(found) == [touched]
    row = library.connection.execute("SELECT mtime_ns FROM images WHERE file_name = ?",
                                     (touched.name,)).fetchone()
    assert row[0] == 1_000_000_000  # followed, so the next lookup needs no reading
    library.record_caption(changed, "a red ball")
    again = library.lookup([changed])[changed]
    assert again.text == "a red ball" and not again.edited  # the old edit was another photo


def test_renamed_and_moved_photo_keeps_its_captions(tmp_path: Path, library: Library) -> None:
    original, other = photos(tmp_path / "p", 2)
    library.record_caption(original, "a dog on the beach")
    library.record_edit(original, "Rex on the beach")
    moved = tmp_path / "elsewhere" / "rex.jpg"
    moved.parent.mkdir()
    original.rename(moved)
    found = library.lookup([moved])
    assert found[moved].text == "Rex on the beach"
    assert library.stats()["images"] == 1  # the row moved, no ghost left behind
    assert [hit.path for hit in library.search("rex")] == [moved]
    copy = tmp_path / "elsewhere" / "copy.jpg"
    copy.write_bytes(moved.read_bytes())
    assert library.lookup([copy])[copy].text == "Rex on the beach"
    assert library.stats()["images"] == 2  # both exist: the copy got its own row
    assert other not in library.lookup([other])


def test_search_words_in_captions_and_file_names(tmp_path: Path, library: Library) -> None:
    beach = write_photo(tmp_path / "holiday_beach.jpg")
    park = write_photo(tmp_path / "park.jpg", seed=3)
    library.record_caption(beach, "a dog runs into the sea")
    library.record_caption(park, "two dogs play with a red ball")
    library.record_edit(park, "Rex and Émile play fetch")
    assert {h.path for h in library.search("dog")} == {beach, park}  # prefix: dogs
    assert [h.path for h in library.search("holiday")] == [beach]
    assert [h.path for h in library.search("emile fetch")] == [park]  # diacritics folded
    assert [h.path for h in library.search("red")] == [park]  # model text still searched
    assert library.search('" OR * -') == []  # operators are words, not syntax
    assert len(library.search("dog", limit=1)) == 1


def test_without_fts5_search_falls_back_to_like(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schema, "fts5_available", lambda connection: False)
    with Library.open(tmp_path / "plain.sqlite3") as library:
        assert not library.search_index and library.stats()["search"] == "like"
        photo = write_photo(tmp_path / "a_100%.jpg")
        library.record_caption(photo, "a dog on the beach")
        assert [h.path for h in library.search("beach")] == [photo]
        assert [h.path for h in library.search("100%")] == [photo]
        assert library.search("cat") == []


FIRST_SCHEMA = schema.V1  # the test builds a version 1 file with version 1's own SQL


def test_a_version_1_library_is_migrated_and_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    photo = write_photo(tmp_path / "old_photo.jpg")
    db = sqlite3.connect(path)
    db.executescript(FIRST_SCHEMA)
    db.execute("INSERT INTO images (path, folder, file_name, size, mtime_ns, fingerprint, "
               "added_at) VALUES (?, ?, ?, ?, ?, ?, '2024-01-01T00:00:00+00:00')",
               (str(photo), str(tmp_path), photo.name, photo.stat().st_size,
                photo.stat().st_mtime_ns, fingerprint(photo)))
    db.execute("INSERT INTO captions (image_id, model_text) VALUES (1, 'a horse in a field')")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with Library.open(path) as library:
        assert library.stats()["schema_version"] == SCHEMA_VERSION
        assert [h.path for h in library.search("horse")] == [photo]
        assert library.lookup([photo])[photo].text == "a horse in a field"


def test_a_newer_library_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(LibraryError, match="newer capdesk"):
        Library.open(path)
    assert path.read_bytes() == before


def test_default_folder_matches_qt_app_data_location(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert data_folder() == tmp_path / "capdesk" / "capdesk"
    monkeypatch.setenv("CAPDESK_LIBRARY", str(tmp_path / "chosen.sqlite3"))
    from capdesk.library import default_library_path

    assert default_library_path() == tmp_path / "chosen.sqlite3"


def test_fingerprint_reads_ends_and_middle_of_big_files(tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(1_000_000))
    first = fingerprint(big)
    data = bytearray(big.read_bytes())
    data[500_000] = 1  # inside the middle window
    big.write_bytes(bytes(data))
    assert fingerprint(big) != first
    data[300_000] = 1  # outside all three windows: same size, same fingerprint (documented)
    second = fingerprint(big)
    big.write_bytes(bytes(data))
    assert fingerprint(big) == second


def test_a_photo_gone_before_it_is_recorded_is_skipped(tmp_path: Path, library: Library) -> None:
    gone = write_photo(tmp_path / "gone.jpg")
    gone.unlink()
    assert library.record_caption(gone, "a dog") is False
    assert library.stats()["images"] == 0
    with pytest.raises(LibraryError, match="cannot read"):
        library.record_edit(gone, "words for a missing photo")


def test_edit_before_any_caption_and_undoing_it(tmp_path: Path, library: Library) -> None:
    photo = write_photo(tmp_path / "p.jpg")
    library.record_edit(photo, "written by hand")
    assert library.lookup([photo])[photo].text == "written by hand"
    library.record_caption(photo, "a cat")
    library.record_edit(photo, None)  # back to the model's words
    known = library.lookup([photo])[photo]
    assert known.text == "a cat" and not known.edited


def test_a_build_without_fts5_can_still_write_a_library_made_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "shared.sqlite3"
    dog, cat = write_photo(tmp_path / "dog.jpg"), write_photo(tmp_path / "cat.jpg", seed=2)
    with Library.open(path) as library:
        library.record_caption(dog, "a dog on the beach")
    with monkeypatch.context() as patched:
        patched.setattr(schema, "fts5_available", lambda connection: False)
        with Library.open(path) as library:
            library.record_caption(cat, "a cat on the sofa")  # no "no such module: fts5"
            assert [h.path for h in library.search("sofa")] == [cat]
    with Library.open(path) as library:  # FTS5 again: the index caught up
        assert library.search_index
        assert [h.path for h in library.search("sofa")] == [cat]
        assert [h.path for h in library.search("beach")] == [dog]
