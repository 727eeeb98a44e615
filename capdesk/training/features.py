"""Compute frozen-CNN features once and keep them on disk as float16 memmaps.

Decoder epochs then only read (N, L, C) arrays instead of re-running the CNN, which is
what makes training feasible on a 2-core CPU. The pixel pipeline here must match the
app's exactly: Pillow bilinear squash to the CNN input size, RGB, ``(rgb - 127) / 128``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import cast

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from capdesk.imaging import load_for_model
from capdesk.training.data import CaptionSet
from capdesk.training.encoder import PIXEL_MEAN, PIXEL_STD, cnn_info
from capdesk.training.torch_onnx import OPSET, onnx_export

log = logging.getLogger(__name__)

Runner = Callable[[np.ndarray], np.ndarray]


def default_cache_dir() -> str:
    """``$XDG_CACHE_HOME/capdesk/features``, else ``~/.cache/capdesk/features``.

    The feature cache is large (gigabytes for two corpora) and can always be rebuilt, so
    it lives in the user's cache folder unless ``--cache-dir`` says otherwise.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(base) / "capdesk" / "features")


def make_runner(cnn: nn.Module, work_dir: Path, *, use_onnx: bool = True) -> Runner:
    """Return a batch -> (B, C, g, g) function for the frozen CNN.

    On this CPU onnxruntime runs EfficientNet-Lite0 about 4x faster than eager PyTorch
    (14 vs 56 ms/image measured), and it is also what the app runs, so extraction goes
    through a temporary ONNX export of the very same module.
    """
    if not use_onnx:

        def run_torch(batch: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return cast(np.ndarray, cnn(torch.from_numpy(batch)).numpy())

        return run_torch
    import onnxruntime as ort  # noqa: PLC0415  (only needed to extract)

    work_dir.mkdir(parents=True, exist_ok=True)
    info = cnn_info(cnn)
    size = info.image_size
    path = work_dir / f"cnn-{info.variant}-{info.grid}.onnx"
    onnx_export(
        cnn,
        (torch.zeros(2, 3, size, size),),
        str(path),
        input_names=["images"],
        output_names=["grid"],
        dynamic_axes={"images": {0: "n"}, "grid": {0: "n"}},
        opset_version=OPSET,
    )
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def run_ort(batch: np.ndarray) -> np.ndarray:
        return cast(np.ndarray, session.run(None, {"images": batch})[0])

    return run_ort


def load_image(path: Path, size: int) -> np.ndarray:
    """Decode and normalise one image to a (3, size, size) float32 array.

    Decoding is the app's own loader (:func:`capdesk.imaging.load_for_model`: EXIF
    orientation, JPEG draft, alpha on white, bilinear squash), so the CNN sees in
    training what it sees in the app.
    """
    pixels, _ = load_for_model(path, (size, size), "bilinear")
    arr = pixels.astype(np.float32)
    return ((arr - PIXEL_MEAN) / PIXEL_STD).transpose(2, 0, 1).copy()


class FeatureStore:
    """Row-indexed float16 features of one :class:`CaptionSet` (memory-mapped)."""

    def __init__(self, array: np.ndarray, index: dict[str, int]) -> None:
        self.array = array
        self.index = index

    def get(self, images: list[str]) -> np.ndarray:
        rows = [self.index[name] for name in images]
        return np.asarray(self.array[rows], dtype=np.float32)


def _cache_key(cs: CaptionSet, variant: str, grid: str) -> str:
    digest = hashlib.sha256(
        ("\n".join([str(cs.image_dir.resolve()), variant, grid, *cs.images])).encode()
    ).hexdigest()[:12]
    return f"{cs.name}-{cs.split}-{variant}-{grid}-{len(cs)}-{digest}"


def extract_features(
    cs: CaptionSet,
    cnn: nn.Module,
    cache_dir: Path,
    *,
    batch_size: int = 32,
    progress: bool = True,
    runner: Runner | None = None,
) -> FeatureStore:
    """Return cached features for ``cs``, computing the missing cache file if needed.

    The file is written under a temporary name and renamed at the end, so an
    interrupted extraction never leaves a half-filled cache that looks complete.
    """
    info = cnn_info(cnn)
    variant, grid, size = info.variant, info.grid, info.image_size
    channels, g = info.channels, info.grid_size
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = _cache_key(cs, variant, grid)
    data_path = cache_dir / f"{key}.f16"
    meta_path = cache_dir / f"{key}.json"
    shape = (len(cs), g * g, channels)
    index = {name: i for i, name in enumerate(cs.images)}
    if data_path.is_file() and meta_path.is_file():
        arr = np.memmap(data_path, dtype=np.float16, mode="r", shape=shape)
        return FeatureStore(arr, index)
    log.info("extracting %s features for %s/%s (%d images)", grid, cs.name, cs.split, len(cs))
    tmp = data_path.with_suffix(".tmp")
    out = np.memmap(tmp, dtype=np.float16, mode="w+", shape=shape)
    cnn.eval()
    run = runner or make_runner(cnn, cache_dir)
    bar = tqdm(total=len(cs), desc=f"features {cs.name}/{cs.split}", disable=not progress)
    for start in range(0, len(cs), batch_size):
        names = cs.images[start : start + batch_size]
        batch = np.stack([load_image(cs.image_dir / n, size) for n in names])
        feats = run(batch)  # (B, C, g, g)
        feats = feats.reshape(len(names), channels, g * g).transpose(0, 2, 1)  # (B, L, C)
        out[start : start + len(names)] = feats.astype(np.float16)
        bar.update(len(names))
    bar.close()
    out.flush()
    del out
    tmp.rename(data_path)
    meta = {"images": len(cs), "shape": list(shape), "variant": variant, "grid": grid}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    arr = np.memmap(data_path, dtype=np.float16, mode="r", shape=shape)
    return FeatureStore(arr, index)


def _encoder_session(encoder: Path, output: str, rows: tuple[int, int], work_dir: Path,
                     threads: int) -> tuple[Runner, tuple[int, int], int]:
    """A batch -> ``output[:, rows]`` runner over ``encoder`` (an exported encoder.onnx).

    When ``output`` is a concatenation along the cell axis (the ensemble encoder's
    ``features``: one 81-cell block per member) and ``rows`` is exactly the first block,
    only the sub-graph that computes that block is run (70 instead of 104 ms per photo for
    the first Lite2 member of the shipped encoder, bit-identical). Otherwise the whole
    graph runs and the rows are sliced.
    """
    import onnx  # noqa: PLC0415  (only needed to extract)
    import onnx.utils  # noqa: PLC0415
    import onnxruntime as ort  # noqa: PLC0415

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    model = onnx.load(str(encoder), load_external_data=False)
    producer = next((n for n in model.graph.node if output in n.output), None)
    if producer is not None and producer.op_type == "Concat" and rows[0] == 0:
        work_dir.mkdir(parents=True, exist_ok=True)
        sub = work_dir / f"{encoder.stem}-{producer.input[0].strip('/').replace('/', '_')}.onnx"
        onnx.utils.extract_model(str(encoder), str(sub), ["images"], [producer.input[0]])
        session = ort.InferenceSession(str(sub), opts, providers=["CPUExecutionProvider"])
        size = session.get_inputs()[0].shape[2]
        probe = session.run(None, {"images": np.zeros((1, 3, size, size), np.float32)})[0]
        if probe.shape[1] == rows[1]:

            def run_block(batch: np.ndarray) -> np.ndarray:
                return cast(np.ndarray, session.run(None, {"images": batch})[0])

            return run_block, (int(probe.shape[1]), int(probe.shape[2])), int(size)
    session = ort.InferenceSession(str(encoder), opts, providers=["CPUExecutionProvider"])
    size = session.get_inputs()[0].shape[2]
    probe = session.run([output], {"images": np.zeros((1, 3, size, size), np.float32)})[0]

    def run_slice(batch: np.ndarray) -> np.ndarray:
        out = session.run([output], {"images": batch})[0]
        return cast(np.ndarray, out[:, rows[0] : rows[1]])

    return run_slice, (rows[1] - rows[0], int(probe.shape[2])), int(size)


def encoder_features(
    image_dir: Path,
    images: list[str],
    encoder: Path,
    output: str,
    rows: tuple[int, int],
    cache_dir: Path,
    *,
    batch_size: int = 16,
    threads: int = 1,
    progress: bool = True,
) -> FeatureStore:
    """Cached ``output[:, rows]`` of a frozen exported encoder for ``images`` (float16).

    This is what a per-language decoder reads (LANG_CONTRACT: ``input`` = an encoder
    output and a row slice of it): the English encoder stays exactly as shipped, and
    every language's decoder is trained on the very numbers the app computes. Images are
    decoded by the app's loader at the encoder's input size. The cache is keyed by the
    encoder's sha256, the output, the rows and the image list, and written under a
    temporary name first, like :func:`extract_features`.
    """
    encoder, cache_dir = Path(encoder), Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    enc_sha = hashlib.sha256(encoder.read_bytes()).hexdigest()[:12]
    digest = hashlib.sha256("\n".join([str(Path(image_dir).resolve()), *images]).encode())
    key = f"enc-{enc_sha}-{output}-{rows[0]}-{rows[1]}-{len(images)}-{digest.hexdigest()[:12]}"
    data_path, meta_path = cache_dir / f"{key}.f16", cache_dir / f"{key}.json"
    index = {name: i for i, name in enumerate(images)}
    if data_path.is_file() and meta_path.is_file():
        shape = tuple(json.loads(meta_path.read_text(encoding="utf-8"))["shape"])
        return FeatureStore(np.memmap(data_path, dtype=np.float16, mode="r", shape=shape), index)
    run, (cells, dim), size = _encoder_session(encoder, output, rows, cache_dir, threads)
    shape = (len(images), cells, dim)
    log.info("encoding %d images with %s (%s rows %s)", len(images), encoder, output, rows)
    tmp = data_path.with_suffix(".tmp")
    out = np.memmap(tmp, dtype=np.float16, mode="w+", shape=shape)
    bar = tqdm(total=len(images), desc="encoder features", disable=not progress)
    for start in range(0, len(images), batch_size):
        names = images[start : start + batch_size]
        batch = np.stack([load_image(Path(image_dir) / n, size) for n in names])
        out[start : start + len(names)] = run(batch).astype(np.float16)
        bar.update(len(names))
    bar.close()
    out.flush()
    del out
    tmp.rename(data_path)
    meta = {"images": len(images), "shape": list(shape), "encoder_sha256_12": enc_sha,
            "output": output, "rows": list(rows)}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return FeatureStore(np.memmap(data_path, dtype=np.float16, mode="r", shape=shape), index)


def split_images(root: Path, splits: tuple[str, ...] = ("train", "val", "test")) -> list[str]:
    """Every image named in the folder's split files, in split then file order (no repeats)."""
    seen: dict[str, None] = {}
    for split in splits:
        path = Path(root) / f"split_{split}.txt"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    seen.setdefault(line.strip(), None)
    return list(seen)
