"""Quality gate: the committed ``models/default`` still scores what its manifest claims.

Captions the first 200 Flickr8k test images end to end through ``capdesk.engine`` (the
``Captioner``'s loader and beam search, the manifest's decoding settings, the one
pycocoevalcap wrapper: the path of ``capdesk eval`` and ``capdesk train evaluate``) and
checks BLEU-4 and CIDEr against the ``flickr8k_test200_beam3`` numbers that same path
recorded in the manifest, allowing a 10% drop (ONNX Runtime versions and CPU kernels
may shift a few captions, but not more than that).
"""

from __future__ import annotations

import json
import shutil

import pytest

pytest.importorskip("onnxruntime")

from tests.conftest import REPO, SHARED_DATA

FLICKR = SHARED_DATA / "flickr8k"
MODEL = REPO / "models" / "default"
KEY = "flickr8k_test200_beam3"


def test_default_model_meets_its_model_card() -> None:
    if not (FLICKR / "split_test.txt").is_file():
        pytest.skip(f"Flickr8k not found at {FLICKR.resolve()} (shared data absent)")
    if shutil.which("java") is None:
        pytest.skip("java not found: pycocoevalcap's PTB tokenizer needs it")
    pytest.importorskip("pycocoevalcap", reason="pycocoevalcap not installed")
    if not (MODEL / "manifest.json").is_file():
        pytest.skip("models/default has not been trained yet")
    from capdesk.training.measure import evaluate_split

    claimed = json.loads((MODEL / "manifest.json").read_text())["metrics"][KEY]
    measured = evaluate_split(MODEL, FLICKR, "test", beams=(3,), limit=200, meteor=False)[KEY]
    for metric in ("BLEU_4", "CIDEr"):
        assert measured[metric] >= 0.9 * claimed[metric], (metric, measured, claimed)
