"""What would a transformer captioner cost on this machine? Numbers for docs/PERFORMANCE.md.

NVDA's and Firefox's local captioners are a ViT-base encoder with a GPT-2 (124M) or a
DistilGPT-2 (6-layer) decoder. Their compute does not depend on the weights, so this script
builds both architectures with random weights (nothing is downloaded), generates a fixed
number of tokens with beam search and a KV cache, and times them beside the arithmetic
cost (FLOPs counted by torch's FlopCounterMode). Needs torch and transformers:

    pip install -e '.[train]' transformers
    python scripts/compare_captioners.py --threads 2 --tokens 12 --beam 3
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import (
    GPT2Config,
    GPT2LMHeadModel,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTModel,
)

log = logging.getLogger("compare_captioners")


def build(decoder_layers: int) -> VisionEncoderDecoderModel:
    encoder = ViTModel(ViTConfig(image_size=224, patch_size=16), add_pooling_layer=False)
    decoder = GPT2LMHeadModel(
        GPT2Config(n_layer=decoder_layers, add_cross_attention=True, is_decoder=True)
    )
    model = VisionEncoderDecoderModel(encoder=encoder, decoder=decoder)
    model.config.decoder_start_token_id = decoder.config.bos_token_id
    model.config.pad_token_id = decoder.config.eos_token_id
    return model.eval()


def timed(fn: Any, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(name: str, model: VisionEncoderDecoderModel, args: argparse.Namespace) -> dict:
    images = torch.randn(args.batch, 3, 224, 224)
    one = images[:1]
    options = {"num_beams": args.beam, "min_new_tokens": args.tokens,
               "max_new_tokens": args.tokens, "do_sample": False, "early_stopping": False}

    with torch.inference_mode():
        encoder_s = timed(lambda: model.encoder(pixel_values=images), args.runs)
        batch_s = timed(lambda: model.generate(pixel_values=images, **options), args.runs)
        single_s = timed(lambda: model.generate(pixel_values=one, **options), args.runs)
        with FlopCounterMode(display=False) as encoder_flops:
            model.encoder(pixel_values=one)
        with FlopCounterMode(display=False) as total_flops:
            model.generate(pixel_values=one, **options)
    params = sum(p.numel() for p in model.parameters())
    return {
        "model": name,
        "parameters_millions": round(params / 1e6, 1),
        "encoder_gflops_per_image": round(encoder_flops.get_total_flops() / 1e9, 2),
        "total_gflops_per_image": round(total_flops.get_total_flops() / 1e9, 2),
        "encoder_ms_per_image": round(encoder_s * 1000 / args.batch, 1),
        "images_per_second_batch": round(args.batch / batch_s, 2),
        "single_image_latency_ms": round(single_s * 1000, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--beam", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=12, help="caption length in tokens")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    results = []
    for name, layers in (("ViT-base + GPT-2 (12 layers)", 12), ("ViT-base + DistilGPT-2", 6)):
        log.info("measuring %s", name)
        results.append(measure(name, build(layers), args))
    report = {"threads": args.threads, "batch": args.batch, "beam": args.beam,
              "tokens": args.tokens, "torch": torch.__version__, "results": results}
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
