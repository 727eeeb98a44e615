"""Several languages from one model folder: the format-2 manifest, one encoder run per
batch, each language's own decoder, and English exactly as it was."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from capdesk.domain import LanguageError
from capdesk.engine import Captioner, ModelError, load_spec
from tests.conftest import write_photo
from tests.support.fake_languages import add_encoder_output, build_language_model


@pytest.fixture(scope="module")
def language_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("languages") / "model"
    return build_language_model(tiny_model_dir, out, hidden=16, embed=8, vocab=40)


@pytest.fixture(scope="module")
def captioner(language_dir: Path) -> Iterator[Captioner]:
    with Captioner(language_dir, provider="cpu", threads=1, languages="en,zh,de,ar") as engine:
        yield engine


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    return [write_photo(tmp_path / f"{i}.jpg", seed=i) for i in range(5)]


class CountingSession:
    """Wraps an onnxruntime session and counts its runs (the encoder runs once a batch)."""

    def __init__(self, session: Any) -> None:
        self.session, self.runs = session, 0

    def run(self, *args: Any, **kwargs: Any) -> Any:
        self.runs += 1
        return self.session.run(*args, **kwargs)


def _manifest(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))


def _copy(directory: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(directory, out, symlinks=True)
    return out


def test_format_1_folders_are_english_only(tiny_model_dir: Path) -> None:
    spec = load_spec(tiny_model_dir)
    assert [lang.code for lang in spec.languages] == ["en"]
    assert spec.decoder("en").tokens == spec.tokens


def test_format_2_lists_every_language_in_manifest_order(language_dir: Path) -> None:
    spec = load_spec(language_dir)
    assert [(lang.code, lang.xml_lang, lang.direction) for lang in spec.languages] == [
        ("en", "en", "ltr"), ("zh", "zh-Hans", "ltr"), ("de", "de", "ltr"), ("ar", "ar", "rtl"),
    ]
    zh, de = spec.decoder("zh"), spec.decoder("de")
    assert zh.init_path == language_dir / "zh" / "init.onnx" and zh.joiner == ""
    assert zh.rows == (0, 16) and zh.max_length == 16
    assert de.init_path is None and de.step_path == spec.decoder_path
    assert de.tokens != spec.tokens and len(de.tokens) == len(spec.tokens)


def test_two_languages_decode_in_one_call_with_one_encoder_run(
    captioner: Captioner, photos: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingSession(captioner._encoder)
    monkeypatch.setattr(captioner, "_encoder", counting)
    results = list(captioner.caption_paths(photos, batch_size=8, languages=["zh", "en"]))
    assert counting.runs == 1
    for result in results:
        assert result.language_codes == ("zh", "en")
        assert result.caption is result.languages[0].caption  # the first chosen language
        zh = result.languages[0]
        assert set(zh.words) <= set(load_spec(captioner.spec.directory).decoder("zh").tokens)
        assert zh.text == "".join(zh.words) + "。"
        assert zh.attention.shape == (len(zh.words), 4, 4)
        assert np.allclose(zh.attention.sum(axis=(1, 2)), 1.0, atol=1e-4)
        assert result.trust is None  # the tiny model has no trust estimate


def test_english_with_other_languages_equals_english_alone(
    tiny_model_dir: Path, captioner: Captioner, photos: list[Path]
) -> None:
    with Captioner(tiny_model_dir, provider="cpu", threads=1) as plain:
        alone = [r.caption for r in plain.caption_paths(photos)]
    together = list(captioner.caption_paths(photos, languages="en,zh,de,ar"))
    default = list(captioner.caption_paths(photos, languages="en"))
    for a, b, c in zip(alone, together, default, strict=True):
        assert a is not None and b.caption is not None and c.caption is not None
        assert a.text == b.caption.text == c.caption.text
        assert a.score == b.caption.score and np.array_equal(a.attention, b.caption.attention)
    assert [r.language_codes for r in together] == [("en", "zh", "de", "ar")] * len(photos)


def test_each_language_uses_its_own_vocabulary_and_direction(
    captioner: Captioner, photos: list[Path]
) -> None:
    spec = captioner.spec
    for result in captioner.caption_paths(photos[:2], languages="de,ar"):
        de, ar = result.languages
        assert set(de.words) <= set(spec.decoder("de").tokens) - set(spec.tokens)
        assert ar.language.rtl and ar.text.endswith(".") and " " in ar.text
        # de reuses the English step graph: the same ids, another vocabulary
        assert len(de.words) >= 1


def test_default_language_is_the_manifest_first(language_dir: Path, photos: list[Path]) -> None:
    with Captioner(language_dir, provider="cpu", threads=1) as engine:
        assert [lang.code for lang in engine.languages] == ["en"]
        (result,) = engine.caption_paths(photos[:1])
        assert result.language_codes == ("en",)


def test_unknown_or_missing_language_names_what_the_model_has(
    captioner: Captioner, tiny_model_dir: Path, photos: list[Path]
) -> None:
    with pytest.raises(LanguageError, match=r"'fr'; this model has en \(English\), zh"):
        list(captioner.caption_paths(photos, languages="en,fr"))
    with pytest.raises(LanguageError, match=r"Chinese \(zh\) is not in this model"):
        Captioner(tiny_model_dir, provider="cpu", threads=1, languages="zh")


def test_broken_language_files_are_model_errors_naming_the_file(
    language_dir: Path, tmp_path: Path
) -> None:
    broken = _copy(language_dir, tmp_path)
    (broken / "zh" / "vocab.json").write_text('{"tokens": ["<pad>"]}')
    with pytest.raises(ModelError, match=r"zh/vocab.json does not match manifest.json"):
        load_spec(broken)

    other = tmp_path / "other"
    shutil.copytree(language_dir, other, symlinks=True)
    init = other / "ar" / "init.onnx"
    init.write_bytes(init.read_bytes() + b"\0")
    load_spec(other)  # graphs are checked when the language is opened
    with pytest.raises(ModelError, match=r"ar/init.onnx does not match manifest.json"):
        Captioner(other, provider="cpu", threads=1, languages="en,ar")

    missing = tmp_path / "missing"
    shutil.copytree(language_dir, missing, symlinks=True)
    (missing / "de" / "vocab.json").unlink()
    with pytest.raises(ModelError, match=r"lacks de/vocab.json"):
        load_spec(missing)


def test_newer_format_versions_are_refused(language_dir: Path, tmp_path: Path) -> None:
    newer = _copy(language_dir, tmp_path)
    manifest = _manifest(newer)
    manifest["format_version"] = 3
    (newer / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="format_version 3"):
        load_spec(newer)


def test_a_language_may_read_a_named_encoder_output(
    tiny_model_dir: Path, tmp_path: Path, photos: list[Path]
) -> None:
    out = build_language_model(tiny_model_dir, tmp_path / "grid", hidden=16, embed=8,
                               vocab=40, codes=("zh",), source="grid")
    with pytest.raises(ModelError, match=r"reads the encoder output 'grid', which encoder"):
        Captioner(out, provider="cpu", threads=1, languages="zh")  # not there yet
    add_encoder_output(out, "grid")
    with Captioner(out, provider="cpu", threads=1, languages="zh,en") as engine:
        first = next(iter(engine.caption_paths(photos[:1])))
        assert first.language_codes == ("zh", "en")
        assert list(engine.encode(np.zeros((1, 32, 32, 3), np.uint8)).outputs) == ["grid"]
        assert engine.encode(np.zeros((1, 32, 32, 3), np.uint8), "en").outputs == {}


def test_trust_is_the_english_captions_whichever_language_is_first(
    tiny_model_dir: Path, tmp_path: Path, photos: list[Path]
) -> None:
    from tests.engine.test_trust import _with_trust

    trusted = _with_trust(tiny_model_dir, tmp_path / "trusted")
    folder = build_language_model(trusted, tmp_path / "langs", hidden=16, embed=8, vocab=40)
    with Captioner(folder, provider="cpu", threads=1, languages="zh,en") as engine:
        both = list(engine.caption_paths(photos))
        alone = list(engine.caption_paths(photos, languages="zh"))
    for result, zh_only in zip(both, alone, strict=True):
        english = result.caption_in("en")
        assert english is not None and english.trust is not None
        assert result.trust == english.trust
        assert result.languages[0].caption.trust is None  # zh: no estimator yet
        assert zh_only.trust is None and zh_only.caption is not None


SHIPPED = Path(__file__).resolve().parents[2] / "models" / "default"


@pytest.mark.skipif(not (SHIPPED / "manifest.json").is_file(), reason="no models/default")
def test_shipped_model_with_fake_languages_keeps_its_english(
    tmp_path: Path, photos: list[Path]
) -> None:
    folder = build_language_model(SHIPPED, tmp_path / "shipped", shared_step=(), vocab=300,
                                  max_length=6)
    with Captioner(SHIPPED, provider="cpu") as plain:
        alone = list(plain.caption_paths(photos[:3]))
    with Captioner(folder, provider="cpu", languages="en,zh,de,ar") as engine:
        counting = CountingSession(engine._encoder)
        engine._encoder = counting
        together = list(engine.caption_paths(photos[:3]))
    assert counting.runs == 1
    for a, b in zip(alone, together, strict=True):
        assert a.caption is not None and b.caption is not None
        assert (a.caption.text, a.caption.score, a.trust) == (b.caption.text, b.caption.score,
                                                              b.trust)
        assert b.language_codes == ("en", "zh", "de", "ar")
        assert all(e.attention.shape[1:] == (9, 9) for e in b.languages)
