"""``capdesk-app --self-test``: caption the bundled test photo headlessly and exit 0 or not.

A frozen build can be missing a shared library, a data file or the model without anyone
noticing until a user opens it. The self-test runs the real path of one file through the
engine (Pillow decode, ONNX Runtime encoder, beam search) from inside the bundle, with no
window and no Qt, so CI, a packager or a user on the phone with support can check an
installation in a second. It then writes the caption as alt text into an in-memory copy of
the photo and reads it back, because exiv2 is a native library a bundle can lose too. It
reports the caption, the provider that really ran and the timings as one JSON line on stdout
(and in ``--output FILE``, for a windowed Windows build that has no console), plus a log line
on stderr.

Exit status: 0 captioned, 1 the photo gave no caption, 2 the model or provider is unusable,
3 the test photo itself is missing, 4 (bundle only) alt text cannot be written into images.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from capdesk import __version__
from capdesk.domain.decoding import DEFAULT_PROVIDER
from capdesk.domain.resources import resource_path
from capdesk.engine import PROVIDER_CHOICES, Captioner, ModelError, ProviderError

log = logging.getLogger("capdesk.selftest")

EXIT_OK, EXIT_NO_CAPTION, EXIT_MODEL, EXIT_NO_IMAGE, EXIT_ALT_TEXT = 0, 1, 2, 3, 4


def default_image() -> Path:
    return resource_path("selftest.jpg")


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="capdesk-app --self-test",
        description="Caption the bundled test photo without a window and report the result.",
    )
    parser.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--image", type=Path, default=None,
                        help="photo to caption (default: resources/selftest.jpg)")
    parser.add_argument("--model", type=Path, default=None, metavar="DIR",
                        help="model folder (default: $CAPDESK_MODEL_DIR or models/default)")
    parser.add_argument("--provider", choices=PROVIDER_CHOICES, default=DEFAULT_PROVIDER)
    parser.add_argument(
        "--skip-alt-text",
        action="store_true",
        help="don't check that alt text can be written into images",
    )
    parser.add_argument("--output", type=Path, default=None, metavar="FILE",
                        help="also write the JSON report here")
    parser.add_argument("-v", "--verbose", action="store_true")
    # The app's own options (paths, Qt flags) may come along; they don't matter here.
    args, _ignored = parser.parse_known_args(argv)
    return args


def run(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """Caption one photo; return the exit status and the report."""
    started = time.perf_counter()
    image = args.image or default_image()
    report: dict[str, Any] = {
        "version": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "image": str(image),
        "ok": False,
    }
    if not image.is_file():
        report["error"] = f"test photo not found: {image} (the installation is incomplete)"
        return EXIT_NO_IMAGE, report
    try:
        with Captioner(args.model, provider=args.provider) as captioner:
            loaded = time.perf_counter()
            report.update(model=captioner.model_name, model_dir=str(captioner.spec.directory),
                          provider=captioner.provider)
            result = next(iter(captioner.caption_paths([image])))
    except (ModelError, ProviderError) as exc:
        report["error"] = str(exc)
        return EXIT_MODEL, report
    done = time.perf_counter()
    report.update(
        load_seconds=round(loaded - started, 3),
        caption_seconds=round(done - loaded, 3),
        total_seconds=round(done - started, 3),
    )
    if result.caption is None:
        report["error"] = result.error or "no caption"
        return EXIT_NO_CAPTION, report
    report.update(ok=True, caption=result.caption.text, score=round(result.caption.score, 4),
                  image_size=list(result.image_size or ()))
    if not args.skip_alt_text:
        report["alt_text"] = alt_text_round_trip(image, result.caption.text)
        if report["alt_text"] != "ok" and report["frozen"]:
            # From source, pyexiv2 is optional; a bundle without it lacks a core feature.
            report.update(ok=False, error=f"alt text cannot be written: {report['alt_text']}")
            return EXIT_ALT_TEXT, report
    return EXIT_OK, report


def alt_text_round_trip(image: Path, text: str) -> str:
    """"ok" when ``text`` embeds into (a copy of) ``image`` and reads back, else why not."""
    try:
        from capdesk.export.alt_text import (  # noqa: PLC0415 - only the self-test needs it
            embed_alt_text,
            read_embedded_alt_text,
        )

        written = embed_alt_text(image.read_bytes(), text)
        read_back = read_embedded_alt_text(written)
    except Exception as exc:  # ImportError, OSError from a missing libexiv2, ExportError
        return f"{type(exc).__name__}: {exc}"
    return "ok" if read_back == text else f"read back {read_back!r} instead of the caption"


def main(argv: list[str] | None = None) -> int:
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    if sys.stderr is not None:  # a windowed Windows build has no console streams
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        status, report = run(args)
    except Exception as exc:  # the self-test must report, never die with a bare traceback
        log.exception("self-test crashed")
        status, report = EXIT_MODEL, {"ok": False, "error": f"crashed: {exc!r}"}
    line = json.dumps(report, ensure_ascii=False)
    if report["ok"]:
        log.info("self-test passed: %r on %s in %.2f s (model %s)", report["caption"],
                 report["provider"], report["total_seconds"], report["model"])
    else:
        log.error("self-test FAILED: %s", report.get("error"))
    if sys.stdout is not None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    if args.output is not None:
        args.output.write_text(line + "\n", encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
