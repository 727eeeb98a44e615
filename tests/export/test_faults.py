"""Faults while writing: the original stays byte-identical and no temporary file is left."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    ExportError,
    ExportOptions,
    OutcomeStatus,
    atomic,
    export_records,
    parse_formats,
    write_alt_text,
    write_sidecar,
)

pytest.importorskip("pyexiv2", reason="pyexiv2 is needed to write alt text")

REPO = Path(__file__).resolve().parents[2]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def anonymous_temp_supported(folder: Path) -> bool:
    """Whether this file system gives us the O_TMPFILE path (no name until commit)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return False
    try:
        fd = os.open(folder, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False
    try:
        name = atomic._link_anonymous(fd, folder / "probe")
    finally:
        os.close(fd)
    if name is None:
        return False
    name.unlink()
    return True


@pytest.fixture(params=["anonymous", "named"])
def temp_strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the O_TMPFILE path and with the named-temp fallback."""
    if request.param == "named":
        monkeypatch.setattr(atomic, "_write_with_tmpfile", lambda *args: False)
    return str(request.param)


@pytest.mark.parametrize("fmt", ["jpg", "png"])
def test_error_at_rename_leaves_original(
    fmt: str, photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, temp_strategy: str
) -> None:
    path = photo(fmt)
    before = snapshot(path.parent)

    def broken_replace(src: object, dst: object) -> None:
        assert Path(str(src)).exists(), "the temporary file is complete at this point"
        raise OSError(errno.EIO, "injected I/O error")

    monkeypatch.setattr(atomic, "_replace", broken_replace)
    with pytest.raises(ExportError, match="injected I/O error"):
        write_alt_text(path, "A dog on a beach")
    assert snapshot(path.parent) == before


def test_error_before_commit_leaves_original(
    photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, temp_strategy: str
) -> None:
    path = photo("webp")
    before = snapshot(path.parent)

    def hook(dest: Path) -> None:
        raise RuntimeError("injected crash after the temporary file was written")

    monkeypatch.setattr(atomic, "_before_commit", hook)
    with pytest.raises(RuntimeError, match="injected crash"):
        write_alt_text(path, "A dog on a beach")
    assert snapshot(path.parent) == before


def test_error_mid_batch_goes_on(
    photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = photo("jpg", name="a"), photo("jpg", name="b")
    original_first = first.read_bytes()
    calls = []
    real = atomic._replace

    def flaky(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls.append(Path(dst))
        if Path(dst) == first:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(atomic, "_replace", flaky)
    report = export_records(
        [CaptionRecord(first, "one"), CaptionRecord(second, "two")],
        ExportOptions(parse_formats("alt-text")),
    )
    assert [o.status for o in report.outcomes] == [OutcomeStatus.FAILED, OutcomeStatus.OK]
    assert "disk full" in report.outcomes[0].message
    assert first.read_bytes() == original_first
    assert listing(first.parent) == ["a.jpg", "b.jpg"]


KILL_SCRIPT = """
import sys, time
from pathlib import Path
import capdesk.export.atomic as atomic
from capdesk.export import write_alt_text, write_sidecar

def block(dest):
    print("ready", flush=True)
    time.sleep(60)

atomic._before_commit = block
if sys.argv[3] == "named":
    atomic._write_with_tmpfile = lambda *args: False
if sys.argv[2] == "alt":
    write_alt_text(Path(sys.argv[1]), "Killed while writing")
else:
    write_sidecar(Path(sys.argv[1]), "Killed while writing")
"""


@pytest.mark.parametrize("what", ["alt", "sidecar"])
def test_sigkill_while_writing_leaves_original_and_no_stray_file(
    what: str, photo: Callable[..., Path], tmp_path: Path
) -> None:
    if not anonymous_temp_supported(tmp_path):
        pytest.skip("file system without O_TMPFILE: a SIGKILL may leave a .capdesk-tmp file")
    path = photo("jpg")
    if what == "sidecar":
        path.with_suffix(".txt").write_text("old caption\n", encoding="utf-8")
    before = snapshot(tmp_path)
    proc = _start_and_kill(path, what, "anonymous")
    assert proc == -signal.SIGKILL
    assert snapshot(tmp_path) == before


def test_sigkill_with_named_temp_keeps_original(photo: Callable[..., Path], tmp_path: Path) -> None:
    """The fallback can't avoid a stray temp on SIGKILL, but the original must survive."""
    path = photo("png")
    original = path.read_bytes()
    assert _start_and_kill(path, "alt", "named") == -signal.SIGKILL
    assert path.read_bytes() == original
    strays = [p for p in tmp_path.iterdir() if p.name.endswith(atomic.TEMP_SUFFIX)]
    assert all(p.name.startswith(".photo.png.") for p in strays)


def _start_and_kill(path: Path, what: str, strategy: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(path), what, strategy],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", proc.stderr.read() if proc.stderr else ""
        proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_read_only_file_gives_clear_error_and_batch_goes_on(photo: Callable[..., Path]) -> None:
    locked, free = photo("jpg", name="locked"), photo("jpg", name="free")
    locked.chmod(0o444)  # root could still write; the exporter honours the mode bits
    before = locked.read_bytes()
    report = export_records(
        [CaptionRecord(locked, "one"), CaptionRecord(free, "two")],
        ExportOptions(parse_formats("alt-text,sidecar")),
    )
    first, second = report.outcomes
    assert first.status is OutcomeStatus.FAILED
    assert "file is read-only" in first.message and "locked.jpg" in first.message
    assert locked.read_bytes() == before
    assert locked.with_suffix(".txt").exists()  # the sidecar still went through
    assert second.status is OutcomeStatus.OK


def test_read_only_folder_gives_clear_error_and_batch_goes_on(tmp_path: Path) -> None:
    from .conftest import make_photo

    ro_dir, rw_dir = tmp_path / "ro", tmp_path / "rw"
    ro_dir.mkdir()
    rw_dir.mkdir()
    locked, free = make_photo(ro_dir / "a.png"), make_photo(rw_dir / "b.png")
    before = snapshot(ro_dir)
    ro_dir.chmod(0o555)
    try:
        report = export_records(
            [CaptionRecord(locked, "one"), CaptionRecord(free, "two")],
            ExportOptions(parse_formats("alt-text,sidecar")),
        )
    finally:
        ro_dir.chmod(0o755)
    first, second = report.outcomes
    assert first.status is OutcomeStatus.FAILED
    assert first.message.count("folder is read-only") == 2  # alt text and sidecar
    assert snapshot(ro_dir) == before
    assert second.status is OutcomeStatus.OK


def test_permission_denied_by_the_os_gives_clear_error(
    photo: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, temp_strategy: str
) -> None:
    """What a non-root user (or an immutable folder) gets: EACCES at rename time."""
    path = photo("tif")
    before = snapshot(path.parent)

    def denied(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic, "_replace", denied)
    with pytest.raises(ExportError, match=r"permission denied writing .*photo\.tif"):
        write_alt_text(path, "A dog")
    with pytest.raises(ExportError, match="permission denied"):
        write_sidecar(path, "A dog")
    assert snapshot(path.parent) == before


def test_permissions_of_rewritten_file_are_kept(photo: Callable[..., Path]) -> None:
    path = photo("jpg")
    path.chmod(0o640)
    write_alt_text(path, "A dog")
    assert (path.stat().st_mode & 0o777) == 0o640
