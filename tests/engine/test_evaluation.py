"""The engine API evaluation, calibration and tuning build on, on the tiny random model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from capdesk.engine import Captioner
from capdesk.engine.evaluation import caption_names, read_split
from capdesk.engine.model import record_metrics
from capdesk.engine.scoring import ScoringUnavailable, score_captions
from tests.conftest import write_photo


@pytest.fixture(scope="module")
def captioner(tiny_model_dir: Path):
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        yield engine


def _pixels(n: int = 3) -> np.ndarray:
    return np.random.default_rng(4).integers(0, 255, (n, 32, 32, 3), dtype=np.uint8)


def _words(captions) -> list[tuple[str, ...] | None]:  # type: ignore[no-untyped-def]
    return [c.words if c is not None else None for c in captions]


def test_one_encoding_searched_at_several_beams_matches_captioning_each_time(
    captioner: Captioner,
) -> None:
    pixels = _pixels()
    encoded = captioner.encode(pixels)
    for beam in (1, 2, 3):
        assert _words(captioner.search(encoded, beam_size=beam)) == _words(
            captioner.caption_arrays(pixels, beam_size=beam)
        )


def test_per_call_decoding_options_override_the_manifest(captioner: Captioner) -> None:
    encoded = captioner.encode(_pixels())
    short = captioner.search(encoded, beam_size=3, max_length=2)
    assert all(c is None or len(c.words) <= 2 for c in short)
    # A length penalty changes how finished beams rank; the manifest's 0.0 is the default.
    default = captioner.search(encoded, beam_size=3)
    assert _words(captioner.search(encoded, beam_size=3, length_penalty=0.0)) == _words(default)
    long_bias = captioner.search(encoded, beam_size=3, length_penalty=5.0)
    assert sum(len(c.words) for c in long_bias if c) >= sum(len(c.words) for c in default if c)


def test_observe_step_sees_every_decoder_input(captioner: Captioner) -> None:
    seen: list[dict[str, np.ndarray]] = []
    encoded = captioner.encode(_pixels(2))
    plain = captioner.search(encoded, beam_size=2)
    observed = captioner.search(encoded, beam_size=2, observe_step=seen.append)
    assert _words(observed) == _words(plain)
    assert seen and set(seen[0]) == {"words", "h", "c", "features", "projection"}
    assert seen[0]["words"].tolist() == [captioner.spec.start_id] * 4  # 2 images x 2 beams
    feed = captioner.encoder_feed(_pixels(2))
    assert feed["images"].shape == (2, 3, 32, 32) and feed["images"].dtype == np.float32


def test_caption_names_keeps_order_reports_failures_and_encodes_once(
    captioner: Captioner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["b.jpg", "a.jpg", "broken.jpg", "c.png"]
    for i, name in enumerate(names):
        if name != "broken.jpg":
            write_photo(tmp_path / name, seed=i)
    (tmp_path / "broken.jpg").write_text("not a photo")
    calls: list[int] = []
    real_encode = captioner.encode
    monkeypatch.setattr(captioner, "encode",
                        lambda px, *rest: calls.append(len(px)) or real_encode(px, *rest))
    seen: list[tuple[str, str | None]] = []
    result = caption_names(captioner, tmp_path, names, beams=(1, 3), batch_size=3,
                           on_image=lambda n, e: seen.append((n, e)))
    assert calls == [2, 1]  # one encoder run per batch, whatever the number of beams
    assert [n for n, _ in seen] == names and seen[2][1] and "not an image" in seen[2][1]
    assert list(result.failures) == ["broken.jpg"]
    for beam in (1, 3):
        assert list(result.captions[beam]) == ["b.jpg", "a.jpg", "c.png"]
        paths = [tmp_path / n for n in result.captions[beam]]
        direct = [" ".join(r.caption.words) for r in
                  captioner.caption_paths(paths, beam_size=beam, batch_size=3) if r.caption]
        assert list(result.captions[beam].values()) == direct


def test_read_split_keeps_file_order(tmp_path: Path) -> None:
    split = tmp_path / "split_test.txt"
    split.write_text("z.jpg\n\na.jpg\n m.jpg \n", encoding="utf-8")
    assert read_split(split) == ["z.jpg", "a.jpg", "m.jpg"]


def test_python_tokenizer_mode_needs_no_java(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("pycocoevalcap", reason="scoring needs pycocoevalcap")
    refs = {"x": ["A dog runs.", "a dog is running"], "y": ["Two cats sleep"]}
    hyps = {"x": "a dog runs", "y": "!!!"}  # "!!!" tokenizes to nothing: scored as "a"
    monkeypatch.setattr(shutil, "which", lambda name: None)
    scores = score_captions(refs, hyps, tokenizer=lambda t: t.lower().strip(".!").split(),
                            meteor=False)
    assert set(scores) == {"BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "ROUGE_L", "CIDEr"}
    assert scores["BLEU_1"] > 0
    with pytest.raises(ScoringUnavailable, match="Java"):
        score_captions(refs, hyps)


def test_ptb_mode_scores_identical_captions_perfectly() -> None:
    pytest.importorskip("pycocoevalcap", reason="scoring needs pycocoevalcap")
    if shutil.which("java") is None:
        pytest.skip("java not found: the PTB tokenizer needs it")
    refs = {f"i{k}": [f"a {w} on the grass", f"the {w} on grass"] for k, w in
            enumerate(("dog", "cat", "man", "boy"))}
    hyps = {k: v[0] for k, v in refs.items()}
    scores = score_captions(refs, hyps, meteor=False)
    assert scores["BLEU_1"] == pytest.approx(1.0, abs=1e-6)


def test_record_metrics_merges_into_the_manifest(tiny_model_dir: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    before = json.loads((model / "manifest.json").read_text())
    record_metrics(model, {"set_test_beam3": {"CIDEr": 0.5, "n_images": 4}})
    record_metrics(model, {"set_val_beam3": {"CIDEr": 0.25, "n_images": 2}})
    after = json.loads((model / "manifest.json").read_text())
    assert after["metrics"]["set_test_beam3"] == {"CIDEr": 0.5, "n_images": 4}
    assert after["metrics"]["set_val_beam3"]["CIDEr"] == 0.25
    assert {k: v for k, v in after.items() if k != "metrics"} == {
        k: v for k, v in before.items() if k != "metrics"
    }
    Captioner(model, provider="cpu").close()  # still a loadable model folder
