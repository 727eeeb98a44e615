"""The languages of a model folder (manifest ``format_version`` 2, ADR 0008), checked on load.

A format-1 folder, or a format-2 one without ``languages``, is English only: its top-level
decoder, vocabulary and decoding settings. Each entry of ``languages`` names its own step
graph, optional init graph, vocabulary and decoding settings in a sub-folder; an entry
that names none of them (English in capdesk's folders) *is* the top-level decoder. What
is missing or does not match is reported by file name with what to do, as for the rest
of the folder; the graphs' sha256 are checked when a language is first opened
(:func:`verify_files`), the vocabularies' here, because their words are read here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from capdesk.domain.decoding import DEFAULT_BEAM_SIZE, DEFAULT_LENGTH_PENALTY, DEFAULT_MAX_LENGTH
from capdesk.domain.languages import DEFAULT_LANGUAGE, Language, LanguageError
from capdesk.engine.errors import ModelError

FORMAT_VERSIONS = (1, 2)
"""1: English only (the top-level decoder); 2: adds ``languages``."""
TOKEN_KINDS = ("words", "characters")
_FULL_STOPS = {"zh": "。"}


@dataclass(frozen=True)
class DecoderSpec:
    """One language's decoder: graphs, vocabulary and decoding settings.

    ``init_path`` None: the decoder starts from the encoder's own projection, h0 and c0
    (the top-level decoder, or a test fixture reusing its step graph); otherwise the init
    graph maps ``source`` (an encoder output) sliced to ``rows`` along axis 1 to a
    projection, h0 and c0, and the step graph attends over that slice. ``grid`` is the
    attention map's (rows, columns): ``alpha`` has grid_h·grid_w columns. ``joiner`` joins
    the emitted tokens ("" for Chinese); ``full_stop`` ends the sentence.
    """

    language: Language
    step_path: Path
    init_path: Path | None
    source: str
    rows: tuple[int, int] | None
    grid: tuple[int, int]
    tokens: tuple[str, ...]
    pad_id: int
    start_id: int
    end_id: int
    unk_id: int
    beam_size: int = DEFAULT_BEAM_SIZE
    max_length: int = DEFAULT_MAX_LENGTH
    length_penalty: float = DEFAULT_LENGTH_PENALTY
    repeatable_words: tuple[str, ...] | None = None
    joiner: str = " "
    full_stop: str = "."
    token_kind: str = "words"
    #: (file, sha256) pairs checked when the language is opened (the graphs).
    checks: tuple[tuple[Path, str], ...] = ()
    entry: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def shares_encoder_state(self) -> bool:
        """True when the decoder reads the encoder's features/projection/h0/c0 as they are."""
        return self.init_path is None

    @property
    def banned_ids(self) -> tuple[int, ...]:
        return (self.pad_id, self.start_id, self.unk_id)

    @property
    def no_repeat_ids(self) -> tuple[int, ...]:
        return no_repeat_ids(self.tokens, self.repeatable_words)

    def words(self, token_ids: Sequence[int]) -> tuple[str, ...]:
        return tuple(self.tokens[i] for i in token_ids)

    def sentence(self, words: Sequence[str]) -> str:
        """The caption as a sentence: tokens joined, first letter capitalised, full stop."""
        text = self.joiner.join(words)
        return text[:1].upper() + text[1:] + self.full_stop


def no_repeat_ids(tokens: Sequence[str], repeatable: Sequence[str] | None) -> tuple[int, ...]:
    """Ids of the words a caption may say only once: all but ``repeatable`` and specials.

    ``repeatable`` comes from the manifest (``decoding.repeatable_words``); without it a
    model decodes exactly as it was trained and evaluated, with no blocking.
    """
    if repeatable is None:
        return ()
    keep = set(repeatable)
    return tuple(i for i, t in enumerate(tokens) if t not in keep and not _is_special(t))


def _is_special(token: str) -> bool:
    return token.startswith("<") and token.endswith(">")


def read_vocab(
    directory: Path, vocab: Mapping[str, Any], where: str = "manifest.json"
) -> tuple[str, ...]:
    """The tokens of a ``vocab`` block's file, its sha256 checked when the block gives one."""
    path = directory / str(vocab.get("file", "vocab.json"))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(
            f"The model folder {directory} lacks {path.relative_to(directory)} (named in "
            f"{where}); re-export the model or pick another folder."
        ) from exc
    expected = vocab.get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected:
        raise ModelError(
            f"{path} does not match manifest.json (sha256 differs): the two files come "
            "from different models. Re-export the model."
        )
    try:
        return tuple(str(t) for t in json.loads(data)["tokens"])
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is not a valid vocabulary ({exc}). Re-export the model.") from exc


def decoder_spec(
    directory: Path,
    language: Language,
    tokens: Sequence[str],
    specials: Mapping[str, str],
    decoding: Mapping[str, Any],
    grid: tuple[int, int],
    *,
    step_path: Path | None = None,
    init_path: Path | None = None,
    source: str = "features",
    rows: tuple[int, int] | None = None,
    joiner: str = " ",
    full_stop: str = ".",
    token_kind: str = "words",
    checks: tuple[tuple[Path, str], ...] = (),
    entry: Mapping[str, Any] | None = None,
) -> DecoderSpec:
    """A DecoderSpec from a vocabulary, its specials and a ``decoding`` block (KeyError
    for a special that is not in the vocabulary)."""
    index = {token: i for i, token in enumerate(tokens)}
    repeatable = decoding.get("repeatable_words")
    return DecoderSpec(
        language=language,
        step_path=step_path or directory / "decoder_step.onnx",
        init_path=init_path,
        source=source,
        rows=rows,
        grid=grid,
        tokens=tuple(tokens),
        pad_id=index[specials["pad"]],
        start_id=index[specials["start"]],
        end_id=index[specials["end"]],
        unk_id=index[specials["unk"]],
        beam_size=int(decoding.get("beam_size", DEFAULT_BEAM_SIZE)),
        max_length=int(decoding.get("max_length", DEFAULT_MAX_LENGTH)),
        length_penalty=float(decoding.get("length_penalty", DEFAULT_LENGTH_PENALTY)),
        repeatable_words=None if repeatable is None else tuple(str(w) for w in repeatable),
        joiner=joiner,
        full_stop=full_stop,
        token_kind=token_kind,
        checks=checks,
        entry=entry or {},
    )


def language_decoders(
    directory: Path, manifest: Mapping[str, Any], top: DecoderSpec
) -> tuple[DecoderSpec, ...]:
    """Every language of the folder, in the manifest's order (``top``: the top-level one).

    Raises ModelError for an unknown format version, a broken entry, a language listed
    twice or a file that is missing.
    """
    version = manifest.get("format_version", 1)
    if version not in FORMAT_VERSIONS:
        raise ModelError(
            f"{directory / 'manifest.json'} has format_version {version!r}; this capdesk "
            f"reads {', '.join(map(str, FORMAT_VERSIONS))}. Update capdesk or pick another model."
        )
    entries = manifest.get("languages") if version >= 2 else None
    if not entries:
        return (top,)
    decoders: list[DecoderSpec] = []
    for entry in entries:
        try:
            decoders.append(_entry_spec(directory, entry, top, manifest))
        except ModelError:
            raise
        except (KeyError, TypeError, ValueError, IndexError, LanguageError) as exc:
            code = entry.get("code", "?") if isinstance(entry, Mapping) else "?"
            raise ModelError(
                f"{directory / 'manifest.json'}: language {code!r} is incomplete or "
                f"inconsistent ({exc!r}). Re-export the model or pick another folder."
            ) from exc
    codes = [d.code for d in decoders]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ModelError(f"{directory / 'manifest.json'} lists language {twice[0]} twice.")
    return tuple(decoders)


def _entry_spec(
    directory: Path, entry: Mapping[str, Any], top: DecoderSpec, manifest: Mapping[str, Any]
) -> DecoderSpec:
    language = Language.from_mapping(entry)
    if language.code == DEFAULT_LANGUAGE.code and not ({"vocab", "decoder_step"} & set(entry)):
        return replace(top, language=language, entry=entry)
    where = f"manifest.json, language {language.code}"
    checks: list[tuple[Path, str]] = []
    step_path = top.step_path
    if entry.get("decoder_step"):
        step_path = _file(directory, entry["decoder_step"], where, checks)
    init = entry.get("init")
    init_path = _file(directory, init, where, checks) if init else None
    vocab = entry.get("vocab")
    if vocab:
        tokens = read_vocab(directory, vocab, where)
        specials = vocab.get("specials") or manifest["vocab"]["specials"]
        decoding = entry.get("decoding") or {}
    else:
        tokens, specials = top.tokens, manifest["vocab"]["specials"]
        decoding = entry.get("decoding") or manifest.get("decoding", {})
    source_block = entry.get("input") or {}
    rows = source_block.get("rows")
    kind = str(entry.get("tokens", "words"))
    if kind not in TOKEN_KINDS:
        raise ValueError(f"tokens must be one of {TOKEN_KINDS}, not {kind!r}")
    grid = tuple(int(v) for v in entry.get("grid") or top.grid)
    return decoder_spec(
        directory,
        language,
        tokens,
        specials,
        decoding,
        (grid[0], grid[1]),
        step_path=step_path,
        init_path=init_path,
        source=str(source_block.get("output", "features")),
        rows=None if rows is None else (int(rows[0]), int(rows[1])),
        joiner=str(entry.get("joiner", "" if kind == "characters" else " ")),
        full_stop=str(entry.get("full_stop", _FULL_STOPS.get(language.code, "."))),
        token_kind=kind,
        checks=tuple(checks),
        entry=entry,
    )


def _file(directory: Path, block: Any, where: str, checks: list[tuple[Path, str]]) -> Path:
    """The path a ``{"file": ..., "sha256": ...}`` block names; it must exist."""
    path = directory / str(block["file"])
    if not path.is_file():
        raise ModelError(
            f"The model folder {directory} lacks {block['file']} (named in {where}); "
            "re-export the model or pick another folder."
        )
    if block.get("sha256"):
        checks.append((path, str(block["sha256"])))
    return path


def verify_files(spec: DecoderSpec) -> None:
    """Check the sha256 of the language's graphs against the manifest (ModelError if not)."""
    for path, expected in spec.checks:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected:
            raise ModelError(
                f"{path} does not match manifest.json (sha256 differs): the {spec.language.name} "
                "decoder's files come from different exports. Re-export the model."
            )
