"""capdesk beside the transformer captioners of Firefox and NVDA, each run the way it ships.

Firefox's PDF.js alt text (mozilla/distilvit: ViT-base/16 + DistilGPT-2) and NVDA's local
captioner (Xenova/vit-gpt2-image-captioning: ViT-base/16 + GPT-2, 12 layers) run
`encoder_model_quantized.onnx` and `decoder_model_merged_quantized.onnx` in ONNX Runtime:
optimum exports, int8 weights by transformers.js's convert.py (`quantize_dynamic`, QUInt8
where the graph has a Conv, else QInt8, per-tensor, full range). Speed does not depend on
the weights, so this builds both architectures from configs with random weights (nothing is
downloaded), exports the encoder and a self-attention-cached decoder as optimum does (the
cross-attention keys and values are recomputed every step, as in the shipped graphs),
quantizes them the same way and times them in ONNX Runtime with capdesk's session options
and threads, beside capdesk's shipped model, on the same photos, file decoding included.

Random weights never stop sensibly, so the peers' end token is masked and every caption is
``--tokens`` GPT-2 tokens (12; distilvit's model card gives 11.3 on average); capdesk stops
at its own end token. The machine's speed drifts, so quote the ratio measured in one run.
Needs torch, onnx and transformers (the `train` and `perf` extras):

    python scripts/compare_captioners.py --images PHOTOS_DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
import transformers
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import (
    GPT2Config,
    VisionEncoderDecoderConfig,
    VisionEncoderDecoderModel,
    ViTConfig,
)
from transformers.cache_utils import DynamicCache, EncoderDecoderCache

from capdesk.engine import Captioner
from capdesk.engine.sessions import create_session
from capdesk.imaging import expand_paths, load_for_model

log = logging.getLogger("compare_captioners")

ENCODER_FILE = "encoder_model_quantized.onnx"
DECODER_FILE = "decoder_with_past_model_quantized.onnx"


@dataclass(frozen=True)
class PeerSpec:
    """One peer's architecture: keyword arguments for ViTConfig and GPT2Config."""

    key: str
    title: str
    vit: dict[str, Any] = field(default_factory=dict)
    gpt2: dict[str, Any] = field(default_factory=dict)


# ViTConfig's and GPT2Config's defaults are ViT-base/16 at 224 px and GPT-2 (124M).
PEERS = (
    PeerSpec("firefox", "Firefox PDF.js alt text (ViT-base/16 + DistilGPT-2, 6 layers)",
             gpt2={"n_layer": 6}),
    PeerSpec("nvda", "NVDA local captioner (ViT-base/16 + GPT-2, 12 layers)",
             gpt2={"n_layer": 12}),
)


def build(spec: PeerSpec, seed: int = 0) -> VisionEncoderDecoderModel:
    """The peer's VisionEncoderDecoderModel with random weights, built from configs only."""
    torch.manual_seed(seed)
    config = VisionEncoderDecoderConfig.from_encoder_decoder_configs(
        ViTConfig(**spec.vit), GPT2Config(**spec.gpt2, add_cross_attention=True, is_decoder=True)
    )
    # Eager attention: plain MatMul/Softmax, as in the peers' 2023-24 optimum exports.
    config.encoder._attn_implementation = "eager"
    config.decoder._attn_implementation = "eager"
    model = VisionEncoderDecoderModel(config=config)
    model.config.decoder_start_token_id = config.decoder.bos_token_id
    model.config.pad_token_id = config.decoder.eos_token_id
    return model.eval()


class _Encoder(torch.nn.Module):
    def __init__(self, vit: torch.nn.Module) -> None:
        super().__init__()
        self.vit = vit

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.vit(pixel_values=pixel_values).last_hidden_state


class _DecoderWithPast(torch.nn.Module):
    """GPT-2 one token at a time: self-attention past in, presents out, as optimum exports it.

    The cross-attention cache starts empty at every call, so the graph projects the encoder
    states to keys and values at every step, like the peers' shipped decoder graphs (whose
    only cache inputs are ``past_key_values.{i}.key/value``). An empty past (length 0)
    gives the first step, which is how NVDA drives its merged decoder.
    """

    def __init__(self, gpt2: torch.nn.Module, layers: int) -> None:
        super().__init__()
        self.gpt2, self.layers = gpt2, layers

    def forward(
        self, input_ids: torch.Tensor, encoder_hidden_states: torch.Tensor, *past: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        self_cache = DynamicCache()
        for i in range(self.layers):
            self_cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.gpt2(
            input_ids=input_ids,
            encoder_hidden_states=encoder_hidden_states,
            cache=EncoderDecoderCache(self_cache, DynamicCache()),
            use_cache=True,
        )
        layers = out.cache.self_attention_cache.layers
        return (out.logits, *(t for layer in layers for t in (layer.keys, layer.values)))


def past_names(layers: int, prefix: str = "past_key_values") -> list[str]:
    return [f"{prefix}.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]


def export(model: VisionEncoderDecoderModel, folder: Path) -> tuple[Path, Path]:
    """float32 `encoder_model.onnx` and `decoder_with_past_model.onnx` (TorchScript exporter)."""
    folder.mkdir(parents=True, exist_ok=True)
    vit, dec = model.config.encoder, model.config.decoder
    size, layers, heads = vit.image_size, dec.n_layer, dec.n_head
    encoder_path = folder / "encoder_model.onnx"
    decoder_path = folder / "decoder_with_past_model.onnx"
    pixels = torch.randn(1, 3, size, size)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Encoder(model.encoder), (pixels,), str(encoder_path), dynamo=False,
            input_names=["pixel_values"], output_names=["last_hidden_state"],
            dynamic_axes={"pixel_values": {0: "batch"}, "last_hidden_state": {0: "batch"}},
            opset_version=17,
        )
        hidden = model.encoder(pixel_values=pixels).last_hidden_state.repeat(2, 1, 1)
        past = [torch.randn(2, heads, 3, dec.n_embd // heads) for _ in range(2 * layers)]
        names, presents = past_names(layers), past_names(layers, "present")
        axes: dict[str, dict[int, str]] = {
            "input_ids": {0: "rows"}, "encoder_hidden_states": {0: "rows"}, "logits": {0: "rows"}
        }
        axes.update({n: {0: "rows", 2: "past"} for n in names})
        axes.update({n: {0: "rows", 2: "past_plus_1"} for n in presents})
        torch.onnx.export(
            _DecoderWithPast(model.decoder, layers), (torch.tensor([[1], [2]]), hidden, *past),
            str(decoder_path), dynamo=False,
            input_names=["input_ids", "encoder_hidden_states", *names],
            output_names=["logits", *presents], dynamic_axes=axes, opset_version=17,
        )
    return encoder_path, decoder_path


def quantize(path: Path) -> Path:
    """int8 weights the way transformers.js's convert.py does for vision-encoder-decoder."""
    ops = {node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node}
    out = path.with_name(f"{path.stem}_quantized.onnx")
    quantize_dynamic(
        path, out, weight_type=QuantType.QUInt8 if "Conv" in ops else QuantType.QInt8,
        per_channel=False, reduce_range=False, extra_options={"EnableSubgraph": True},
    )
    return out


def prepare(spec: PeerSpec, folder: Path) -> float:
    """Build, export and quantize one peer into ``folder`` (reused when already there);
    returns its parameter count in millions."""
    marker = folder / "spec.json"
    if marker.is_file() and json.loads(marker.read_text())["spec"] == asdict(spec):
        return float(json.loads(marker.read_text())["parameters_millions"])
    model = build(spec)
    log.info("exporting %s", spec.title)
    encoder, decoder = export(model, folder)
    log.info("quantizing %s", spec.title)
    quantize(encoder)
    quantize(decoder)
    encoder.unlink()
    decoder.unlink()
    millions = round(model.num_parameters() / 1e6, 1)
    marker.write_text(json.dumps({"spec": asdict(spec), "parameters_millions": millions}))
    return millions


class Peer:
    """The peer's two int8 graphs in ONNX Runtime, and its search in numpy."""

    def __init__(self, encoder: Path, decoder: Path, spec: PeerSpec, threads: int) -> None:
        self.encoder = create_session(encoder, "cpu", threads)
        self.decoder = create_session(decoder, "cpu", threads)
        vit, gpt2 = ViTConfig(**spec.vit), GPT2Config(**spec.gpt2)
        self.size, self.bos, self.eos = vit.image_size, gpt2.bos_token_id, gpt2.eos_token_id
        self.names = past_names(gpt2.n_layer)
        self.past_shape = (gpt2.n_head, 0, gpt2.n_embd // gpt2.n_head)
        self.times = {"decode": 0.0, "encoder": 0.0, "decoder": 0.0}

    def pixels(self, path: Path) -> np.ndarray:
        """ViTImageProcessor's steps: squash to 224×224 (bilinear), /255, mean 0.5, std 0.5."""
        rgb, _ = load_for_model(path, (self.size, self.size), "bilinear")
        return ((rgb.astype(np.float32) / 127.5) - 1.0).transpose(2, 0, 1)

    def generate(self, pixels: np.ndarray, beam: int, tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """``tokens`` tokens per image by beam search (greedy at beam 1), and their log-probs.

        All images and beams go through the decoder together; after each step the cache
        rows are reordered to follow the beams that survived.
        """
        started = time.perf_counter()
        (hidden,) = self.encoder.run(["last_hidden_state"], {"pixel_values": pixels})
        encoded = time.perf_counter()
        n, rows = len(pixels), len(pixels) * beam
        hidden = np.repeat(hidden, beam, axis=0)
        past = {n_: np.zeros((rows, *self.past_shape), np.float32) for n_ in self.names}
        words = np.full((rows, 1), self.bos, np.int64)
        logp = np.full((n, beam), -np.inf)
        logp[:, 0] = 0.0
        seqs = np.zeros((rows, 0), np.int64)
        for _ in range(tokens):
            logits, *presents = self.decoder.run(
                None, {"input_ids": words, "encoder_hidden_states": hidden, **past}
            )
            scores = logits[:, -1, :].astype(np.float64)
            scores[:, self.eos] = -np.inf  # fixed length: random weights never stop sensibly
            peak = scores.max(axis=1, keepdims=True)
            scores -= peak + np.log(np.exp(scores - peak).sum(axis=1, keepdims=True))
            vocab = scores.shape[1]
            total = (logp.reshape(-1, 1) + scores).reshape(n, beam * vocab)
            top = np.argpartition(-total, beam - 1, axis=1)[:, :beam]
            logp = np.take_along_axis(total, top, axis=1)
            source = (top // vocab + np.arange(n)[:, None] * beam).reshape(-1)
            nxt = (top % vocab).reshape(-1)
            seqs = np.concatenate([seqs[source], nxt[:, None]], axis=1)
            if beam > 1:  # greedy keeps every row where it is
                presents = [p[source] for p in presents]
            past = dict(zip(self.names, presents, strict=True))
            words = nxt[:, None]
        best = logp.argmax(axis=1)
        self.times["encoder"] += encoded - started
        self.times["decoder"] += time.perf_counter() - encoded
        return seqs[np.arange(n) * beam + best], logp[np.arange(n), best]

    def caption_paths(self, paths: list[Path], beam: int, tokens: int, batch: int) -> None:
        for i in range(0, len(paths), batch):
            started = time.perf_counter()
            pixels = np.stack([self.pixels(p) for p in paths[i : i + batch]])
            self.times["decode"] += time.perf_counter() - started
            self.generate(pixels, beam, tokens)


@dataclass
class Tally:
    """One model's seconds, photos and stage seconds, summed over the rounds of a run."""

    name: str
    seconds: float = 0.0
    images: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    words: list[int] = field(default_factory=list)

    def add(self, seconds: float, images: int, stages: dict[str, float]) -> float:
        self.seconds += seconds
        self.images += images
        for k, v in stages.items():
            self.stages[k] = self.stages.get(k, 0.0) + v
        return images / seconds

    @property
    def speed(self) -> float:
        return self.images / self.seconds

    def row(self) -> dict[str, Any]:
        per = {f"{k}_ms_per_image": round(v * 1000 / self.images, 1)
               for k, v in self.stages.items()}
        row = {"model": self.name, "images": self.images, "seconds": round(self.seconds, 3),
               "images_per_second": round(self.speed, 3),
               "ms_per_image": round(self.seconds * 1000 / self.images, 1), **per}
        if self.words:
            row["mean_words"] = round(sum(self.words) / len(self.words), 1)
        return row


def time_capdesk(captioner: Captioner, paths: list[Path], beam: int, batch: int,
                 tally: Tally) -> float:
    """capdesk as `capdesk caption` runs it: Captioner.caption_paths, loading in threads."""
    t = captioner.times
    t.decode = t.encoder = t.search = 0.0
    started = time.perf_counter()
    results = list(captioner.caption_paths(paths, beam_size=beam, batch_size=batch))
    seconds = time.perf_counter() - started
    tally.words += [len(r.caption.words) for r in results if r.caption]
    return tally.add(seconds, len(paths),
                     {"decode": t.decode, "encoder": t.encoder, "decoder": t.search})


def time_peer(peer: Peer, paths: list[Path], beam: int, args: argparse.Namespace,
              tally: Tally) -> float:
    peer.times = dict.fromkeys(peer.times, 0.0)
    started = time.perf_counter()
    peer.caption_paths(paths, beam, args.tokens, args.peer_batch)
    return tally.add(time.perf_counter() - started, len(paths), peer.times)


def run_beam(captioner: Captioner, peers: dict[str, Peer], paths: list[Path], beam: int,
             args: argparse.Namespace) -> dict[str, Any]:
    """Rounds over chunks of the photos, every model on the same chunk in turn.

    The load from other processes drifts within minutes, so capdesk and the peers are
    interleaved chunk by chunk rather than timed one after the other; the ratio is taken
    over the sums, and each round's own ratio shows the spread.
    """
    list(captioner.caption_paths(paths[: args.batch], beam_size=beam, batch_size=args.batch))
    for peer in peers.values():
        peer.caption_paths(paths[:1], beam, args.tokens, 1)  # warm-up
    tallies = {"capdesk": Tally(f"capdesk, batch {args.batch}"),
               "capdesk_batch1": Tally("capdesk, batch 1")}
    tallies |= {s.key: Tally(f"{s.title}, batch {args.peer_batch}") for s in PEERS}
    rounds: list[dict[str, float]] = []
    for i in range(0, len(paths), args.chunk):
        chunk = paths[i : i + args.chunk]
        speed = {"capdesk": time_capdesk(captioner, chunk, beam, args.batch, tallies["capdesk"]),
                 "capdesk_batch1": time_capdesk(captioner, chunk, beam, 1,
                                                tallies["capdesk_batch1"])}
        for s in PEERS:
            speed[s.key] = time_peer(peers[s.key], chunk, beam, args, tallies[s.key])
        rounds.append({f"capdesk_over_{s.key}": round(speed["capdesk"] / speed[s.key], 1)
                       for s in PEERS})
        log.info("  photos %d-%d: %s", i + 1, i + len(chunk),
                 ", ".join(f"{k} {v:.2f}/s" for k, v in speed.items()))
    rows = {k: t.row() for k, t in tallies.items()}
    ratios: dict[str, Any] = {}
    for s in PEERS:
        peer = tallies[s.key].speed
        ratios[f"capdesk_over_{s.key}"] = round(tallies["capdesk"].speed / peer, 1)
        ratios[f"capdesk_batch1_over_{s.key}"] = round(tallies["capdesk_batch1"].speed / peer, 1)
        per_round = [r[f"capdesk_over_{s.key}"] for r in rounds]
        ratios[f"capdesk_over_{s.key}_rounds_min_max"] = [min(per_round), max(per_round)]
    return {"models": rows, "ratios": ratios}


def _size_mb(*files: Path) -> float:
    return round(sum(f.stat().st_size for f in files) / 1e6, 1)


def default_threads() -> int:
    cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return len(cores) if cores else (os.cpu_count() or 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="folder of photos")
    parser.add_argument("--model", type=Path, default=None, help="capdesk model folder")
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--batch", type=int, default=8, help="capdesk's batch size")
    parser.add_argument("--peer-batch", type=int, default=1,
                        help="photos per peer call (the products caption one at a time)")
    parser.add_argument("--tokens", type=int, default=12, help="peer caption length in tokens")
    parser.add_argument("--beams", type=int, nargs="+", default=[3, 1])
    parser.add_argument("--chunk", type=int, default=8,
                        help="photos per round; every model runs each round in turn")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the exported peers here and reuse them (default: a temp dir)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # onnxruntime.quantization logs every tensor at INFO
    paths = sorted(expand_paths([args.images]))
    if not paths:
        parser.error(f"no photos in {args.images}")
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        millions = {s.key: prepare(s, work / s.key) for s in PEERS}
        peers = {s.key: Peer(work / s.key / ENCODER_FILE, work / s.key / DECODER_FILE, s,
                             args.threads) for s in PEERS}
        report: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"), "threads": args.threads,
            "photos": len(paths), "peer_tokens": args.tokens, "onnxruntime": ort.__version__,
            "transformers": transformers.__version__, "torch": torch.__version__,
            "models": {}, "runs": {},
        }
        with Captioner(args.model, provider="cpu", threads=args.threads) as captioner:
            spec = captioner.spec
            report["models"]["capdesk"] = {
                "name": spec.name, "int8_size_mb": _size_mb(spec.encoder_path, spec.decoder_path)}
            for s in PEERS:
                size = _size_mb(work / s.key / ENCODER_FILE, work / s.key / DECODER_FILE)
                report["models"][s.key] = {"title": s.title, "int8_size_mb": size,
                                           "parameters_millions": millions[s.key]}
            for beam in args.beams:
                log.info("beam %d", beam)
                result = run_beam(captioner, peers, paths, beam, args)
                log.info("  ratios %s", result["ratios"])
                report["runs"][f"beam{beam}"] = result
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
