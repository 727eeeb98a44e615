"""Decoder training on cached CNN features, with checkpoint/resume and early stopping.

Each epoch: teacher-forced cross-entropy plus the doubly stochastic attention penalty,
Adam with gradient clipping; then beam-3 captions on every validation split and their
CIDEr. The mean CIDEr over the validation splits selects the best checkpoint, halves
the learning rate when it stalls, and stops training after ``patience`` flat epochs.
"""

from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from capdesk.domain import usable_cpu_count
from capdesk.engine.scoring import score_captions
from capdesk.training.checkpoint import save_checkpoint
from capdesk.training.data import CaptionSet, read_source
from capdesk.training.encoder import build_cnn
from capdesk.training.evaluate import generate
from capdesk.training.features import (
    default_cache_dir,
    encoder_features,
    extract_features,
    split_images,
)
from capdesk.training.model import Captioner, ModelConfig
from capdesk.training.text import CaptionText, Vocab, caption_text

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Everything that defines a run; saved in each checkpoint so runs can be resumed."""

    train: list[str]
    val: list[str]
    cache_dir: str = field(default_factory=default_cache_dir)
    variant: str = "lite0"
    grid: str = "7x7"
    min_count: int = 5
    max_words: int = 20
    feature_dim: int = 512
    attention_dim: int = 256
    embed_dim: int = 256
    hidden_dim: int = 512
    dropout: float = 0.5
    alpha_c: float = 1.0
    lr: float = 4e-4
    lr_decay: float = 0.5
    #: "plateau" multiplies the rate by ``lr_decay`` after an epoch without a better val
    #: score; "cosine" anneals it per batch from ``lr`` to 2 % of it over ``epochs``, so the
    #: last epochs run at a low rate (choose ``epochs`` to fit the time budget, or the run
    #: stops before the rate is low).
    schedule: str = "plateau"
    batch_size: int = 64
    epochs: int = 20
    patience: int = 3
    clip: float = 5.0
    seed: int = 0
    limit: int | None = None
    threads: int = field(default_factory=usable_cpu_count)
    val_beam: int = 3
    max_minutes: float | None = None
    #: Caption language ("en", "zh", "de", "ar"), its caption file in each data folder and
    #: its tokens ("" = the language's default; Chinese: "words" or "characters").
    lang: str = "en"
    captions: str = "captions.tsv"
    tokens: str = ""
    #: Read the features of an exported, frozen encoder.onnx (its ``encoder_output``,
    #: cells ``encoder_rows``) instead of running ``variant``'s CNN; the decoder then uses
    #: them as they are (no feature projection of its own), as LANG_CONTRACT's ``input``.
    encoder: str | None = None
    encoder_output: str = "features"
    encoder_rows: list[int] = field(default_factory=lambda: [0, 81])
    extra: dict[str, Any] = field(default_factory=dict)


#: Fields a resumed run takes from the new command line rather than from the checkpoint.
RUNTIME_FIELDS = ("epochs", "patience", "threads", "max_minutes")


@dataclass
class Split:
    """One split ready for training or scoring: its images, CNN grids and token ids."""

    data: CaptionSet
    grids: np.ndarray


def load_split(cfg: TrainConfig, spec: str, split: str, progress: bool = True) -> Split:
    cs = read_source(spec, split, cfg.captions)
    # --limit keeps the first N *training* photos (reduced-scale comparisons); val stays whole.
    cs = cs.limit(cfg.limit) if split == "train" or cfg.encoder is None else cs
    if cfg.encoder is not None:
        rows = (int(cfg.encoder_rows[0]), int(cfg.encoder_rows[1]))
        # One cache for every photo of the folder's splits, shared by all languages.
        everything = split_images(Path(spec))
        store = encoder_features(cs.image_dir, everything, Path(cfg.encoder), cfg.encoder_output,
                                 rows, Path(cfg.cache_dir), progress=progress)
        return Split(cs, np.asarray(store.array[[store.index[n] for n in cs.images]]))
    cnn = build_cnn(cfg.variant, cfg.grid, seed=cfg.seed)
    store = extract_features(cs, cnn, Path(cfg.cache_dir), progress=progress)
    return Split(cs, np.asarray(store.array))


def run_text(cfg: TrainConfig, trains: list[Split]) -> CaptionText:
    """The run's tokenisation, built from its training captions (deterministic)."""
    raw = (t for sp in trains for image in sp.data.images for t in sp.data.captions[image])
    return caption_text(cfg.lang, cfg.tokens, raw)


def encode_captions(
    splits: list[Split], vocab: Vocab, max_words: int, text: CaptionText
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows into the concatenated grids, padded id matrix and lengths, one per caption.

    Captions longer than ``max_words`` are dropped rather than truncated, so the model
    never learns to stop mid-sentence.
    """
    rows, seqs = [], []
    offset = 0
    for sp in splits:
        for i, image in enumerate(sp.data.images):
            for caption in sp.data.captions[image]:
                words = text.emit(caption)
                if 0 < len(words) <= max_words:
                    rows.append(offset + i)
                    seqs.append(vocab.encode(words))
        offset += len(sp.data)
    ids = np.zeros((len(seqs), max_words + 2), dtype=np.int64)
    lengths = np.array([len(s) for s in seqs], dtype=np.int64)
    for j, s in enumerate(seqs):
        ids[j, : len(s)] = s
    return np.array(rows, dtype=np.int64), ids, lengths


def cosine_lr(peak: float, progress: float, floor: float = 0.02) -> float:
    """Rate at ``progress`` (0 at the first batch, 1 after the last epoch) of a cosine decay."""
    progress = min(max(progress, 0.0), 1.0)
    return peak * (floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress)))


def batches(
    rows: np.ndarray, lengths: np.ndarray, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffled batches of caption indices, each holding all captions of its images.

    Whole images go into a batch until the next one would exceed ``batch_size``
    captions (about 12 images of 5 captions), as ``seq_per_img`` does in
    ruotianluo/ImageCaptioning.pytorch: the feature head then runs once per image, not
    once per caption. Each batch is sorted by decreasing caption length, as the
    teacher-forced pass needs.
    """
    order = np.argsort(rows, kind="stable")
    starts = np.flatnonzero(np.r_[True, rows[order][1:] != rows[order][:-1]])
    groups = np.split(order, starts[1:])
    out: list[np.ndarray] = []
    current: list[np.ndarray] = []
    size = 0
    for g in rng.permutation(len(groups)):
        group = groups[g]
        if current and size + len(group) > batch_size:
            out.append(np.concatenate(current))
            current, size = [], 0
        current.append(group)
        size += len(group)
    if current:
        out.append(np.concatenate(current))
    return [b[np.argsort(-lengths[b], kind="stable")] for b in out]


def validate(
    model: Captioner, vals: list[Split], vocab: Vocab, beam: int, text: CaptionText
) -> dict[str, float]:
    """Beam-search CIDEr/BLEU per validation split and their mean CIDEr (``score``).

    Scored with the language's scoring tokeniser (``text.score``) and any extra ones
    (Chinese characters), which are reported but do not select.
    """
    result: dict[str, float] = {}
    ciders = []
    for sp in vals:
        caps = generate(model, sp.grids, vocab, beam_size=beam)
        hyps = {img: text.text(c) for img, c in zip(sp.data.images, caps, strict=True)}
        s = score_captions(sp.data.captions, hyps, tokenizer=text.score, meteor=False)
        result[f"{sp.data.name}_val_CIDEr"] = s["CIDEr"]
        for n in (1, 2, 3, 4):
            result[f"{sp.data.name}_val_BLEU_{n}"] = s[f"BLEU_{n}"]
        for name, tokenizer in text.extra.items():
            e = score_captions(sp.data.captions, hyps, tokenizer=tokenizer, meteor=False)
            result[f"{sp.data.name}_val_CIDEr_{name}"] = e["CIDEr"]
            result[f"{sp.data.name}_val_BLEU_4_{name}"] = e["BLEU_4"]
        result[f"{sp.data.name}_val_words_per_caption"] = float(np.mean([len(c) for c in caps]))
        ciders.append(s["CIDEr"])
    result["score"] = float(np.mean(ciders))
    return result


def run_training(
    cfg: TrainConfig, run_dir: Path, *, resume: bool = True, progress: bool = True
) -> Path:
    """Train (or resume) a run in ``run_dir``; returns the path of the best checkpoint."""
    if cfg.schedule not in ("plateau", "cosine"):
        raise ValueError(f"unknown learning-rate schedule {cfg.schedule!r}")
    run_dir.mkdir(parents=True, exist_ok=True)
    last_path, best_path = run_dir / "last.pt", run_dir / "best.pt"
    ckpt: dict[str, Any] | None = None
    if resume and last_path.is_file():
        ckpt = torch.load(last_path, map_location="cpu", weights_only=False)
        # The data and model settings come from the checkpoint; the budget ones from the
        # caller, so an interrupted run can be resumed with more epochs, time or threads.
        budget = {k: getattr(cfg, k) for k in RUNTIME_FIELDS}
        cfg = replace(TrainConfig(**ckpt["train_config"]), **budget)
        log.info("resuming %s after epoch %d", run_dir, ckpt["epoch"])
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    started = time.monotonic()

    trains = [load_split(cfg, s, "train", progress) for s in cfg.train]
    vals = [load_split(cfg, s, "val", progress) for s in cfg.val]
    text = run_text(cfg, trains)
    if ckpt is not None:
        vocab = Vocab(tuple(ckpt["vocab"]))
    else:
        words = (text.emit(t) for sp in trains for caps in sp.data.captions.values() for t in caps)
        vocab = Vocab.build(words, cfg.min_count)
    vocab.save(run_dir / "vocab.json")
    grids = np.concatenate([sp.grids for sp in trains], axis=0)
    rows, ids, lengths = encode_captions(trains, vocab, cfg.max_words, text)
    log.info("train: %d images, %d captions, vocab %d", len(grids), len(rows), len(vocab))

    mcfg = ModelConfig(
        cnn_channels=grids.shape[2],
        vocab_size=len(vocab),
        feature_dim=cfg.feature_dim,
        attention_dim=cfg.attention_dim,
        embed_dim=cfg.embed_dim,
        hidden_dim=cfg.hidden_dim,
        dropout=cfg.dropout,
        project_features=cfg.encoder is None,
    )
    model = Captioner(mcfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    rng = np.random.default_rng(cfg.seed)
    history: list[dict[str, float]] = []
    epoch, best, best_epoch, lr = 0, -1.0, 0, cfg.lr
    if ckpt is not None:
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        epoch, best, best_epoch = ckpt["epoch"], ckpt["best_score"], ckpt["best_epoch"]
        lr, history = ckpt["lr"], ckpt["history"]
        rng.bit_generator.state = ckpt["np_rng"]
        torch.set_rng_state(ckpt["torch_rng"])

    while epoch < cfg.epochs and epoch - best_epoch < cfg.patience:
        if cfg.max_minutes is not None and (time.monotonic() - started) / 60 > cfg.max_minutes:
            log.info("time budget of %.0f min reached", cfg.max_minutes)
            break
        epoch += 1
        for group in opt.param_groups:
            group["lr"] = lr
        model.train()
        t0 = time.monotonic()
        tot_loss = tot_tok = 0.0
        todo = batches(rows, lengths, cfg.batch_size, rng)
        bar = tqdm(todo, desc=f"epoch {epoch}", disable=not progress)
        for i, b in enumerate(bar):
            if cfg.schedule == "cosine":
                lr = cosine_lr(cfg.lr, (epoch - 1 + i / len(todo)) / cfg.epochs)
                for group in opt.param_groups:
                    group["lr"] = lr
            images, image_index = np.unique(rows[b], return_inverse=True)
            grid = torch.from_numpy(grids[images].astype(np.float32))
            lens = torch.from_numpy(lengths[b])
            caps = torch.from_numpy(ids[b, : int(lens.max())])
            loss_sum, penalty = model(grid, caps, lens, torch.from_numpy(image_index))
            n_tok = float((lens - 1).sum())
            loss = loss_sum / n_tok + cfg.alpha_c * penalty
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
            opt.step()
            tot_loss += loss_sum.item()
            tot_tok += n_tok
            bar.set_postfix(xent=f"{tot_loss / tot_tok:.3f}")
        train_time = time.monotonic() - t0
        scores = validate(model, vals, vocab, cfg.val_beam, text)
        record = {
            "epoch": epoch,
            "xent": tot_loss / tot_tok,
            "lr": lr,
            "train_s": train_time,
            "val_s": time.monotonic() - t0 - train_time,
            **scores,
        }
        history.append(record)
        log.info("epoch %d %s", epoch, {k: round(v, 4) for k, v in record.items()})
        payload = {
            "train_config": asdict(cfg),
            "model_config": mcfg.to_dict(),
            "vocab": list(vocab.tokens),
            "training_data": [{"name": sp.data.name, "images": len(sp.data)} for sp in trains],
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": epoch,
            "best_score": best,
            "best_epoch": best_epoch,
            "lr": lr,
            "history": history,
            "np_rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        }
        if scores["score"] > best:
            best, best_epoch = scores["score"], epoch
            payload.update(best_score=best, best_epoch=best_epoch)
            save_checkpoint(best_path, payload)
            log.info("new best mean val CIDEr %.4f at epoch %d", best, epoch)
        elif cfg.schedule == "plateau":
            lr *= cfg.lr_decay
            log.info("no improvement; lr -> %.2e", lr)
        payload["lr"] = lr
        save_checkpoint(last_path, payload)
    log.info("done: best mean val CIDEr %.4f at epoch %d", best, best_epoch)
    return best_path
