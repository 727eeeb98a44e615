"""Trust, flag codes and the text read in a photo kept in the library (schema version 3).

``data/library_v2.sqlite3`` is a real library written by the capdesk before this change
(schema version 2: the main checkout's ``Library`` recorded three captions — one plain, one
edited, one reviewed — and one export, then the file was checkpointed and vacuumed). The
tests copy it, point its three rows at photos made here, and open it with this capdesk.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from capdesk.library import SCHEMA_VERSION, Library, fingerprint, path_key
from tests.library.helpers import photos

V2_FILE = Path(__file__).parent / "data" / "library_v2.sqlite3"


def _v2_copy(tmp_path: Path) -> tuple[Path, list[Path]]:
    """The v2 file, its rows moved onto photos in ``tmp_path`` (plain SQL on the old schema)."""
    target = tmp_path / "library.sqlite3"
    shutil.copy(V2_FILE, target)
    files = photos(tmp_path / "photos", 3)
    db = sqlite3.connect(target)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    for image_id, name in db.execute("SELECT id, file_name FROM images").fetchall():
        path = files[int(name[1])]  # p0.jpg … p2.jpg
        info = path.stat()
        db.execute("UPDATE images SET path = ?, folder = ?, file_name = ?, size = ?, "
                   "mtime_ns = ?, fingerprint = ? WHERE id = ?",
                   (path_key(path), str(path.parent), path.name, info.st_size,
                    info.st_mtime_ns, fingerprint(path, info.st_size), image_id))
    db.commit()
    db.close()
    return target, files


def test_a_v2_library_migrates_and_keeps_everything(tmp_path: Path) -> None:
    target, files = _v2_copy(tmp_path)
    with Library.open(target) as library:
        assert library.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert library.connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        known = library.lookup(files)
        assert known[files[0]].text == "A dog runs on the beach."
        assert known[files[1]].text == "A receipt from a pharmacy" and known[files[1]].edited
        assert known[files[2]].reviewed
        # The old rows have no estimate: no trust, no flags, nothing read.
        assert all(k.trust is None and k.flags == () and k.text_in_photo is None
                   for k in known.values())
        assert library.stats()["exported"] == 1
        # The migrated search index still finds captions, and now read text too.
        assert [k.path for k in library.search("pharmacy")] == [files[1]]
        library.record_caption(files[1], "A man is holding a cell phone.", score=-0.6,
                               trust=0.04, flags=("mostly_text", "low_confidence"),
                               visible_text="PHARMACY\nTOTAL 12.40")
        assert [k.path for k in library.search("total")] == [files[1]]


def test_trust_flags_and_read_text_survive_reopening(tmp_path: Path) -> None:
    first, second = photos(tmp_path / "p", 2)
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as library:
        library.record_caption(first, "A man is holding a cell phone.", score=-0.5, trust=0.07,
                               flags=("too_dark", "unfamiliar"), visible_text="TAN WOON\nTOTAL 9")
        library.record_caption(second, "A dog runs.", score=-0.2, trust=0.81)
        library.record_visible_text(first, "TAN WOON YANN\nTOTAL 9.00")
        library.record_edit(second, "Rex runs")
    with Library.open(path) as library:
        known = library.lookup([first, second])
        kept = known[first]
        assert kept.trust == pytest.approx(0.07)
        assert kept.flag_codes == ("too_dark", "unfamiliar")
        assert [f.code for f in kept.flags] == ["too_dark", "unfamiliar"]
        assert kept.visible_text == "TAN WOON\nTOTAL 9"
        assert kept.text_in_photo == "TAN WOON YANN\nTOTAL 9.00"
        assert not kept.edited and not kept.reviewed  # correcting the text is no review
        record = kept.to_record()
        assert record.flags == kept.flags and record.trust == pytest.approx(0.07)
        assert record.alt_text == ("A man is holding a cell phone. Text: TAN WOON YANN, "
                                   "TOTAL 9.00")
        # An edited caption keeps its flags, but the trust was about the model's words.
        assert known[second].to_record().trust is None
        # A new run replaces trust and flags; the person's correction of the text stays.
        library.record_caption(first, "A receipt.", score=-0.3, trust=0.3, flags=("mostly_text",),
                               visible_text="TAN WOON\nTOTAL 9", replace_edit=True)
        again = library.lookup([first])[first]
        assert again.flag_codes == ("mostly_text",) and again.trust == pytest.approx(0.3)
        assert again.text_in_photo == "TAN WOON YANN\nTOTAL 9.00"
        library.record_visible_text(first, None)
        assert library.lookup([first])[first].text_in_photo == "TAN WOON\nTOTAL 9"
        assert [r.visible_text for r in library.iter_rows()] == ["TAN WOON\nTOTAL 9", None]


def test_other_pictures_text_is_dropped_and_unknown_codes_are_skipped(tmp_path: Path) -> None:
    [photo] = photos(tmp_path / "p", 1)
    with Library.open(tmp_path / "library.sqlite3") as library:
        library.record_caption(photo, "A sign.", trust=0.2, flags=("mostly_text",),
                               visible_text="EXIT")
        library.record_visible_text(photo, "EXIT 4")
        photos(tmp_path / "p", 1, seed=7)  # same name, other content
        library.record_caption(photo, "A dog.", trust=0.9, visible_text=None)
        known = library.lookup([photo])[photo]
        assert known.text_in_photo is None and known.flags == ()
        library.connection.execute("UPDATE captions SET flags = 'blurred,from_the_future'")
        assert [f.code for f in library.lookup([photo])[photo].flags] == ["blurred"]


def test_a_copied_photo_takes_its_flags_and_text_along(tmp_path: Path) -> None:
    [photo] = photos(tmp_path / "p", 1)
    with Library.open(tmp_path / "library.sqlite3") as library:
        library.record_caption(photo, "A sign.", trust=0.2, flags=("mostly_text",),
                               visible_text="EXIT")
        library.record_visible_text(photo, "EXIT 4")
        copy = tmp_path / "q" / "copy.jpg"
        copy.parent.mkdir()
        shutil.copy(photo, copy)
        known = library.lookup([copy])[copy]
        assert known.flag_codes == ("mostly_text",) and known.text_in_photo == "EXIT 4"
