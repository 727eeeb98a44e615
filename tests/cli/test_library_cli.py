"""``capdesk caption --library`` and ``capdesk library ...`` in child processes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from capdesk.export import ROW_FIELDS, read_jsonl
from capdesk.library import Library
from tests.conftest import REPO
from tests.library.helpers import cli_env, photos, run_cli


def _rows(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_second_run_captions_nothing_and_recaption_forces(tmp_path: Path,
                                                          tiny_model_dir: Path) -> None:
    folder = tmp_path / "photos"
    pictures = photos(folder, 4)
    library = tmp_path / "lib.sqlite3"
    first = run_cli("caption", str(folder), "--library", str(library), model=tiny_model_dir)
    assert first.returncode == 0, first.stderr
    assert [r["provider"] for r in _rows(first.stdout)] == ["cpu"] * 4

    with Library.open(library) as opened:
        opened.record_edit(pictures[1], "my own words")
    second = run_cli("caption", str(folder), f"--library={library}",
                     model=tmp_path / "no-model-needed")
    assert second.returncode == 0, second.stderr
    rows = _rows(second.stdout)
    assert list(rows[0]) == list(ROW_FIELDS)  # the same row schema as every capdesk row
    assert [r["provider"] for r in rows] == ["library"] * 4
    assert all(r["milliseconds"] is None for r in rows)
    assert rows[1]["caption"] == "my own words" and rows[1]["edited"] is True
    assert [r["caption"] for r in rows[::2]] == [r["caption"] for r in _rows(first.stdout)[::2]]
    assert "4 photos already in the library" in second.stderr
    # The engine's flags and trust come back from the library, not from a model run.
    before = _rows(first.stdout)
    assert [r["flags"] for r in rows] == [r["flags"] for r in before]
    assert any(r["flags"] for r in before)  # 32x24 photos: too_small at least
    assert [r["trust"] for r in rows[::2]] == [r["trust"] for r in before[::2]]

    forced = run_cli("caption", str(folder), f"--library={library}", "--recaption",
                     model=tiny_model_dir)
    assert [r["provider"] for r in _rows(forced.stdout)] == ["cpu"] * 4


def test_new_and_changed_photos_are_the_only_ones_captioned(tmp_path: Path,
                                                            tiny_model_dir: Path) -> None:
    folder = tmp_path / "photos"
    pictures = photos(folder, 3)
    library = tmp_path / "lib.sqlite3"
    run_cli("caption", str(folder), f"--library={library}", model=tiny_model_dir)
    photos(folder, 1, prefix="new", seed=50)
    photos(folder, 1, prefix="photo", seed=99)  # photo0000.jpg rewritten: a changed photo
    again = _rows(run_cli("caption", str(folder), f"--library={library}",
                          model=tiny_model_dir).stdout)
    fresh = {Path(str(r["path"])).name for r in again if r["provider"] != "library"}
    assert fresh == {"new0000.jpg", pictures[0].name}


def test_library_search_export_and_stats(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "photos"
    pictures = photos(folder, 3)
    library = tmp_path / "lib.sqlite3"
    run_cli("caption", str(folder), f"--library={library}", model=tiny_model_dir)
    with Library.open(library) as opened:
        opened.record_edit(pictures[2], "a sheepdog herding sheep")
        opened.record_review(pictures[0])

    found = run_cli("library", "--library", str(library), "search", "sheep", "--json",
                    model=tiny_model_dir)
    assert found.returncode == 0, found.stderr
    [hit] = _rows(found.stdout)
    assert hit["path"] == str(pictures[2]) and hit["edited"] is True
    missing = run_cli("library", "--library", str(library), "search", "zebra",
                      model=tiny_model_dir)
    assert missing.returncode == 1 and missing.stdout == ""

    stats = run_cli("library", "--library", str(library), "stats", "--json", "--folders",
                    model=tiny_model_dir)
    totals = json.loads(stats.stdout)
    assert (totals["images"], totals["captioned"], totals["edited"], totals["reviewed"]) == (
        3, 3, 1, 2)
    assert totals["per_folder"][0]["folder"] == str(folder)

    out_jsonl, out_csv = tmp_path / "all.jsonl", tmp_path / "all.csv"
    assert run_cli("library", f"--library={library}", "export", "--jsonl", str(out_jsonl),
                   model=tiny_model_dir).returncode == 0
    records = read_jsonl(out_jsonl)
    assert [r.path for r in records] == pictures and records[2].edited
    assert run_cli("library", f"--library={library}", "export", "--csv", str(out_csv),
                   model=tiny_model_dir).returncode == 0
    with out_csv.open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(ROW_FIELDS)
    refused = run_cli("library", f"--library={library}", "export", "--csv", str(out_csv),
                      model=tiny_model_dir)
    assert refused.returncode == 2 and "already exists" in refused.stderr


def test_default_library_lives_in_the_app_data_folder(tmp_path: Path,
                                                      tiny_model_dir: Path) -> None:
    folder = tmp_path / "photos"
    photos(folder, 1)
    env = {**cli_env(tiny_model_dir), "XDG_DATA_HOME": str(tmp_path / "data")}
    env.pop("CAPDESK_LIBRARY", None)
    done = subprocess.run([sys.executable, "-m", "capdesk", "caption", str(folder),
                           "--library"], capture_output=True, text=True, env=env,
                          timeout=120, check=False, cwd=REPO)
    assert done.returncode == 0, done.stderr
    if sys.platform.startswith("linux"):
        assert (tmp_path / "data" / "capdesk" / "capdesk" / "library.sqlite3").exists()


def test_unusable_library_stops_before_the_model_loads(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    photos(folder, 1)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the library's folder should be")
    done = run_cli("caption", str(folder), f"--library={blocker / 'lib.sqlite3'}",
                   model=tmp_path / "no-model")
    assert done.returncode == 2
    assert "caption library" in done.stderr and done.stdout == ""
