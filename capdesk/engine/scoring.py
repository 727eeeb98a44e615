"""Caption metrics with the standard coco-caption code (pycocoevalcap), and its references.

Scores come from pycocoevalcap itself, with its Java PTB tokenizer, so numbers compare with
published ones; nothing here re-implements a metric. pycocoevalcap is an optional extra.
Everything in capdesk that scores captions (``capdesk eval``, ``capdesk train evaluate``,
training's validation, decoding tuning, the quality gate) goes through
:func:`score_captions`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from capdesk.domain.tokenize import tokenization

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
    references: Mapping[str, Sequence[str]],
    candidates: Mapping[str, str],
    *,
    tokenizer: Callable[[str], list[str]] | None = None,
    meteor: bool = True,
    meteor_language: str = "en",
) -> dict[str, float]:
    """BLEU-1..4, METEOR, ROUGE-L and CIDEr (0–1 scale) over the images in ``candidates``.

    This is the one place capdesk calls pycocoevalcap. By default captions go through its
    Java PTB tokenizer, so figures compare with published ones. ``tokenizer`` replaces it
    with a Python function (training's per-epoch validation uses one that mimics PTB), and
    with ``meteor=False`` no Java is needed at all. A caption that tokenizes to nothing
    is scored as ``"a"``, since pycocoevalcap cannot score an empty hypothesis.
    """
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
    if (tokenizer is None or meteor) and shutil.which("java") is None:
        raise ScoringUnavailable("evaluation needs Java (for METEOR and the PTB tokenizer)")
    ids = [name for name in candidates if name in references]
    if not ids:
        raise ValueError("no captioned image has reference captions")
    if tokenizer is None:
        ptb = PTBTokenizer()
        with contextlib.redirect_stdout(io.StringIO()):
            refs = ptb.tokenize({i: [{"caption": c} for c in references[i]] for i in ids})
            hyps = ptb.tokenize({i: [{"caption": candidates[i]}] for i in ids})
    else:
        words = tokenizer
        refs = {i: [" ".join(words(c)) for c in references[i]] for i in ids}
        hyps = {i: [" ".join(words(candidates[i]))] for i in ids}
    hyps = {i: h if h and h[0] else ["a"] for i, h in hyps.items()}
    scores: dict[str, float] = {}
    # pycocoevalcap prints its own progress to stdout; keep stdout clean for our JSON.
    with contextlib.redirect_stdout(io.StringIO()):
        bleu, _ = Bleu(4).compute_score(refs, hyps, verbose=0)
        for n, value in enumerate(bleu, 1):
            scores[f"BLEU_{n}"] = float(value)
        if meteor:
            scorer = Meteor() if meteor_language == "en" else _meteor(Meteor, meteor_language)
            try:
                scores["METEOR"], _ = scorer.compute_score(refs, hyps)
            finally:
                _close_meteor(scorer)
        scores["ROUGE_L"], _ = Rouge().compute_score(refs, hyps)
        scores["CIDEr"], _ = Cider().compute_score(refs, hyps)
    return {name: float(scores[name]) for name in METRIC_NAMES if name in scores}


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


#: Languages METEOR 1.5 (the jar pycocoevalcap ships) can score, with its matchers. German
#: gets exact + stem matching: its paraphrase table is not in pycocoevalcap's wheel (only
#: paraphrase-en.gz is). Chinese has no METEOR support; Arabic only with Buckwalter
#: transliterated input, which the references are not, so neither gets METEOR here.
METEOR_LANGUAGES = {"en": ("en", None), "de": ("de", "exact stem")}


def _meteor(meteor_class: Any, language: str) -> Any:
    """pycocoevalcap's ``Meteor`` started with ``-l LANGUAGE`` (its own always says ``en``)."""
    lang, modules = METEOR_LANGUAGES[language]
    scorer = meteor_class.__new__(meteor_class)
    jar_dir = str(Path(str(sys.modules[meteor_class.__module__].__file__)).resolve().parent)
    cmd = ["java", "-jar", "-Xmx2G", "meteor-1.5.jar", "-", "-", "-stdio", "-l", lang, "-norm"]
    if modules:
        cmd += ["-m", modules]
    scorer.meteor_cmd = cmd
    scorer.meteor_p = subprocess.Popen(
        cmd, cwd=jar_dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    scorer.lock = threading.Lock()
    return scorer


def score_language(
    references: Mapping[str, Sequence[str]],
    candidates: Mapping[str, str],
    lang: str,
    *,
    tokens: str | None = None,
    meteor: bool = True,
) -> dict[str, float]:
    """Scores of ``candidates`` (caption *texts*) in ``lang``, tokenised for that language.

    English goes through the PTB tokenizer as before. Other languages are tokenised by
    :mod:`capdesk.domain.tokenize` first (pycocoevalcap's PTB tokenizer is English-only)
    and then scored by the same BLEU/ROUGE-L/CIDEr code; ``tokens`` picks Chinese
    ``"words"`` (jieba) or ``"characters"``. METEOR only where :data:`METEOR_LANGUAGES`
    says the jar supports the language; elsewhere it is left out of the result.
    """
    if lang == "en":
        return score_captions(references, candidates, meteor=meteor)
    tok = tokenization(lang, tokens)
    with_meteor = meteor and lang in METEOR_LANGUAGES
    return score_captions(references, candidates, tokenizer=tok.score, meteor=with_meteor,
                          meteor_language=lang)
