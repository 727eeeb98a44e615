"""How often captions get a flag, read from the engine's own results (issue 18's targets).

Every flag counts (quality, trust, text), exactly as ``capdesk caption`` reports them in
its ``flags`` field. The out-of-domain figure uses only photos held out by *both* split
rules in use: the trust estimate's (sorted names, odd positions, scripts/trust_data.py) and
the text reader's (docs/ocr_splits.json, sha1 odd), so nothing scored here was fitted on.

    python scripts/flag_rates.py --data ../shared/data [--test] [--model DIR]

Prints one JSON object: per set, photos, flagged share, and each code's share.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from capdesk.engine import Captioner

OOD_KINDS = ("vizwiz", "scenetext", "icdar2015", "sroie", "funsd")


def ood_check_photos(ood: Path, ocr_splits: Path) -> dict[str, list[Path]]:
    """Photos in the check half of both split rules, per ood folder."""
    text_split = json.loads(ocr_splits.read_text(encoding="utf-8"))["folders"]
    held_out: dict[str, list[Path]] = {}
    for kind in OOD_KINDS:
        folder = ood / kind
        names = sorted(p.name for p in (folder / "images").iterdir() if p.is_file())
        trust_check = set(names[1::2])
        text_fit = {Path(name).name for name in text_split.get(kind, {}).get("fit", [])}
        held_out[kind] = [folder / "images" / n for n in names if n in trust_check - text_fit]
    return held_out


def rates(captioner: Captioner, photos: list[Path]) -> dict[str, object]:
    codes: Counter[str] = Counter()
    flagged = captioned = 0
    for result in captioner.caption_paths(photos):
        if not result.ok:
            continue
        captioned += 1
        flagged += bool(result.flags)
        codes.update(set(result.flag_codes))
    share = {code: round(n / max(captioned, 1), 3) for code, n in sorted(codes.items())}
    return {"photos": captioned, "flagged": round(flagged / max(captioned, 1), 3), "codes": share}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--test", action="store_true",
                        help="Flickr8k test instead of val (the final figure only)")
    parser.add_argument("--ocr-splits", type=Path,
                        default=Path(__file__).resolve().parents[1] / "docs" / "ocr_splits.json")
    args = parser.parse_args()
    flickr = args.data / "flickr8k"
    split = "test" if args.test else "val"
    names = (flickr / f"split_{split}.txt").read_text(encoding="utf-8").split()
    report: dict[str, object] = {}
    with Captioner(args.model, provider="cpu") as captioner:
        report[f"flickr8k_{split}"] = rates(captioner, [flickr / "images" / n for n in names])
        held_out = ood_check_photos(args.data / "ood", args.ocr_splits)
        every: list[Path] = []
        for kind, photos in held_out.items():
            report[f"ood_{kind}"] = rates(captioner, photos)
            every += photos
        report["ood_all_held_out"] = rates(captioner, every)
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
