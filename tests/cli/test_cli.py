"""The command line end to end on generated images, in a subprocess like a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from capdesk.cli.main import main
from tests.conftest import write_photo


def run_cli(*args: str, model: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    if model is not None:
        env["CAPDESK_MODEL_DIR"] = str(model)
    return subprocess.run(
        [sys.executable, "-m", "capdesk", *args], capture_output=True, text=True, env=env,
        timeout=120, check=False,
    )


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Photos mixed with a truncated JPEG, a zero-byte file, text named .jpg, PNG with alpha."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_photo(folder / "a_photo.jpg", seed=1)
    write_photo(folder / "b_photo.jpg", seed=2)
    full = io.BytesIO()
    Image.new("RGB", (64, 64), (9, 9, 9)).save(full, "JPEG")
    (folder / "c_truncated.jpg").write_bytes(full.getvalue()[:300])
    (folder / "d_empty.jpg").write_bytes(b"")
    (folder / "e_text.jpg").write_text("this is not a picture\n")
    Image.new("RGBA", (40, 30), (255, 0, 0, 128)).save(folder / "f_alpha.png")
    (folder / "notes.txt").write_text("ignored: not an image extension")
    return folder


def test_caption_folder_with_bad_files_goes_on(mixed_folder: Path, tiny_model_dir: Path) -> None:
    done = run_cli("caption", str(mixed_folder), model=tiny_model_dir)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {Path(r["path"]).name: r for r in rows}
    assert sorted(by_name) == ["a_photo.jpg", "b_photo.jpg", "c_truncated.jpg", "d_empty.jpg",
                               "e_text.jpg", "f_alpha.png"]
    for name in ("a_photo.jpg", "b_photo.jpg", "f_alpha.png"):
        row = by_name[name]
        assert row["caption"] and row["provider"] == "cpu"
        assert isinstance(row["score"], float) and row["milliseconds"] >= 0
    assert "truncated" in by_name["c_truncated.jpg"]["error"]
    assert "empty" in by_name["d_empty.jpg"]["error"]
    assert "not an image" in by_name["e_text.jpg"]["error"]
    error_lines = [line for line in done.stderr.splitlines() if line.startswith("capdesk: ")]
    assert len(error_lines) == 3
    assert "3 captioned, 3 failed" in done.stderr


def test_exit_status_is_nonzero_only_when_nothing_was_captioned(tmp_path: Path,
                                                                tiny_model_dir: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"")
    done = run_cli("caption", str(bad), model=tiny_model_dir)
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]


def test_csv_and_jsonl_files(tmp_path: Path, photo_folder: Path, tiny_model_dir: Path) -> None:
    out_csv, out_jsonl = tmp_path / "out.csv", tmp_path / "out.jsonl"
    assert main(["caption", str(photo_folder), "--recursive", "--model", str(tiny_model_dir),
                 "--csv", str(out_csv), "--beam", "2"]) == 0
    with out_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and all(r["caption"] for r in rows)
    assert any(r["path"].endswith("nested.png") for r in rows)
    assert main(["caption", str(photo_folder), "--model", str(tiny_model_dir),
                 "--jsonl", str(out_jsonl)]) == 0
    lines = out_jsonl.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5  # not recursive: the nested PNG is left out
    jsonl_rows = [json.loads(line) for line in lines]
    assert sorted(Path(r["path"]).name for r in jsonl_rows) == [f"photo{i}.jpg" for i in range(5)]
    assert all(r["caption"] and r["provider"] == "cpu" for r in jsonl_rows)


def test_missing_model_is_a_clear_error(tmp_path: Path, photo_folder: Path) -> None:
    done = run_cli("caption", str(photo_folder), "--model", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "Model folder not found" in done.stderr


def test_bench_prints_one_json_object(photo_folder: Path, tiny_model_dir: Path) -> None:
    done = run_cli("bench", "--images", str(photo_folder), "--batch", "4", "--latency-runs", "2",
                   model=tiny_model_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["images"] == report["captioned"] == 6
    stages = set(report["ms_per_image"])
    assert {"end_to_end", "decode", "encoder", "search"} <= stages
    assert stages - {"end_to_end", "decode", "encoder", "search"} <= {
        "quality", "trust", "text_check", "read_text"}
    # The figures depend on the machine; that they agree with each other does not.
    per_image = report["ms_per_image"]
    assert per_image["end_to_end"] * report["images_per_second"] == pytest.approx(1000, rel=0.05)
    latency = report["single_image_latency_ms"]
    assert latency["min"] <= latency["median"] <= latency["max"]
    assert report["provider"] == "cpu" and report["batch"] == 4


@pytest.mark.skipif(shutil.which("java") is None, reason="capdesk eval needs Java")
def test_eval_prints_coco_metrics(tmp_path: Path, photo_folder: Path,
                                  tiny_model_dir: Path) -> None:
    pytest.importorskip("pycocoevalcap", reason="capdesk eval needs pycocoevalcap")
    tsv = tmp_path / "captions.tsv"
    names = sorted(p.name for p in photo_folder.glob("*.jpg"))
    tsv.write_text("".join(f"{n}\t{i}\ta dog runs on the grass .\n" for n in names
                           for i in range(2)), encoding="utf-8")
    split = tmp_path / "split.txt"
    split.write_text("\n".join(names[:3]) + "\n")
    done = run_cli("eval", "--images", str(photo_folder), "--captions", str(tsv), "--split",
                   str(split), "--beam", "2", model=tiny_model_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    for key in ("BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "METEOR", "ROUGE_L", "CIDEr"):
        assert 0.0 <= report[key] <= 10.0
    assert report["n_images"] == 3


def test_train_without_the_extra_or_with_help_does_not_crash() -> None:
    done = run_cli("--help")
    assert done.returncode == 0 and "caption" in done.stdout and "train" in done.stdout


def test_caption_writes_alt_text_copies_and_sidecars(tmp_path: Path, photo_folder: Path,
                                                     tiny_model_dir: Path) -> None:
    pytest.importorskip("pyexiv2", reason="alt text in images needs pyexiv2")
    from capdesk.export import read_alt_text, read_embedded_alt_text

    out = tmp_path / "with-alt-text"
    originals = {p: p.read_bytes() for p in photo_folder.glob("*.jpg")}
    jsonl = tmp_path / "rows.jsonl"
    assert main(["caption", str(photo_folder), "--model", str(tiny_model_dir), "--jsonl",
                 str(jsonl), "--write-alt-text", "--out", str(out), "--sidecar", "txt"]) == 0
    rows = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 5
    for row in rows:
        copy = out / Path(row["path"]).name
        assert str(copy) in row["written"]
        assert read_embedded_alt_text(copy.read_bytes()) == row["caption"]
        assert (out / (copy.stem + ".txt")).read_text(encoding="utf-8").strip() == row["caption"]
        assert read_alt_text(copy) == row["caption"]
    assert {p: p.read_bytes() for p in photo_folder.glob("*.jpg")} == originals


def test_write_alt_text_requires_a_destination(photo_folder: Path, tiny_model_dir: Path) -> None:
    done = run_cli("caption", str(photo_folder), "--write-alt-text", model=tiny_model_dir)
    assert done.returncode != 0
    assert "--in-place or --out" in done.stderr
