"""Issue 18's check: ``capdesk caption receipt.jpg --read-text --write-alt-text --out DIR``.

exiftool (an independent reader) must show the short alt text and the Extended Description
(Accessibility) with the whole text, and the copy's decoded pixels must equal the original's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.support.documents import RECEIPT_LINES, render_receipt


def _pixels(path: Path) -> str:
    with Image.open(path) as image:
        return hashlib.sha256(image.tobytes()).hexdigest()


def test_receipt_text_goes_into_alt_text_and_extended_description(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        pytest.skip("exiftool not installed (Debian: apt-get install libimage-exiftool-perl)")
    if shutil.which("tesseract") is None and not os.environ.get("CAPDESK_TESSERACT"):
        pytest.skip("tesseract not installed (Debian: apt-get install tesseract-ocr)")
    photos = tmp_path / "in"
    photos.mkdir()
    receipt = render_receipt(photos / "receipt.jpg")
    original = receipt.read_bytes()
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "CAPDESK_MODEL_DIR": str(tiny_model_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "capdesk", "caption", str(receipt), "--read-text",
         "--write-alt-text", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )
    assert done.returncode == 0, done.stderr
    (row,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert row["error"] is None
    assert "mostly_text" in [flag["code"] for flag in row["flags"]]
    read = row["visible_text"]
    assert "GROCERY" in read and "THANK YOU" in read
    alt = row["alt_text"]
    assert alt.startswith(row["caption"] + " Text: GREEN VALLEY GROCERY, ")
    assert len(alt) <= 250 and alt.endswith("…")  # the whole receipt does not fit

    (copy,) = row["written"]
    shown = json.loads(subprocess.run(
        [exiftool, "-json", "-charset", "UTF8", "-G1", "-XMP-iptcCore:AltTextAccessibility",
         "-XMP-iptcCore:ExtDescrAccessibility", "-XMP-dc:Description", copy],
        capture_output=True, check=True,
    ).stdout.decode("utf-8"))[0]
    assert shown["XMP-iptcCore:AltTextAccessibility"] == alt
    assert shown["XMP-dc:Description"] == alt
    extended = shown["XMP-iptcCore:ExtDescrAccessibility"]
    assert extended == read.strip()
    assert RECEIPT_LINES[-1] in extended  # the part the short text had to leave out
    assert _pixels(Path(copy)) == _pixels(receipt)
    assert receipt.read_bytes() == original  # --out never touches the original
