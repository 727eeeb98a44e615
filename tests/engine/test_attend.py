"""Forced decoding of a stored caption gives back the maps the original run showed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capdesk.engine import Captioner
from capdesk.engine.attend import caption_tokens
from capdesk.imaging import ImageLoadError
from tests.conftest import write_photo


@pytest.fixture(scope="module")
def captioner(tiny_model_dir: Path):
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as engine:
        yield engine


@pytest.mark.parametrize("beam", [1, 3])
def test_forced_decoding_reproduces_the_runs_attention(
    captioner: Captioner, tmp_path: Path, beam: int
) -> None:
    photos = [write_photo(tmp_path / f"{i}.jpg", seed=10 + i) for i in range(3)]
    for result in captioner.caption_paths(photos, beam_size=beam):
        original = result.caption
        assert original is not None
        again = captioner.attend(result.path, original.text)  # only the text was kept
        assert again is not None
        assert again.text == original.text and again.words == original.words
        assert again.attention.shape == original.attention.shape
        np.testing.assert_allclose(again.attention, original.attention, atol=1e-5)
        assert again.attention.sum(axis=(1, 2)) == pytest.approx(1.0, abs=1e-4)
        # each word's log-probability is the model's, before the search's bans
        assert len(again.token_log_probs) == len(original.words) + 1
        assert np.isfinite(again.score)


def test_words_outside_the_vocabulary_and_bad_files(captioner: Captioner, tmp_path: Path) -> None:
    spec = captioner.spec
    unk = spec.unk_id
    assert caption_tokens(spec, "Zzyzx qwertyuiop.") == [unk, unk]
    assert caption_tokens(spec, "  ") == []
    photo = write_photo(tmp_path / "a.jpg", seed=3)
    assert captioner.attend(photo, "") is None
    caption = captioner.attend(photo, "Zzyzx qwertyuiop.")
    assert caption is not None and caption.attention.shape[0] == 2
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 nothing")
    with pytest.raises(ImageLoadError):
        captioner.attend(broken, "a dog")
