"""Val figures of a language's exported decoder as float32, float16 storage and int8 products.

Runs the exported ``init.onnx`` + ``decoder_step.onnx`` of one language (from a model folder)
over the *cached* val features of the frozen encoder (the decoder's own input; the encoder is
the same for every variant), through the engine's beam search with the language's decoding
settings, and scores each variant with the language's scorer. int8: the step's weight
products statically quantized (int8 weights per column, uint8 activations calibrated on the
decoder inputs of beam searches over 64 *train* photos), as the English ``int8-products-static``.
Prints one JSON object per variant with its size in bytes.

    PYTHONPATH=. python scripts/language_storage.py --model models/default --lang de \
        --data ../shared/data/flickr8k --cache-dir /work/cache/lang
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from capdesk.engine.beam import beam_search
from capdesk.engine.language_specs import no_repeat_ids
from capdesk.engine.scoring import read_references, score_language
from capdesk.training.compress import _quantize_products_static, float16_storage
from capdesk.training.features import encoder_features, split_images


def _session(path: Path) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def captions(folder: Path, entry: dict, feats: np.ndarray, tokens: list[str],
             observe: list | None = None) -> list[str]:
    init = _session(folder / entry["init"]["file"])
    step = _session(folder / entry["decoder_step"]["file"])
    dec = entry["decoding"]
    once = no_repeat_ids(tokens, dec.get("repeatable_words"))
    out: list[str] = []
    for start in range(0, len(feats), 100):
        f = feats[start : start + 100].astype(np.float32)
        p, h, c = init.run(None, {"features": f})

        def run(words, state, context):
            feed = {"words": words, "h": state["h"], "c": state["c"], **context}
            if observe is not None:
                observe.append(dict(feed))
            logp, h2, c2, alpha = step.run(None, feed)
            return logp, {"h": h2, "c": c2}, alpha

        hyps = beam_search(run, {"h": h, "c": c}, {"features": f, "projection": p},
                           start_id=1, end_id=2, banned_ids=(0, 1, 3), no_repeat_ids=once,
                           beam_size=int(dec["beam_size"]), max_length=int(dec["max_length"]),
                           length_penalty=float(dec["length_penalty"]))
        out.extend(entry["joiner"].join(tokens[i] for i in hy.token_ids) for hy in hyps)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--lang", required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--cache-dir", type=Path, required=True)
    args = ap.parse_args()
    manifest = json.loads((args.model / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["languages"] if e["code"] == args.lang)
    tokens = json.loads((args.model / entry["vocab"]["file"]).read_text(encoding="utf-8"))["tokens"]
    rows = tuple(entry["input"]["rows"])
    store = encoder_features(args.data / "images", split_images(args.data),
                             args.model / "encoder.onnx", entry["input"]["output"], rows,
                             args.cache_dir, progress=False)
    refs = read_references(args.data / f"captions.{args.lang}.tsv", args.data / "split_val.txt")
    names = [n for n in split_images(args.data, ("val",)) if n in refs]
    val = store.get(names)
    captions_tsv = args.data / f"captions.{args.lang}.tsv"
    train_refs = read_references(captions_tsv, args.data / "split_train.txt")
    calib = store.get([n for n in split_images(args.data, ("train",)) if n in train_refs][:64])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / args.lang).mkdir()
        for key in ("init", "decoder_step"):
            shutil.copy2(args.model / entry[key]["file"], work / entry[key]["file"])
        variants = {"float32": work}
        half = work / "fp16"
        (half / args.lang).mkdir(parents=True)
        for key in ("init", "decoder_step"):
            m = onnx.load(str(work / entry[key]["file"]))
            float16_storage(m)
            onnx.save(m, str(half / entry[key]["file"]))
        variants["float16-storage"] = half
        q = work / "int8"
        (q / args.lang).mkdir(parents=True)
        shutil.copy2(work / entry["init"]["file"], q / entry["init"]["file"])
        shutil.copy2(work / entry["decoder_step"]["file"], q / entry["decoder_step"]["file"])
        feeds: list = []
        captions(work, entry, calib, tokens, observe=feeds)
        _quantize_products_static(q / entry["decoder_step"]["file"], feeds[::4])
        variants["int8-products-static"] = q
        for name, folder in variants.items():
            hyps = dict(zip(names, captions(folder, entry, val, tokens), strict=True))
            kinds = ("words", "characters") if args.lang == "zh" else (None,)
            size = sum((folder / entry[k]["file"]).stat().st_size for k in ("init", "decoder_step"))
            for kind in kinds:
                s = score_language(refs, hyps, args.lang, tokens=kind, meteor=False)
                print(json.dumps({"variant": name, "tokens": kind or "words", "bytes": size,
                                  **{k: round(v, 4) for k, v in s.items()}}))


if __name__ == "__main__":
    main()
