"""Properties of the committed ``models/default`` that no tiny random model can show."""

from __future__ import annotations

from pathlib import Path

import pytest

from capdesk.engine import Captioner
from tests.conftest import REPO, write_photo

SHIPPED = REPO / "models" / "default"


@pytest.mark.skipif(not (SHIPPED / "manifest.json").is_file(), reason="no models/default")
def test_a_caption_does_not_depend_on_the_other_photos_in_its_batch(tmp_path: Path) -> None:
    # Dynamically quantized int8 matrix products pick one activation scale for the whole
    # batch, so a photo's caption changed with its neighbours; the shipped weights must not.
    photos = [write_photo(tmp_path / f"p{i}.jpg", (320, 240), seed=i) for i in range(12)]
    with Captioner(SHIPPED, threads=1) as captioner:
        alone = [next(iter(captioner.caption_paths([p], batch_size=1))) for p in photos]
        together = list(captioner.caption_paths(photos, batch_size=12))
    for a, b in zip(alone, together, strict=True):
        assert a.caption is not None and b.caption is not None
        assert a.caption.text == b.caption.text
        assert a.caption.log_prob == pytest.approx(b.caption.log_prob, abs=1e-4)
