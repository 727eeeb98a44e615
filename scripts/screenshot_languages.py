"""Take the screenshot of the window writing captions in Chinese, Arabic and English.

No Chinese or Arabic model has shipped yet, so the window runs on a *fixture* model
folder built here in a temporary directory: ``models/default``'s files, linked, plus two
manifest ``format_version`` 2 languages that reuse the English decoder with another
vocabulary (``init: null``, docs/adr/0008): each English token replaced by its Chinese or
Arabic gloss (``scripts/gloss_vocab.py``). The Chinese and Arabic captions in the picture
are therefore the English caption glossed word for word — real Chinese and Arabic words
in English word order, with the English decoder's attention per word — which shows the
layout (tabs, right-to-left editing, CJK text, per-word heatmaps), not translation
quality.

    xvfb-run -a .venv/bin/python scripts/screenshot_languages.py \
        --out docs/screenshots/languages.png --photos ../shared/data/samples/images
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.gloss_vocab import gloss_tokens  # noqa: E402

LANGUAGES = {
    "zh": {"code": "zh", "name": "Chinese", "native_name": "中文", "xml_lang": "zh-Hans",
           "direction": "ltr", "tokens": "words", "joiner": ""},
    "ar": {"code": "ar", "name": "Arabic", "native_name": "العربية", "xml_lang": "ar",
           "direction": "rtl", "tokens": "words", "joiner": " "},
}


def build_fixture(source: Path, target: Path) -> Path:
    """``source``'s files linked into ``target``, with the glossed zh and ar languages."""
    manifest = json.loads((source / "manifest.json").read_text())
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and path.name != "manifest.json":
            (target / path.name).symlink_to(path.resolve())
    tokens = json.loads((source / manifest["vocab"]["file"]).read_text())["tokens"]
    languages: list[dict[str, object]] = [
        {"code": "en", "name": "English", "native_name": "English", "xml_lang": "en",
         "direction": "ltr"}]
    for code, entry in LANGUAGES.items():
        folder = target / code
        folder.mkdir()
        data = json.dumps({"tokens": gloss_tokens(tokens, code)}, ensure_ascii=False)
        (folder / "vocab.json").write_text(data, encoding="utf-8")
        decoding = dict(manifest["decoding"])
        if decoding.get("repeatable_words") is not None:
            decoding["repeatable_words"] = gloss_tokens(decoding["repeatable_words"], code)
        languages.append({
            **entry, "init": None,
            "vocab": {"file": f"{code}/vocab.json", "specials": manifest["vocab"]["specials"],
                      "sha256": hashlib.sha256(data.encode()).hexdigest()},
            "decoding": decoding, "trust": None,
            "training_data": ["none: a word-for-word gloss of the English decoder's output"],
        })
    manifest.update(format_version=2, languages=languages)
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def save_small(image: object, target: Path, colours: int) -> None:
    """Save the window as a palette PNG (docs want < 300 kB; the photo dithers a little)."""
    from PIL import Image  # noqa: PLC0415

    from capdesk.jobs import qimage_to_rgb  # noqa: PLC0415

    rgb = Image.fromarray(qimage_to_rgb(image))  # type: ignore[arg-type]
    small = rgb.quantize(colors=colours, method=Image.Quantize.MEDIANCUT)
    target.parent.mkdir(parents=True, exist_ok=True)
    small.save(target, optimize=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--photos", type=Path, default=REPO.parent / "shared/data/samples/images")
    parser.add_argument("--model", type=Path, default=REPO / "models/default")
    parser.add_argument("--count", type=int, default=8, help="photos to caption")
    parser.add_argument("--select", type=int, default=1, help="row of the photo to show")
    parser.add_argument("--languages", default="zh,ar,en", help="chosen order (Settings)")
    parser.add_argument("--tab", default="ar", help="language tab shown in the preview")
    parser.add_argument("--word", type=int, default=2, help="word whose heatmap is shown")
    parser.add_argument("--colours", type=int, default=256, help="PNG palette size (file size)")
    parser.add_argument("--size", default="1280x800", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QSettings, QTimer  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    QApplication.instance() or QApplication([])
    from capdesk.ui.app import build_window  # noqa: PLC0415

    photos = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in {".jpg", ".png"})
    with tempfile.TemporaryDirectory(prefix="capdesk-lang-shot-") as tmp:
        model = build_fixture(args.model, Path(tmp) / "model")
        store = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        store.setValue("library_path", str(Path(tmp) / "library.sqlite3"))  # caption afresh
        store.setValue("caption_languages", args.languages.split(","))
        window, controller = build_window(store, model_dir=model)
        width, height = (int(v) for v in args.size.split("x"))
        window.resize(width, height)
        window.show()

        def settle(seconds: float) -> None:
            pause = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), pause.quit)
            pause.exec()

        loop = QEventLoop()
        controller.queue.finished.connect(lambda _result: loop.quit())
        controller.queue.engine_ready.connect(
            lambda _info: QTimer.singleShot(0, lambda: controller.add_paths(
                photos[: args.count])))
        controller.start()
        loop.exec()
        view = window.list_view
        view.setCurrentIndex(view.model().index(args.select, 0))
        settle(1.0)
        window.preview.captions.show_language(args.tab)
        item = controller.model.items()[args.select]
        caption = item.in_language(args.tab).caption
        if caption is not None and caption.words:
            window.preview.select_word(min(args.word, len(caption.words) - 1))
        settle(1.0)
        save_small(window.grab().toImage(), args.out, args.colours)
        for code in args.languages.split(","):
            print(f"{item.path.name} [{code}]: {item.in_language(code).text}")
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
