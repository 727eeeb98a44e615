"""Folders expand to image files once each, without following symlink loops."""

from __future__ import annotations

from pathlib import Path

from capdesk.imaging import IMAGE_EXTENSIONS, expand_paths


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_folders_expand_to_image_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.jpg", "a.PNG", "notes.txt", "c.webp", "sub/d.tiff", "sub/e.doc"):
        _touch(tmp_path / name)
    flat = [p.name for p in expand_paths([tmp_path], recursive=False)]
    assert flat == ["a.PNG", "b.jpg", "c.webp"]
    deep = [p.name for p in expand_paths([tmp_path], recursive=True)]
    assert deep == ["a.PNG", "b.jpg", "c.webp", "d.tiff"]


def test_duplicates_are_ignored(tmp_path: Path) -> None:
    photo = _touch(tmp_path / "x.jpg")
    found = list(expand_paths([photo, tmp_path, tmp_path / "." / "x.jpg"]))
    assert found == [photo]


def test_explicit_files_are_kept_whatever_their_extension(tmp_path: Path) -> None:
    odd = _touch(tmp_path / "photo.bin")
    assert list(expand_paths([odd])) == [odd]


def test_symlink_loops_terminate(tmp_path: Path) -> None:
    _touch(tmp_path / "a" / "x.jpg")
    (tmp_path / "a" / "loop").symlink_to(tmp_path)
    assert [p.name for p in expand_paths([tmp_path])] == ["x.jpg"]


def test_common_formats_are_known() -> None:
    assert {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"} <= IMAGE_EXTENSIONS


def test_linked_files_and_folders_count_once(tmp_path: Path) -> None:
    """Inside folders the resolved path is derived from the folder's: links still match."""
    real = _touch(tmp_path / "real" / "x.jpg")
    _touch(tmp_path / "real" / "sub" / "y.jpg")
    (tmp_path / "real" / "z.jpg").symlink_to(real)
    (tmp_path / "alias").symlink_to(tmp_path / "real", target_is_directory=True)
    found = list(expand_paths([tmp_path / "alias", tmp_path / "real", real]))
    assert found == [tmp_path / "alias" / "x.jpg", tmp_path / "alias" / "sub" / "y.jpg"]
