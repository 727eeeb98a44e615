"""The batch API: one result or one error per path, cancellation, providers, model errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from capdesk.engine import Captioner, ModelError, ProviderError, beam_search
from capdesk.engine import captioner as captioner_module
from capdesk.engine import sessions as sessions_module
from tests.conftest import write_photo


@pytest.fixture(scope="module")
def captioner(tiny_model_dir: Path):
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        yield engine


def test_results_come_in_input_order_with_errors_in_place(captioner: Captioner,
                                                         tmp_path: Path) -> None:
    good = [write_photo(tmp_path / f"{i}.jpg", seed=i) for i in range(5)]
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "text.jpg"
    text.write_text("not a photo")
    paths = [good[0], empty, good[1], text, good[2], tmp_path / "missing.png", *good[3:]]
    results = list(captioner.caption_paths(paths, batch_size=3))
    assert [r.path for r in results] == paths
    assert [r.ok for r in results] == [True, False, True, False, True, False, True, True]
    assert "empty" in results[1].error
    assert "not an image" in results[3].error
    assert "not found" in results[5].error
    for result in results:
        assert result.provider == "cpu"
        if result.ok:
            caption = result.caption
            assert caption.text and caption.text[0].isupper() and caption.text.endswith(".")
            assert caption.attention.shape == (len(caption.words), 4, 4)
            np.testing.assert_allclose(caption.attention.sum(axis=(1, 2)), 1.0, rtol=1e-4)
            assert result.image_size == (64, 48)


def test_batch_size_does_not_change_captions(captioner: Captioner, photo_folder: Path) -> None:
    paths = sorted(photo_folder.glob("*.jpg"))
    one = [r.caption.text for r in captioner.caption_paths(paths, batch_size=1)]
    many = [r.caption.text for r in captioner.caption_paths(paths, batch_size=8)]
    assert one == many


def test_beam_size_option_is_used(captioner: Captioner, photo_folder: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    paths = sorted(photo_folder.glob("*.jpg"))[:2]
    rows: list[int] = []

    def spy(step, state, context, **options):
        def counting_step(words, state, context):
            rows.append(len(words))
            return step(words, state, context)

        return beam_search(counting_step, state, context, **options)

    monkeypatch.setattr(captioner_module, "beam_search", spy)
    list(captioner.caption_paths(paths, beam_size=5, batch_size=2))
    assert rows and rows[0] == 2 * 5  # two images, five beams each, in one decoder call


def test_cancellation_between_images_stops_the_iterator(captioner: Captioner,
                                                        tmp_path: Path) -> None:
    paths = [write_photo(tmp_path / f"{i}.jpg", seed=i) for i in range(6)]
    seen: list[Path] = []
    results = captioner.caption_paths(paths, batch_size=2, should_cancel=lambda: len(seen) >= 2)
    for result in results:
        seen.append(result.path)
    assert seen == paths[:2]


def test_cancellation_between_decode_steps(captioner: Captioner, tmp_path: Path) -> None:
    paths = [write_photo(tmp_path / f"{i}.jpg", seed=i) for i in range(2)]
    checks = iter(range(1000))
    # The first check is before the batch; the next ones are decode steps.
    results = list(captioner.caption_paths(paths, should_cancel=lambda: next(checks) >= 3))
    assert results == []


def test_iterator_pulls_paths_lazily(captioner: Captioner, tmp_path: Path) -> None:
    photo = write_photo(tmp_path / "p.jpg")
    pulled = 0

    def endless():
        nonlocal pulled
        while True:
            pulled += 1
            yield photo

    for index, _ in enumerate(captioner.caption_paths(endless(), batch_size=4)):
        if index == 5:
            break
    assert pulled <= 3 * 4  # current batch, the prefetched one, and no more


def test_provider_is_read_back_from_the_session(tiny_model_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # onnxruntime lists CUDA as available but the session silently falls back to the CPU.
    monkeypatch.setattr(sessions_module.ort, "get_available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    real_session = sessions_module.ort.InferenceSession

    def fallback_session(path, options, providers):
        assert providers[0] == "CUDAExecutionProvider"
        return real_session(path, options, providers=["CPUExecutionProvider"])

    monkeypatch.setattr(sessions_module.ort, "InferenceSession", fallback_session)
    with Captioner(tiny_model_dir, provider="auto") as engine:
        assert engine.provider == "cpu"
    with pytest.raises(ProviderError, match="fell back"):
        Captioner(tiny_model_dir, provider="cuda")


def test_cuda_without_a_cuda_build_is_a_clear_error(tiny_model_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions_module.ort, "get_available_providers",
                        lambda: ["CPUExecutionProvider"])
    with pytest.raises(ProviderError, match="no CUDA provider"):
        Captioner(tiny_model_dir, provider="cuda")
    with Captioner(tiny_model_dir, provider="auto") as engine:
        assert engine.provider == "cpu"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (shutil.rmtree, "Model folder not found"),
        (lambda d: (d / "decoder_step.onnx").unlink(), "lacks decoder_step.onnx"),
        (lambda d: (d / "encoder.onnx").write_bytes(b"garbage"), "encoder.onnx could not be"),
        (lambda d: (d / "manifest.json").write_text("{"), "manifest.json is not valid JSON"),
        (lambda d: (d / "vocab.json").write_text(json.dumps({"tokens": ["x"]})), "sha256"),
    ],
)
def test_broken_model_folders_name_the_file(tiny_model_dir: Path, tmp_path: Path, damage,
                                            message: str) -> None:
    broken = tmp_path / "model"
    shutil.copytree(tiny_model_dir, broken)
    damage(broken)
    with pytest.raises(ModelError, match=message):
        Captioner(broken)


def test_memory_stays_flat_over_many_files(captioner: Captioner, tmp_path: Path) -> None:
    """Results are produced one batch at a time: nothing accumulates per file."""
    import tracemalloc

    photo = write_photo(tmp_path / "p.jpg")
    tracemalloc.start()
    for index, _ in enumerate(captioner.caption_paths(photo for _ in range(400))):
        if index == 50:
            baseline = tracemalloc.get_traced_memory()[0]
    grown = tracemalloc.get_traced_memory()[0] - baseline
    tracemalloc.stop()
    assert grown < 2_000_000


def test_manifest_repeatable_words_turn_on_repeat_blocking(
    tiny_model_dir: Path, photo_folder: Path, tmp_path: Path
) -> None:
    """Without the key a model decodes as trained; with it content words appear once."""
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    manifest = json.loads((model / "manifest.json").read_text())
    manifest["decoding"]["repeatable_words"] = ["a", "the"]
    (model / "manifest.json").write_text(json.dumps(manifest))
    paths = sorted(photo_folder.glob("*.jpg"))
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as plain:
        assert plain.spec.no_repeat_ids == ()
        free = [r.caption for r in plain.caption_paths(paths)]
    with Captioner(model, provider="cpu", threads=1) as blocking:
        tokens = blocking.spec.tokens
        blocked_words = {tokens[i] for i in blocking.spec.no_repeat_ids}
        assert {"a", "the", "<end>", "<pad>"}.isdisjoint(blocked_words)
        assert "dog" in blocked_words
        once = [r.caption for r in blocking.caption_paths(paths)]
    # The random tiny model repeats itself; with blocking no content word comes twice.
    assert any(c is not None and _repeats_content(c.words) for c in free)
    for c in once:
        assert c is not None and not _repeats_content(c.words)


def _repeats_content(words: tuple[str, ...]) -> bool:
    content = [w for w in words if w not in ("a", "the")]
    return len(set(content)) < len(content)
