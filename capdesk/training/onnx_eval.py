"""Score an exported model directory end to end: JPEG -> ONNX encoder -> beam search.

This is deliberately independent of PyTorch (onnxruntime + numpy + Pillow only), so the
numbers it reports are the numbers of what ships, and the quality gate test can run it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

from capdesk.engine.beam import Arrays, beam_search
from capdesk.engine.model import no_repeat_ids

log = logging.getLogger(__name__)


class OnnxModel:
    """The two ONNX sessions of a model directory, with its vocabulary and manifest."""

    def __init__(self, model_dir: Path, threads: int | None = None) -> None:
        from capdesk.engine.sessions import create_session  # noqa: PLC0415  (heavy)

        self.dir = Path(model_dir)
        self.manifest: dict[str, Any] = json.loads((self.dir / "manifest.json").read_text())
        self.tokens: list[str] = json.loads((self.dir / "vocab.json").read_text())["tokens"]
        # The app's session settings, so validation and bench time what users run.
        self.encoder = create_session(self.dir / "encoder.onnx", "cpu", threads)
        self.decoder = create_session(self.dir / "decoder_step.onnx", "cpu", threads)
        ids = {t: i for i, t in enumerate(self.tokens)}
        sp = self.manifest["vocab"]["specials"]
        keys = ("pad", "start", "end", "unk")
        self.pad, self.start, self.end, self.unk = (ids[sp[k]] for k in keys)
        self.no_repeat_ids = no_repeat_ids(
            self.tokens, self.manifest.get("decoding", {}).get("repeatable_words")
        )

    def load(self, path: Path) -> np.ndarray:
        from capdesk.training.features import load_image  # noqa: PLC0415

        return load_image(path, int(self.manifest["input"]["height"]))

    def encode(self, images: np.ndarray) -> tuple[Arrays, Arrays]:
        f, p, h, c = self.encoder.run(None, {"images": images.astype(np.float32)})
        return {"h": h, "c": c}, {"features": f, "projection": p}

    def step(
        self, words: np.ndarray, state: Arrays, ctx: Arrays
    ) -> tuple[np.ndarray, Arrays, np.ndarray]:
        logp, h, c, alpha = self.decoder.run(
            None,
            {
                "words": words.astype(np.int64),
                "h": state["h"],
                "c": state["c"],
                "features": ctx["features"],
                "projection": ctx["projection"],
            },
        )
        return cast(np.ndarray, logp), {"h": h, "c": c}, cast(np.ndarray, alpha)

    def caption(
        self,
        state: Arrays,
        ctx: Arrays,
        beam: int,
        max_length: int = 20,
        length_penalty: float | None = None,
    ) -> list[list[str]]:
        lp = (
            self.manifest["decoding"].get("length_penalty", 0.0)
            if length_penalty is None
            else length_penalty
        )
        hyps = beam_search(
            self.step,
            state,
            ctx,
            start_id=self.start,
            end_id=self.end,
            banned_ids=(self.pad, self.start, self.unk),
            no_repeat_ids=self.no_repeat_ids,
            beam_size=beam,
            max_length=max_length,
            length_penalty=lp,
        )
        return [[self.tokens[i] for i in h.token_ids] for h in hyps]


def caption_images(
    model: OnnxModel, paths: Sequence[Path], beams: Sequence[int], batch: int = 8
) -> dict[int, list[str]]:
    """Caption ``paths`` at every beam size of ``beams`` (encoding each image once)."""
    out: dict[int, list[str]] = {b: [] for b in beams}
    for i in range(0, len(paths), batch):
        images = np.stack([model.load(p) for p in paths[i : i + batch]])
        state, ctx = model.encode(images)
        for b in beams:
            out[b].extend(" ".join(w) for w in model.caption(state, ctx, b))
    return out


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
) -> dict[str, dict[str, float]]:
    """Caption a split of a data folder and score it with pycocoevalcap (PTB tokenizer)."""
    from capdesk.training.data import read_folder  # noqa: PLC0415
    from capdesk.training.evaluate import coco_scores  # noqa: PLC0415

    cs = read_folder(Path(data), split).limit(limit)
    model = OnnxModel(model_dir)
    t0 = time.monotonic()
    caps = caption_images(model, [cs.image_dir / n for n in cs.images], beams)
    elapsed = time.monotonic() - t0
    log.info("captioned %d images at beams %s in %.1f s", len(cs), list(beams), elapsed)
    results: dict[str, dict[str, float]] = {}
    for b in beams:
        hyps = dict(zip(cs.images, caps[b], strict=True))
        scores = coco_scores(cs.captions, hyps, meteor=meteor)
        scores["n_images"] = len(cs)
        tag = split if limit is None else f"{split}{len(cs)}"
        results[f"{cs.name}_{tag}_beam{b}"] = scores
        log.info(
            "%s %s beam %d: %s", cs.name, split, b, {k: round(v, 4) for k, v in scores.items()}
        )
    if output is not None:
        output.write_text(
            json.dumps(
                {
                    "scores": results,
                    "seconds": elapsed,
                    "captions": {str(b): dict(zip(cs.images, caps[b], strict=True)) for b in beams},
                },
                indent=1,
            )
        )
    if record:
        from capdesk.training.export import write_manifest  # noqa: PLC0415

        manifest = model.manifest
        manifest.setdefault("metrics", {}).update(results)
        write_manifest(Path(model_dir), manifest)
    return results


def benchmark(
    model_dir: Path, paths: Sequence[Path], *, batch: int = 8, beam: int = 3, threads: int = 2
) -> dict[str, float]:
    """Time JPEG decode, the encoder and beam search on ``paths`` in batches of ``batch``.

    The first batch is a warm-up and is not counted. Returns milliseconds per image
    for each stage and the end-to-end images per second.
    """
    model = OnnxModel(model_dir, threads=threads)
    t_load = t_enc = t_dec = 0.0
    counted = 0
    for i in range(0, len(paths), batch):
        t0 = time.perf_counter()
        images = np.stack([model.load(p) for p in paths[i : i + batch]])
        t1 = time.perf_counter()
        state, ctx = model.encode(images)
        t2 = time.perf_counter()
        model.caption(state, ctx, beam)
        t3 = time.perf_counter()
        if i == 0:
            continue
        counted += len(images)
        t_load, t_enc, t_dec = t_load + t1 - t0, t_enc + t2 - t1, t_dec + t3 - t2
    n = max(counted, 1)
    total = t_load + t_enc + t_dec
    return {
        "images": float(counted),
        "decode_ms_per_image": 1000 * t_load / n,
        "encoder_ms_per_image": 1000 * t_enc / n,
        "beam_ms_per_image": 1000 * t_dec / n,
        "images_per_second": n / total if total else 0.0,
    }
