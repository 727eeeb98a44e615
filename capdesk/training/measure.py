"""``capdesk train evaluate`` and ``bench``: what ships, measured through ``capdesk.engine``.

No torch and no loader or scorer of its own: a data folder's split is captioned by
:func:`capdesk.engine.evaluation.evaluate` (the ``Captioner``'s loader, beam search and
the manifest's decoding settings; the one pycocoevalcap wrapper), the very path of
``capdesk eval``, and the scores can be recorded into the model's ``manifest.json``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from capdesk.engine import Captioner, StageTimes
from capdesk.engine.evaluation import evaluate, read_split
from capdesk.engine.model import record_metrics
from capdesk.engine.scoring import read_references

log = logging.getLogger(__name__)


def split_names(data: Path, split: str, limit: int | None = None) -> list[str]:
    """The images of ``data/split_<split>.txt`` in file order, the first ``limit`` only."""
    names = read_split(Path(data) / f"split_{split}.txt")
    return names if limit is None else names[:limit]


def evaluate_split(
    model_dir: Path,
    data: Path,
    split: str,
    *,
    beams: Sequence[int] = (3,),
    limit: int | None = None,
    output: Path | None = None,
    record: bool = False,
    meteor: bool = True,
    batch_size: int = 8,
    threads: int | None = None,
) -> dict[str, dict[str, float]]:
    """Caption a split of a data folder (``images/``, ``captions.tsv``, ``split_*.txt``)
    and score it; entries are named ``<folder>_<split>[N]_beam<b>`` as in the manifest."""
    data = Path(data)
    references = read_references(data / "captions.tsv", data / f"split_{split}.txt")
    names = [n for n in split_names(data, split) if n in references]
    if limit is not None:
        names = names[:limit]
    with Captioner(model_dir, provider="cpu", threads=threads) as captioner:
        result = evaluate(
            captioner,
            data / "images",
            references,
            names,
            beams=beams,
            batch_size=batch_size,
            meteor=meteor,
        )
    if result.failures:
        log.warning("%d images failed: %s", len(result.failures), dict(result.failures))
    tag = split if limit is None else f"{split}{len(names)}"
    scores: dict[str, dict[str, float]] = {}
    for beam in beams:
        entry = dict(result.scores[beam])
        entry["n_images"] = int(entry["n_images"])
        scores[f"{data.name}_{tag}_beam{beam}"] = entry
    log.info("captioned %d images at beams %s in %.1f s", len(names), list(beams), result.seconds)
    if output is not None:
        captions = {str(b): result.captions[b] for b in beams}
        payload = {"scores": scores, "seconds": result.seconds, "captions": captions}
        output.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    if record:
        record_metrics(Path(model_dir), dict(scores))
    return scores


def benchmark(
    model_dir: Path,
    paths: Sequence[Path],
    *,
    batch: int = 8,
    beam: int = 3,
    threads: int | None = None,
) -> dict[str, float]:
    """Milliseconds per image for decode, encoder and beam search, and images per second,
    with the app's ``caption_paths`` (decoding overlaps the model); the first batch is a
    warm-up and is not counted."""
    with Captioner(model_dir, provider="cpu", threads=threads) as captioner:
        list(captioner.caption_paths(paths[:batch], beam_size=beam, batch_size=batch))
        captioner.times = StageTimes()
        started = time.perf_counter()
        for _ in captioner.caption_paths(paths[batch:], beam_size=beam, batch_size=batch):
            pass
        wall = time.perf_counter() - started
        times = captioner.times
    n = max(times.images, 1)
    return {
        "images": float(times.images),
        "decode_ms_per_image": 1000 * times.decode / n,
        "encoder_ms_per_image": 1000 * times.encoder / n,
        "beam_ms_per_image": 1000 * times.search / n,
        "images_per_second": times.images / wall if wall else 0.0,
    }
