"""``capdesk caption --lang``: several languages in one run, end to end, read by exiftool."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from capdesk.cli.main import main
from capdesk.library import Library
from tests.cli.test_cli import run_cli
from tests.support.fake_languages import build_language_model


@pytest.fixture(scope="module")
def language_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli-languages") / "model"
    return build_language_model(tiny_model_dir, out, hidden=16, embed=8, vocab=40)


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _pixels(path: Path) -> bytes:
    with Image.open(path) as image:
        return image.tobytes()


def test_four_languages_into_copies_that_exiftool_reads(
    tmp_path: Path, photo_folder: Path, language_dir: Path
) -> None:
    pytest.importorskip("pyexiv2", reason="alt text in images needs pyexiv2")
    exe = shutil.which("exiftool")
    if exe is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    out, jsonl = tmp_path / "out", tmp_path / "rows.jsonl"
    assert main(["caption", str(photo_folder), "--model", str(language_dir), "--lang",
                 "en,zh,de,ar", "--write-alt-text", "--out", str(out), "--sidecar", "txt",
                 "--jsonl", str(jsonl)]) == 0
    rows = _rows(jsonl)
    assert rows and all(row["languages"] == ["en", "zh", "de", "ar"] for row in rows)
    props = ("XMP-iptcCore:AltTextAccessibility", "XMP-dc:Description")
    tags = [f"-{p}-{lang}" for p in props for lang in ("en", "zh-Hans", "de", "ar")]
    for row in rows:
        copy = out / Path(row["path"]).name
        read = subprocess.run([exe, "-json", "-charset", "UTF8", "-G1", f"-{props[0]}", *tags,
                               str(copy)], check=True, capture_output=True).stdout
        found = json.loads(read.decode("utf-8"))[0]
        wanted = {"en": row["alt_text"], "zh-hans": row["alt_text_zh"],
                  "de": row["alt_text_de"], "ar": row["alt_text_ar"]}
        for prop in props:
            for lang, text in wanted.items():
                assert text and found[f"{prop}-{lang}"] == text, (prop, lang)
        assert found[props[0]] == row["alt_text"]  # x-default: English, listed first
        assert _pixels(copy) == _pixels(Path(row["path"]))
        assert (out / f"{copy.stem}.ar.txt").read_text(encoding="utf-8").strip() == (
            row["alt_text_ar"])


def test_english_with_lang_en_is_english_without(
    tmp_path: Path, photo_folder: Path, language_dir: Path, tiny_model_dir: Path
) -> None:
    runs = {
        "plain": ["--model", str(tiny_model_dir)],
        "en": ["--model", str(language_dir), "--lang", "en"],
        "all": ["--model", str(language_dir), "--lang", "en,zh,de,ar"],
        "default": ["--model", str(language_dir)],
    }
    captions = {}
    for name, extra in runs.items():
        target = tmp_path / f"{name}.jsonl"
        assert main(["caption", str(photo_folder), *extra, "--jsonl", str(target)]) == 0
        captions[name] = [(r["path"], r["caption"], r["score"]) for r in _rows(target)]
    assert captions["plain"] == captions["en"] == captions["all"] == captions["default"]


def test_unknown_and_absent_languages_are_refused_naming_the_model_languages(
    photo_folder: Path, language_dir: Path, tiny_model_dir: Path
) -> None:
    done = run_cli("caption", str(photo_folder), "--lang", "en,fr", model=language_dir)
    assert done.returncode == 2 and not done.stdout
    assert "unknown language 'fr'; this model has en (English), zh (Chinese)" in done.stderr
    absent = run_cli("caption", str(photo_folder), "--lang", "zh", model=tiny_model_dir)
    assert absent.returncode == 2
    assert "Chinese (zh) is not in this model; this model has en (English)" in absent.stderr


def test_library_keeps_every_language(
    tmp_path: Path, photo_folder: Path, language_dir: Path
) -> None:
    library = tmp_path / "library.sqlite"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    args = ["caption", str(photo_folder), "--model", str(language_dir), "--lang", "zh,en",
            "--library", str(library)]
    assert main([*args, "--jsonl", str(first)]) == 0
    rows = _rows(first)
    paths = [Path(r["path"]) for r in rows]
    with Library.open(library) as opened:
        zh = opened.lookup(paths, lang="zh")
        en = opened.lookup(paths, lang="en")
    assert [zh[p].text for p in paths] == [r["caption_zh"] for r in rows]
    assert [en[p].text for p in paths] == [r["caption"] for r in rows]
    assert main([*args, "--jsonl", str(second)]) == 0  # known in both: not captioned again
    again = _rows(second)
    assert {r["provider"] for r in again} == {"library"}
    assert [(r["caption"], r["caption_zh"], r["languages"]) for r in again] == [
        (r["caption"], r["caption_zh"], r["languages"]) for r in rows
    ]
