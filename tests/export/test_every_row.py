"""Every image gets a row, failed ones with their error; the HTML page shows captions.

The page is checked in a real browser (headless Chromium, as the video page test does):
the caption text must be laid out and visible, not only present in ``alt``.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capdesk.domain.records import CaptionRecord
from capdesk.export import (
    ROW_FIELDS,
    ExportOptions,
    OutcomeStatus,
    export_records,
    read_csv,
    write_html,
)


def _photo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((24, 32, 3), 120, dtype=np.uint8)).save(path)
    return path


def _records(folder: Path) -> list[CaptionRecord]:
    ok = CaptionRecord(_photo(folder / "dog.jpg"), "a dog runs on the grass", reviewed=True)
    other = CaptionRecord(_photo(folder / "cat.jpg"), "a cat sleeps on a sofa")
    broken = folder / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really")
    failed = CaptionRecord(broken, "", error="the file is damaged or cut short")
    return [ok, other, failed]


def test_csv_and_jsonl_hold_every_image_and_count_the_failed(tmp_path: Path) -> None:
    records = _records(tmp_path / "photos")
    out = tmp_path / "out"
    options = ExportOptions(
        formats=frozenset({"csv", "jsonl", "sidecar", "html"}),
        destination=out,
        output_dir=out,
    )
    report = export_records(records, options)
    assert report.count(OutcomeStatus.OK) == 2
    assert report.count(OutcomeStatus.FAILED) == 1
    assert report.summary() == "2 ok, 1 failed"
    assert report.failed[0].message == "not captioned: the file is damaged or cut short"
    assert "reviewed" in ROW_FIELDS
    rows = [json.loads(line) for line in (out / "captions.jsonl").read_text().splitlines()]
    assert [Path(r["path"]).name for r in rows] == ["dog.jpg", "cat.jpg", "broken.jpg"]
    assert [r["reviewed"] for r in rows] == [True, False, False]
    assert rows[2]["caption"] is None and rows[2]["error"] == records[2].error
    csv_rows = read_csv(out / "captions.csv")
    assert [r.error for r in csv_rows] == [None, None, records[2].error]
    assert [r.reviewed for r in csv_rows] == [True, False, False]
    # nothing is written beside a photo that has no caption, and the page leaves it out
    assert not (out / "broken.txt").exists() and (out / "dog.txt").exists()
    page = (out / "captions.html").read_text(encoding="utf-8")
    assert "broken.jpg" not in page and 'alt=""' not in page


def test_in_place_plan_ignores_images_without_a_caption(tmp_path: Path) -> None:
    from capdesk.export import plan_export

    records = _records(tmp_path / "photos")
    plan = plan_export(records, ExportOptions(formats=frozenset({"alt-text"})))
    assert [p.name for p in plan.changed_originals] == ["dog.jpg", "cat.jpg"]


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Appended to a copy of the page: writes what the browser lays out as visible text.
_PROBE = """<script>
const shown = [...document.querySelectorAll('figcaption')].map(f => {
  const box = f.getBoundingClientRect(), style = getComputedStyle(f);
  const visible = box.width > 0 && box.height > 0 && style.visibility === 'visible'
    && style.display !== 'none' && parseFloat(style.opacity) > 0;
  return visible ? f.innerText : '';
});
const out = document.createElement('pre');
out.id = 'probe';
out.textContent = JSON.stringify({shown: shown, body: document.body.innerText});
document.body.appendChild(out);
</script>"""


@pytest.mark.skipif(
    _chromium() is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_chromium_shows_each_caption_under_its_photo(tmp_path: Path) -> None:
    records = _records(tmp_path / "photos")[:2]
    records.append(CaptionRecord(tmp_path / "photos" / "x.jpg", 'Tom & "Jerry" <b>'))
    page = write_html(records, tmp_path / "photos" / "index.html")
    probe = page.with_name("probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"))
    dom = subprocess.run(
        [
            str(_chromium()), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}", "--allow-file-access-from-files",
            "--virtual-time-budget=5000", "--dump-dom", probe.as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    ).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found is not None, dom[:2000]
    result = json.loads(html.unescape(found.group(1)))
    assert result["shown"] == [r.caption for r in records]
    for record in records:
        assert record.caption in result["body"]
