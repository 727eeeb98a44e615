"""What a file system can throw at the listing and the loader: symlink loops, pipes, folders
named like photos, vanishing files, names that are not UTF-8, very long names and paths, and
files nobody may read. Each gets one result or one clear error, and the batch goes on."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from unittest import mock

import pytest

from capdesk.domain import CaptionResult
from capdesk.engine import Captioner
from capdesk.imaging import expand_paths
from capdesk.imaging.loading import DAMAGED
from tests.robustness.corpus import encode, photo
from tests.robustness.helpers import HANG_SECONDS, run_cli, within

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system features")

NAME_MAX = 255
GOOD = encode(photo(), "JPEG")
NON_UTF8_NAMES = (b"latin1_caf\xe9.jpg", b"\xff\xfe\xfd.jpg", b"mixed_\xc3\xa9_\xe9.png")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _write(path: Path | bytes, data: bytes = GOOD) -> Path:
    with open(path, "wb") as handle:  # noqa: PTH123 - bytes paths need the builtin
        handle.write(data)
    return Path(os.fsdecode(path))


def _caption(model: Path, paths: list[Path]) -> list[CaptionResult]:
    with Captioner(model, provider="cpu", threads=1) as captioner:
        return within(HANG_SECONDS, lambda: list(captioner.caption_paths(paths)), "captioning")


@pytest.fixture
def tricky(tmp_path: Path) -> Path:
    """A folder with symlink loops, a pipe, a folder named .jpg and links gone wrong."""
    root = tmp_path / "tricky"
    (root / "album" / "deeper").mkdir(parents=True)
    _write(root / "album" / "photo.jpg")
    _write(root / "album" / "deeper" / "nested.png", encode(photo(seed=3), "PNG"))
    (root / "album" / "up").symlink_to("..")             # loop to the parent
    (root / "album" / "deeper" / "self").symlink_to(".")  # loop to itself
    (root / "ping").symlink_to("pong")                   # a pair of links chasing each other
    (root / "pong").symlink_to("ping")
    (root / "loop.jpg").symlink_to("loop.jpg")
    (root / "dangling.jpg").symlink_to("nowhere.jpg")
    (root / "alias.jpg").symlink_to("album/photo.jpg")
    os.mkfifo(root / "pipe.jpg")
    (root / "folder.jpg").mkdir()
    return root


def test_listing_survives_symlink_loops(tricky: Path) -> None:
    listed = within(HANG_SECONDS, lambda: list(expand_paths([tricky])),
                    "listing a folder with loops")
    names = [p.relative_to(tricky).as_posix() for p in listed]
    # The photo is found once (through its alias, first in name order); links to folders
    # are not followed, dangling and looping links and the pipe are not image files.
    assert names == ["alias.jpg", "album/deeper/nested.png"]


def test_explicit_odd_paths_give_one_result_each(tricky: Path, tiny_model_dir: Path) -> None:
    given = [tricky / n for n in ("pipe.jpg", "loop.jpg", "dangling.jpg", "ping",
                                  "gone.jpg", "alias.jpg")]
    paths = within(HANG_SECONDS, lambda: list(expand_paths(given)), "listing odd paths")
    assert paths == given
    results = _caption(tiny_model_dir, paths)
    by_name = {r.path.name: r for r in results}
    assert [r.path for r in results] == given
    assert by_name["alias.jpg"].ok
    assert "empty" in (by_name["pipe.jpg"].error or "")  # a pipe is never opened, so no hang
    assert by_name["dangling.jpg"].error == "file not found"
    assert by_name["gone.jpg"].error == "file not found"
    for name in ("loop.jpg", "ping"):
        error = by_name[name].error
        assert error and "\n" not in error


def test_cli_on_odd_paths_goes_on(tricky: Path, tiny_model_dir: Path) -> None:
    done = run_cli("caption", tricky / "pipe.jpg", tricky / "loop.jpg", tricky / "folder.jpg",
                   tricky / "gone.jpg", tricky, "-r", model=tiny_model_dir)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, stderr
    assert "Traceback" not in stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [Path(r["path"]).name for r in rows] == [
        "pipe.jpg", "loop.jpg", "gone.jpg", "alias.jpg", "nested.png"]
    assert [bool(r.get("caption")) for r in rows] == [False, False, False, True, True]


def test_os_errors_are_not_called_corrupt_image_data(tricky: Path, tiny_model_dir: Path,
                                                     deep_path: Path) -> None:
    results = _caption(tiny_model_dir, [tricky / "loop.jpg", deep_path])
    for result in results:
        assert result.error and not result.error.startswith(DAMAGED), result.error


@pytest.fixture
def deep_path(tmp_path: Path) -> Path:
    """A readable JPEG whose absolute path is longer than PATH_MAX (4096 on Linux)."""
    component = "d" * 200
    fd = os.open(tmp_path, os.O_RDONLY)
    depth = 4200 // (len(component) + 1) + 1
    try:
        for _ in range(depth):
            os.mkdir(component, dir_fd=fd)
            inner = os.open(component, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        handle = os.open("deep.jpg", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(handle, GOOD)
        os.close(handle)
    finally:
        os.close(fd)
    path = tmp_path.joinpath(*[component] * depth, "deep.jpg")
    assert len(os.fsencode(path)) > 4096
    return path


def test_too_long_path_is_an_error_not_a_crash(deep_path: Path, tiny_model_dir: Path) -> None:
    [result] = _caption(tiny_model_dir, [deep_path])
    assert not result.ok and result.error


def test_listing_a_too_long_path_goes_on(deep_path: Path, tmp_path: Path) -> None:
    other = _write(tmp_path / "fine.jpg")
    assert list(expand_paths([deep_path, other])) == [deep_path, other]


def test_very_long_file_name_is_captioned(tmp_path: Path, tiny_model_dir: Path) -> None:
    name = "a" * (NAME_MAX - len(".jpg")) + ".jpg"
    path = _write(tmp_path / name)
    [result] = _caption(tiny_model_dir, list(expand_paths([tmp_path])))
    assert result.ok and result.path == path
    with pytest.raises(OSError, match="too long"):
        _write(tmp_path / ("b" * NAME_MAX + ".jpg"))  # what the OS refuses, we never see


@pytest.fixture
def odd_names(tmp_path: Path) -> Path:
    folder = tmp_path / "names"
    folder.mkdir()
    try:
        for raw in NON_UTF8_NAMES:
            _write(os.fsencode(folder) + b"/" + raw)
    except (OSError, UnicodeError) as exc:  # e.g. a file system that insists on UTF-8
        pytest.skip(f"this file system refuses non-UTF-8 names: {exc}")
    _write(folder / "emoji_😀.jpg")
    _write(folder / "plain.jpg")
    return folder


def test_engine_captions_non_utf8_names(odd_names: Path, tiny_model_dir: Path) -> None:
    paths = list(expand_paths([odd_names]))
    assert len(paths) == 5
    results = _caption(tiny_model_dir, paths)
    assert all(r.ok for r in results), [(r.path, r.error) for r in results]
    assert {os.fsencode(r.path.name) for r in results} >= set(NON_UTF8_NAMES)


def test_cli_stdout_with_non_utf8_names_in_a_c_utf8_locale(odd_names: Path,
                                                           tiny_model_dir: Path) -> None:
    done = run_cli("caption", odd_names, model=tiny_model_dir,
                   extra_env={"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert len(done.stdout.splitlines()) == 5


@pytest.mark.parametrize("output", ["--jsonl", "--csv", "stdout-utf8"])
def test_cli_writes_non_utf8_names(odd_names: Path, tiny_model_dir: Path, tmp_path: Path,
                                   output: str) -> None:
    args: list[str | Path] = ["caption", odd_names]
    env = {}
    if output == "stdout-utf8":
        env["PYTHONIOENCODING"] = "utf-8"
    else:
        args += [output, tmp_path / "out"]
    done = run_cli(*args, model=tiny_model_dir, extra_env=env)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")[-2000:]
    written = done.stdout if output == "stdout-utf8" else (tmp_path / "out").read_bytes()
    rows = written.splitlines()
    assert len(rows) == (5 if output != "--csv" else 6)


def test_unreadable_file_is_a_clear_error(tmp_path: Path, tiny_model_dir: Path) -> None:
    """Simulated, so it runs as root too (where chmod 000 does not stop a read)."""
    locked = _write(tmp_path / "locked.jpg")
    fine = _write(tmp_path / "fine.jpg")
    real_open = open

    def guarded_open(file, *args, **kwargs):  # same signature as open()
        if os.fspath(file) == os.fspath(locked):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    with mock.patch("builtins.open", guarded_open):
        results = _caption(tiny_model_dir, [locked, fine])
    assert results[0].error == "permission denied: cannot read this file"
    assert results[1].ok


@pytest.mark.skipif(AS_ROOT, reason="running as root: chmod 000 does not stop root from "
                    "reading; test_unreadable_file_is_a_clear_error simulates it instead")
def test_chmod_000_file_and_folder(tmp_path: Path, tiny_model_dir: Path,
                                   caplog: pytest.LogCaptureFixture) -> None:
    locked = _write(tmp_path / "locked.jpg")
    fine = _write(tmp_path / "fine.jpg")
    closed = tmp_path / "closed"
    closed.mkdir()
    _write(closed / "inside.jpg")
    locked.chmod(0)
    closed.chmod(0)
    try:
        with caplog.at_level(logging.WARNING):
            paths = list(expand_paths([tmp_path]))
        assert paths == [fine, locked]
        assert "cannot list" in caplog.text
        results = _caption(tiny_model_dir, paths)
        assert results[0].ok
        assert results[1].error == "permission denied: cannot read this file"
    finally:
        closed.chmod(0o755)
        locked.chmod(0o644)


def test_unlistable_folder_is_skipped_with_a_warning(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    """Simulated os.scandir failure, the listing half of the permission case, as root too."""
    (tmp_path / "a_closed").mkdir()
    _write(tmp_path / "a_closed" / "x.jpg")
    fine = _write(tmp_path / "b.jpg")
    real_scandir = os.scandir

    def guarded(path: str | Path) -> object:
        if os.fspath(path).endswith("a_closed"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    with mock.patch("capdesk.imaging.formats.os.scandir", guarded), \
            caplog.at_level(logging.WARNING):
        assert list(expand_paths([tmp_path])) == [fine]
    assert "cannot list" in caplog.text and "Permission denied" in caplog.text
