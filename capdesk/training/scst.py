"""Self-critical sequence training (SCST, Rennie et al. 2017) on top of a cross-entropy run.

Cross-entropy teaches the decoder to imitate one reference word at a time, while we are
judged on CIDEr of whole generated captions. SCST closes that gap with REINFORCE: for each
image we *sample* ``K`` captions from the model, score each with CIDEr-D against the image's
references, and push up the log-probability of the samples that beat a baseline. The
baseline is the mean reward of the other ``K - 1`` samples of the same image ("new
self-critical", Luo 2020), which needs no extra greedy decode and keeps the gradient
unbiased. The CNN stays frozen (cached grids), only the decoder moves, with a small learning
rate so that the fluent language model learnt with cross-entropy is not destroyed.

Checkpoints use the layout of :mod:`capdesk.training.train`, so ``load_checkpoint`` and the
``export`` subcommand work on them unchanged; the SCST settings are stored under
``train_config["extra"]["scst"]``.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from capdesk.domain import usable_cpu_count
from capdesk.training.checkpoint import load_checkpoint, save_checkpoint
from capdesk.training.evaluate import banned_ids
from capdesk.training.model import Captioner
from capdesk.training.text import CaptionText, Vocab
from capdesk.training.train import (
    Split,
    TrainConfig,
    load_split,
    run_text,
    validate,
)

log = logging.getLogger(__name__)

NGram = tuple[str, ...]
#: Tf-idf vector split by n-gram order, its per-order norms and its bigram count ("length").
Cooked = tuple[list[dict[NGram, float]], list[float], int]


def ngram_counts(words: Sequence[str], n: int = 4) -> Counter[NGram]:
    """All 1..n-gram counts of ``words`` (pycocoevalcap's ``precook``)."""
    counts: Counter[NGram] = Counter()
    for k in range(1, n + 1):
        for i in range(len(words) - k + 1):
            counts[tuple(words[i : i + k])] += 1
    return counts


class CiderD:
    """CIDEr-D with document frequencies fixed on a reference corpus.

    pycocoevalcap's ``Cider`` recomputes document frequencies from the references of the
    captions it is scoring, which makes a caption's score depend on the rest of the batch.
    As a training reward we want a fixed function, so the frequencies come from all training
    references once (as in Rennie et al.). The arithmetic otherwise copies ``CiderScorer``
    (clipped tf-idf cosine per order, Gaussian length penalty sigma = 6, x10), so with the
    same references it returns the same numbers; reference vectors are cached per image
    because every image is scored ``K`` times per visit.
    """

    def __init__(self, refs: Sequence[Sequence[Sequence[str]]], n: int = 4, sigma: float = 6.0):
        self.n, self.sigma = n, sigma
        self.refs = refs
        self.df: Counter[NGram] = Counter()
        for image_refs in refs:
            self.df.update({g for r in image_refs for g in ngram_counts(r, n)})
        self.ref_len = math.log(float(len(refs)))
        self._cache: dict[int, list[Cooked]] = {}

    def _cook(self, counts: Counter[NGram]) -> Cooked:
        vec: list[dict[NGram, float]] = [{} for _ in range(self.n)]
        norm = [0.0] * self.n
        length = 0
        for gram, tf in counts.items():
            order = len(gram) - 1
            w = float(tf) * (self.ref_len - math.log(max(1.0, float(self.df.get(gram, 0)))))
            vec[order][gram] = w
            norm[order] += w * w
            if order == 1:
                length += tf
        return vec, [math.sqrt(x) for x in norm], length

    def _refs(self, image: int) -> list[Cooked]:
        cooked = self._cache.get(image)
        if cooked is None:
            cooked = [self._cook(ngram_counts(r, self.n)) for r in self.refs[image]]
            self._cache[image] = cooked
        return cooked

    def score(self, hyp: Sequence[str], image: int) -> float:
        """CIDEr-D of one tokenised caption against the references of ``image``."""
        vec, norm, length = self._cook(ngram_counts(hyp, self.n))
        refs = self._refs(image)
        total = 0.0
        for rvec, rnorm, rlength in refs:
            penalty = math.exp(-(float(length - rlength) ** 2) / (2 * self.sigma**2))
            for k in range(self.n):
                ref = rvec[k]
                val = sum(min(w, ref.get(g, 0.0)) * ref.get(g, 0.0) for g, w in vec[k].items())
                if norm[k] != 0 and rnorm[k] != 0:
                    val /= norm[k] * rnorm[k]
                total += val * penalty
        return total / self.n / len(refs) * 10.0


@dataclass
class ScstConfig:
    """Settings of an SCST run; stored in its checkpoints under ``extra["scst"]``."""

    init: str
    lr: float = 2e-5
    samples: int = 5
    batch_images: int = 16
    max_minutes: float | None = None
    max_steps: int | None = None
    val_every_minutes: float = 4.0
    val_every_steps: int | None = None
    threads: int = field(default_factory=usable_cpu_count)
    seed: int = 0
    sample_dropout: bool = False


def sample_captions(
    model: Captioner, grid: torch.Tensor, vocab: Vocab, samples: int, max_words: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``samples`` multinomial captions per image: token ids, their log-probs and a mask.

    Ids banned by the beam search (``<pad> <start> <unk>``) are banned here too, so the
    policy we optimise is the one we ship. Rows are image-major (image 0's samples first);
    the mask covers every sampled token up to and including ``<end>``.
    """
    features, projection, h, c = model.encode(grid)
    features = features.repeat_interleave(samples, 0)
    projection = projection.repeat_interleave(samples, 0)
    h, c = h.repeat_interleave(samples, 0), c.repeat_interleave(samples, 0)
    rows = features.shape[0]
    words = torch.full((rows,), vocab.start_id, dtype=torch.long)
    stepped = torch.arange(rows)  # the rows still being stepped, a superset of the unfinished
    done = torch.zeros(rows, dtype=torch.bool)
    banned = torch.tensor(banned_ids(vocab))
    ids = torch.full((rows, max_words + 1), vocab.end_id, dtype=torch.long)
    logps, masks = [], []
    for t in range(max_words + 1):
        logits, h, c, _ = model.step(words, h, c, features, projection)
        logits = logits.index_fill(1, banned, float("-inf"))
        logp = torch.log_softmax(logits, dim=1)
        with torch.no_grad():
            words = sample_ids(logp.exp())
            words[done] = vocab.end_id
        live = stepped[~done]
        ids[live, t] = words[~done]
        chosen = logp.gather(1, words.unsqueeze(1)).squeeze(1)[~done]
        logps.append(logp.new_zeros(rows).index_put((live,), chosen))
        masks.append(torch.zeros(rows).index_fill(0, live, 1.0))
        done = done | (words == vocab.end_id)
        if bool(done.all()):
            break
        # Finished rows are dropped (most samples end long before the longest one, so
        # this roughly halves sampling and backward), but only once a quarter of the
        # stepped rows are done: the backward of each drop writes a zero tensor of the
        # cells' size, which cost more than stepping a few finished rows.
        if int(done.sum()) * 4 >= len(stepped):
            keep = ~done
            stepped, words, h, c, done = stepped[keep], words[keep], h[keep], c[keep], done[keep]
            features, projection = features[keep], projection[keep]
    t_used = len(logps)
    return ids[:, :t_used], torch.stack(logps, 1), torch.stack(masks, 1)


def sample_ids(probs: torch.Tensor) -> torch.Tensor:
    """One id per row drawn from ``probs`` (rows need not sum to exactly 1).

    Inverse-CDF sampling with one uniform number per row; ``torch.multinomial`` draws an
    exponential number per vocabulary entry, which was 7 % of an SCST step. Ids with zero
    probability (the banned ones) are never drawn: the search is for the first cumulative
    sum strictly above the uniform number.
    """
    cdf = probs.cumsum(1)
    u = torch.rand(probs.shape[0], 1) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(max=probs.shape[1] - 1)


def scst_loss(
    logp: torch.Tensor, mask: torch.Tensor, rewards: np.ndarray, samples: int
) -> tuple[torch.Tensor, float]:
    """REINFORCE loss with the leave-one-out mean reward of the same image as baseline."""
    r = torch.from_numpy(rewards.astype(np.float32)).view(-1, samples)
    baseline = (r.sum(1, keepdim=True) - r) / (samples - 1)
    advantage = (r - baseline).view(-1, 1)
    loss = -(advantage * logp * mask).sum() / mask.sum()
    return loss, float(advantage.abs().mean())


def train_refs(trains: list[Split], text: CaptionText) -> list[list[list[str]]]:
    """Tokenised references of every training image, in the order of the concatenated grids.

    They are cut by the language's *scoring* tokeniser (jieba words for Chinese, lower-case
    German, normalised Arabic), so the reward's CIDEr-D and its document frequencies are
    those of the language's own training references, in the units it is judged in.
    """
    return [
        [text.score(t) for t in sp.data.captions[image]]
        for sp in trains
        for image in sp.data.images
    ]


def run_scst(
    scfg: ScstConfig, run_dir: Path, *, resume: bool = True, progress: bool = True
) -> Path:
    """Fine-tune ``scfg.init`` with SCST in ``run_dir``; returns the path of ``best.pt``.

    ``best.pt`` is only written when the mean val CIDEr (the same beam-search validation
    as ``fit``) beats the initial checkpoint's, so its absence means SCST did not help.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    last_path, best_path = run_dir / "last.pt", run_dir / "best.pt"
    state: dict[str, Any] | None = None
    if resume and last_path.is_file():
        state = torch.load(last_path, map_location="cpu", weights_only=False)
        budget = {k: getattr(scfg, k) for k in ("max_minutes", "max_steps", "threads")}
        scfg = ScstConfig(**{**state["train_config"]["extra"]["scst"], **budget})
        log.info("resuming %s after step %d", run_dir, state["step"])
    model, vocab, ckpt = load_checkpoint(Path(scfg.init))
    cfg = TrainConfig(**ckpt["train_config"])
    torch.set_num_threads(scfg.threads)
    torch.manual_seed(scfg.seed)
    started = time.monotonic()

    trains = [load_split(cfg, s, "train", progress) for s in cfg.train]
    vals = [load_split(cfg, s, "val", progress) for s in cfg.val]
    grids = np.concatenate([sp.grids for sp in trains], axis=0)
    text = run_text(cfg, trains)
    cider = CiderD(train_refs(trains, text))
    log.info("scst: %d train images, %d n-grams in df", len(grids), len(cider.df))

    opt = torch.optim.Adam(model.parameters(), lr=scfg.lr)
    rng = np.random.default_rng(scfg.seed)
    perm, pos, step, history = rng.permutation(len(grids)), 0, 0, []
    if state is not None:
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        perm, pos, step = np.asarray(state["perm"]), state["pos"], state["step"]
        best, history = state["best_score"], state["history"]
        rng.bit_generator.state = state["np_rng"]
        torch.set_rng_state(state["torch_rng"])
    else:
        best = validate(model, vals, vocab, cfg.val_beam, text)["score"]
        history.append({"step": 0, "score": best})
        log.info("initial mean val CIDEr %.4f", best)
    tcfg = asdict(cfg)
    data_seen = [{"name": sp.data.name, "images": len(sp.data)} for sp in trains]
    tcfg["extra"] = {**tcfg.get("extra", {}), "scst": asdict(scfg)}

    def checkpoint(scores: dict[str, float]) -> None:
        nonlocal best
        payload = {
            "train_config": tcfg,
            "model_config": model.cfg.to_dict(),
            "vocab": list(vocab.tokens),
            "training_data": data_seen,
            "model": model.state_dict(),
            "optimizer": opt.state_dict(),
            "epoch": ckpt["epoch"],
            "best_epoch": ckpt["best_epoch"],
            "best_score": best,
            "lr": scfg.lr,
            "history": history,
            "step": step,
            "perm": perm,
            "pos": pos,
            "np_rng": rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        }
        if scores["score"] > best:
            best = scores["score"]
            payload["best_score"] = best
            save_checkpoint(best_path, payload)
            log.info("new best mean val CIDEr %.4f at step %d", best, step)
        save_checkpoint(last_path, payload)

    last_val = time.monotonic()
    bar = tqdm(disable=not progress, desc="scst")
    stats: list[tuple[float, float, float]] = []
    while True:
        minutes = (time.monotonic() - started) / 60
        out_of_time = scfg.max_minutes is not None and minutes > scfg.max_minutes
        out_of_steps = scfg.max_steps is not None and step >= scfg.max_steps
        due = (
            scfg.val_every_steps is not None and step > 0 and step % scfg.val_every_steps == 0
        ) or (time.monotonic() - last_val) / 60 > scfg.val_every_minutes
        if (due or out_of_time or out_of_steps) and step > (history[-1]["step"] if history else 0):
            scores = validate(model, vals, vocab, cfg.val_beam, text)
            mean = np.mean(stats, axis=0) if stats else [float("nan")] * 3
            record = {"step": step, "reward": mean[0], "adv": mean[1], "loss": mean[2], **scores}
            history.append(record)
            stats = []
            log.info("step %d %s", step, {k: round(float(v), 4) for k, v in record.items()})
            checkpoint(scores)
            last_val = time.monotonic()
        if out_of_time or out_of_steps:
            break
        if pos + scfg.batch_images > len(perm):
            perm, pos = rng.permutation(len(grids)), 0
        idx = np.sort(perm[pos : pos + scfg.batch_images])
        pos += scfg.batch_images
        model.train(scfg.sample_dropout)
        grid = torch.from_numpy(grids[idx].astype(np.float32))
        ids, logp, mask = sample_captions(model, grid, vocab, scfg.samples, cfg.max_words)
        images = np.repeat(idx, scfg.samples)
        rewards = np.array(
            [
                cider.score(text.score(text.text(vocab.decode(row))), int(im))
                for row, im in zip(ids.tolist(), images, strict=True)
            ]
        )
        loss, adv = scst_loss(logp, mask, rewards, scfg.samples)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.clip)
        opt.step()
        step += 1
        stats.append((float(rewards.mean()), adv, float(loss.item())))
        bar.update(1)
        bar.set_postfix(reward=f"{rewards.mean():.3f}")
    bar.close()
    log.info("done after %d steps: best mean val CIDEr %.4f", step, best)
    return best_path
