"""Caption metrics with the standard coco-caption code (pycocoevalcap), and its references.

Scores come from pycocoevalcap itself, with its Java PTB tokenizer, so numbers compare with
published ones; nothing here re-implements a metric. pycocoevalcap is an optional extra.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

METRIC_NAMES = ("BLEU_1", "BLEU_2", "BLEU_3", "BLEU_4", "METEOR", "ROUGE_L", "CIDEr")


class ScoringUnavailable(Exception):
    """pycocoevalcap or Java is missing; the message says how to get them."""


def read_references(captions_tsv: Path, split: Path | None = None) -> dict[str, list[str]]:
    """``image<TAB>anything<TAB>caption`` lines → {image name: [captions]}, kept to ``split``."""
    keep: set[str] | None = None
    if split is not None:
        keep = {line.strip() for line in split.read_text(encoding="utf-8").splitlines()}
        keep.discard("")
    references: dict[str, list[str]] = defaultdict(list)
    for number, line in enumerate(captions_tsv.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) < 3:
            raise ValueError(f"{captions_tsv}:{number}: expected image<TAB>n<TAB>caption")
        image, caption = parts[0].strip(), parts[-1].strip()
        if keep is None or image in keep:
            references[image].append(caption)
    return dict(references)


def score_captions(
    references: Mapping[str, list[str]], candidates: Mapping[str, str]
) -> dict[str, float]:
    """BLEU-1..4, METEOR, ROUGE-L and CIDEr (0–1 scale) over the images in ``candidates``."""
    try:
        from pycocoevalcap.bleu.bleu import Bleu  # noqa: PLC0415
        from pycocoevalcap.cider.cider import Cider  # noqa: PLC0415
        from pycocoevalcap.meteor.meteor import Meteor  # noqa: PLC0415
        from pycocoevalcap.rouge.rouge import Rouge  # noqa: PLC0415
        from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer  # noqa: PLC0415
    except ImportError as exc:
        raise ScoringUnavailable(
            "evaluation needs pycocoevalcap: pip install -e '.[eval]'"
        ) from exc
    if shutil.which("java") is None:
        raise ScoringUnavailable("evaluation needs Java (for METEOR and the PTB tokenizer)")
    ids = [name for name in candidates if name in references]
    if not ids:
        raise ValueError("no captioned image has reference captions")
    tokenizer = PTBTokenizer()
    refs = tokenizer.tokenize({i: [{"caption": c} for c in references[i]] for i in ids})
    hyps = tokenizer.tokenize({i: [{"caption": candidates[i]}] for i in ids})
    scores: dict[str, float] = {}
    # pycocoevalcap prints its own progress to stdout; keep stdout clean for our JSON.
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = Bleu(4).compute_score(refs, hyps)
        for n, value in enumerate(bleu, 1):
            scores[f"BLEU_{n}"] = float(value)
        meteor = Meteor()
        try:
            scores["METEOR"], _ = meteor.compute_score(refs, hyps)
        finally:
            _close_meteor(meteor)
        scores["ROUGE_L"], _ = Rouge().compute_score(refs, hyps)
        scores["CIDEr"], _ = Cider().compute_score(refs, hyps)
    return {name: float(scores[name]) for name in METRIC_NAMES}


def _close_meteor(meteor: object) -> None:
    """pycocoevalcap's Meteor leaves its Java process running until garbage collection."""
    process = getattr(meteor, "meteor_p", None)
    if process is None:
        return
    with contextlib.suppress(Exception):
        lock = getattr(meteor, "lock", None)
        if lock is not None:
            with lock:
                process.stdin.close()
                process.kill()
                process.wait()
        else:
            process.kill()
