"""Caption a reference set through the :class:`Captioner` and score it: the one evaluation path.

``capdesk eval``, ``capdesk train evaluate`` (which records into the manifest) and the
quality gate all call :func:`evaluate`, so the numbers in ``manifest.json`` come from the
loader, beam search and decoding settings the app runs, and the two commands cannot
disagree. Each batch is encoded once and searched at every requested beam size.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from capdesk.engine.captioner import Captioner
from capdesk.engine.scoring import score_language
from capdesk.imaging import ImageLoadError

log = logging.getLogger(__name__)

#: Called once per image: (image name, error message or None).
OnImage = Callable[[str, str | None], None]


@dataclass
class Evaluation:
    """Captions per beam size (image name -> lower-case words), failures and scores."""

    names: list[str]
    captions: dict[int, dict[str, str]]
    failures: dict[str, str]
    seconds: float
    scores: dict[int, dict[str, float]] = field(default_factory=dict)


def read_split(split_file: Path) -> list[str]:
    """Image names of a ``split_*.txt`` file, in file order, blank lines dropped."""
    lines = Path(split_file).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip()]


def caption_names(
    captioner: Captioner,
    image_dir: Path,
    names: Sequence[str],
    *,
    beams: Sequence[int],
    batch_size: int = 8,
    on_image: OnImage | None = None,
    language: str | None = None,
) -> Evaluation:
    """Caption ``image_dir/name`` for every name, in batches of ``batch_size``, at each beam.

    ``language``: that language's decoder (None: the top-level English one). Captions are
    kept as the decoder's tokens joined by the language's joiner (no capital, no full
    stop), which is what the scorers tokenise.
    """
    joiner = " " if language is None else captioner.spec.decoder(language).joiner
    chosen = None if language is None else [language]
    captions: dict[int, dict[str, str]] = {b: {} for b in beams}
    failures: dict[str, str] = {}
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="capdesk-eval-load") as pool:
        for first in range(0, len(names), batch_size):
            chunk = list(names[first : first + batch_size])
            loaded = list(pool.map(captioner.load, [Path(image_dir) / n for n in chunk]))
            good = [(n, item) for n, item in zip(chunk, loaded, strict=True)
                    if not isinstance(item, ImageLoadError)]
            for name, item in zip(chunk, loaded, strict=True):
                if isinstance(item, ImageLoadError):
                    failures[name] = str(item)
            if good:
                encoded = captioner.encode(np.stack([item[0] for _, item in good]), chosen)
                for beam in beams:
                    results = captioner.search(encoded, beam_size=beam, language=language)
                    for (name, _), caption in zip(good, results, strict=True):
                        if caption is None:
                            failures.setdefault(name, "the model produced no caption")
                        else:
                            captions[beam][name] = joiner.join(caption.words)
            if on_image is not None:
                for name in chunk:
                    on_image(name, failures.get(name))
    return Evaluation(list(names), captions, failures, time.perf_counter() - started)


def evaluate(
    captioner: Captioner,
    image_dir: Path,
    references: Mapping[str, Sequence[str]],
    names: Sequence[str],
    *,
    beams: Sequence[int],
    batch_size: int = 8,
    meteor: bool = True,
    on_image: OnImage | None = None,
    language: str | None = None,
    tokens: str | None = None,
) -> Evaluation:
    """Caption ``names`` and score each beam's captions against ``references``.

    ``language``/``tokens``: decode with that language's decoder and score with its
    tokenisation (:func:`capdesk.engine.scoring.score_language`). Raises
    :class:`capdesk.engine.scoring.ScoringUnavailable` without pycocoevalcap/Java.
    """
    result = caption_names(
        captioner, image_dir, names, beams=beams, batch_size=batch_size, on_image=on_image,
        language=language,
    )
    for beam in beams:
        scores = score_language(references, result.captions[beam], language or "en",
                                tokens=tokens, meteor=meteor)
        scores["n_images"] = float(len(result.captions[beam]))
        result.scores[beam] = scores
        log.info("beam %d: %s", beam, {k: round(v, 4) for k, v in scores.items()})
    return result


def score_reference_sets(
    candidates: Mapping[str, str],
    reference_sets: Mapping[str, Mapping[str, Sequence[str]]],
    language: str,
    *,
    token_kinds: Sequence[str | None] = (None,),
    meteor: bool = True,
) -> dict[str, dict[str, dict[str, float]]]:
    """Scores of one set of captions against several reference sets and tokenisations.

    ``{reference set: {token kind: scores}}``; Chinese is scored at word and character
    level against the human references and, separately, the translated ones, from the
    captions decoded once. Images without references in a set are left out of that set.
    """
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, references in reference_sets.items():
        scored = {i: c for i, c in candidates.items() if i in references}
        per_kind: dict[str, dict[str, float]] = {}
        for kind in token_kinds:
            scores = score_language(references, scored, language, tokens=kind, meteor=meteor)
            scores["n_images"] = float(len(scored))
            per_kind[kind or "words"] = scores
        out[name] = per_kind
    return out
