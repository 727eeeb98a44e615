"""Readers for the caption corpora we train on.

Two layouts are supported:

* a data folder layout (``images/``, ``captions.tsv`` with
  ``image<TAB>n<TAB>caption`` lines, ``split_<name>.txt``), several folders per run;
* Karpathy's ``dataset_*.json`` plus an image folder, the de-facto standard split files.

Everything is reduced to :class:`CaptionSet`, a list of images with their raw
captions, so that the rest of the pipeline does not care where data came from.
Test splits are only ever read by the evaluation code, never by training.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CaptionSet:
    """Images of one split of one corpus and their human captions (raw text)."""

    name: str
    split: str
    image_dir: Path
    images: list[str]
    captions: dict[str, list[str]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.images)

    def limit(self, n: int | None) -> CaptionSet:
        """First ``n`` images only, for quick runs (``--limit``)."""
        if n is None or n >= len(self.images):
            return self
        keep = self.images[:n]
        return CaptionSet(
            self.name, self.split, self.image_dir, keep, {k: self.captions[k] for k in keep}
        )


def read_folder(root: Path, split: str, captions: str = "captions.tsv") -> CaptionSet:
    """Read one split of a ``captions.tsv`` + ``split_*.txt`` folder.

    ``captions`` names another caption file of the same folder and format, e.g.
    ``captions.zh.tsv``: the photos and splits are shared, the language is not.

    Images listed in the split but with no caption are dropped with a warning rather
    than failing, since a missing caption line is a data problem, not a code one.
    """
    root = Path(root)
    split_file = root / f"split_{split}.txt"
    if not split_file.is_file():
        raise FileNotFoundError(f"{split_file} not found")
    names = [ln.strip() for ln in split_file.read_text(encoding="utf-8").splitlines()]
    names = [n for n in names if n]
    wanted = set(names)
    caps: dict[str, list[str]] = defaultdict(list)
    with (root / captions).open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                continue
            image, _, text = parts
            if image in wanted:
                caps[image].append(text)
    missing = [n for n in names if n not in caps]
    if missing:
        log.warning("%s/%s: %d images without captions dropped", root.name, split, len(missing))
    images = [n for n in names if n in caps]
    return CaptionSet(root.name, split, root / "images", images, dict(caps))


def read_karpathy(json_path: Path, image_dir: Path, split: str) -> CaptionSet:
    """Read one split of a Karpathy ``dataset_*.json``.

    ``restval`` images count as ``train``, as in the usual Karpathy-split practice.
    The raw caption (``sentences[].raw``) is kept; normalisation happens in ``text.py``.
    """
    data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    accept = {"train", "restval"} if split == "train" else {split}
    images: list[str] = []
    caps: dict[str, list[str]] = {}
    for entry in data["images"]:
        if entry.get("split") not in accept:
            continue
        rel = str(Path(entry.get("filepath", "")) / entry["filename"])
        texts = [s.get("raw") or " ".join(s["tokens"]) for s in entry["sentences"]]
        if texts:
            images.append(rel)
            caps[rel] = texts
    name = str(data.get("dataset", Path(json_path).stem))
    return CaptionSet(name, split, Path(image_dir), images, caps)


def read_source(spec: str, split: str, captions: str = "captions.tsv") -> CaptionSet:
    """Read ``spec`` which is a folder, or ``path/to/dataset_x.json:image_dir``."""
    if ".json" in spec:
        json_part, _, img_part = spec.partition(":")
        image_dir = Path(img_part) if img_part else Path(json_part).parent / "images"
        return read_karpathy(Path(json_part), image_dir, split)
    return read_folder(Path(spec), split, captions)
