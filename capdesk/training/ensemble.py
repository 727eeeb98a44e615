"""Several trained captioners shipped as one model folder in the ordinary contract.

Averaging the word probabilities of decoders that look through different CNNs is the
cheapest accuracy we can buy at run time: the beam search, the app and the contract do
not change. The encoder graph runs each distinct CNN once (resizing the input inside the
graph for CNNs trained at another size; members on one backbone share it) and stacks
what the members need:

* ``features`` / ``projection``: every member's cells, padded to the largest grid L,
  concatenated: (N, K·L, D|A) (the members share the feature and attention widths);
* ``h0`` / ``c0``: the members' recurrent states side by side, (N, ΣH).

The input is the smallest member's size (see :func:`input_size`). The step graph views
the cells as (N, K, L, ·), attends for every member at once, runs each member's LSTM
step, and returns ``log(Σ w_k p_k)`` with the *first* member's attention: the
manifest's grid is that member's, so the app's heatmaps stay one map per word.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812  (PyTorch convention)
from torch import nn

from capdesk.engine.beam import Arrays, StepFunction
from capdesk.training.checkpoint import load_checkpoint, training_data
from capdesk.training.encoder import build_cnn, cnn_info
from capdesk.training.export import ModelGraphs, write_model_dir
from capdesk.training.manifest import decoding_options, encoder_weights_text
from capdesk.training.model import Captioner
from capdesk.training.text import Vocab


@dataclass(frozen=True)
class Member:
    """One ensemble member: its frozen CNN and its trained decoder."""

    cnn: nn.Module
    captioner: Captioner


def align_vocabulary(
    captioner: Captioner, tokens: Sequence[str], target: Sequence[str]
) -> Captioner:
    """Reorder a decoder's word rows from ``tokens`` to ``target`` order, in place.

    Members trained on the same data have the same words, but a tokenizer fix between
    two runs can swap words of equal count; their embeddings and output rows are
    permuted so that every member speaks the first member's ids.
    """
    if list(tokens) == list(target):
        return captioner
    index = {t: i for i, t in enumerate(tokens)}
    if set(index) != set(target) or len(tokens) != len(target):
        raise ValueError("members must have the same vocabulary (the same words)")
    order = torch.tensor([index[t] for t in target])
    with torch.no_grad():
        captioner.embed.weight.copy_(captioner.embed.weight[order])
        captioner.out.weight.copy_(captioner.out.weight[order])
        captioner.out.bias.copy_(captioner.out.bias[order])
    return captioner


def _check(members: Sequence[Member], weights: Sequence[float]) -> None:
    if len(members) < 2 or len(weights) != len(members):
        raise ValueError("an ensemble needs two or more members and one weight each")
    first = members[0].captioner.cfg
    for m in members[1:]:
        cfg = m.captioner.cfg
        if (cfg.feature_dim, cfg.attention_dim, cfg.vocab_size) != (
            first.feature_dim,
            first.attention_dim,
            first.vocab_size,
        ):
            raise ValueError("members must share feature/attention widths and the vocabulary")


def input_size(members: Sequence[Member]) -> int:
    """The smallest member input: members at larger sizes upsample it inside the graph.

    Upsampling is plain bilinear interpolation in Pillow and ONNX alike, so a member
    trained on photos Pillow enlarged sees the same thing here; shrinking inside the graph
    instead (no antialiasing in ONNX Resize at opset 17) cost 2.8 Flickr8k val CIDEr.
    """
    return min(cnn_info(m.cnn).image_size for m in members)


class EnsembleEncoderExport(nn.Module):
    """images (N,3,S,S) at :func:`input_size` -> stacked features, projection, h0, c0.

    Members holding the same CNN object (frozen, so two members trained on the same
    backbone read identical grids) share one run of it: the CNN is most of the encoder's
    time, so a further member on a backbone already present costs only its small head.
    """

    def __init__(self, members: Sequence[Member]) -> None:
        super().__init__()
        self.cnns = nn.ModuleList()
        self.cnn_of_member: list[int] = []
        for m in members:
            shared = [i for i, cnn in enumerate(self.cnns) if cnn is m.cnn]
            if not shared:
                self.cnns.append(m.cnn)
            self.cnn_of_member.append(shared[0] if shared else len(self.cnns) - 1)
        self.captioners = nn.ModuleList(m.captioner for m in members)
        self.sizes = [cnn_info(cnn).image_size for cnn in self.cnns]
        self.cells = [cnn_info(m.cnn).grid_size**2 for m in members]
        self.slots = max(self.cells)
        self.input_size = input_size(members)

    def forward(
        self, images: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        grids = []
        for cnn, size in zip(self.cnns, self.sizes, strict=True):
            x = images
            if size != self.input_size:
                x = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
            grids.append(cnn(x).flatten(2).transpose(1, 2))
        outs = [
            captioner.encode(grids[k])  # type: ignore[operator]
            for captioner, k in zip(self.captioners, self.cnn_of_member, strict=True)
        ]
        f, p, h, c = zip(*outs, strict=True)

        def padded(parts: Sequence[torch.Tensor]) -> torch.Tensor:
            """Every member's cells padded to the largest grid, for the step's reshape."""
            pads = [(0, 0, 0, self.slots - n) for n in self.cells]
            return torch.cat([F.pad(x, pad) for x, pad in zip(parts, pads, strict=True)], 1)

        return padded(f), padded(p), torch.cat(h, 1), torch.cat(c, 1)


class EnsembleDecoderStepExport(nn.Module):
    """One step of every member; log of the weighted mean probability, first member's alpha.

    The encoder pads every member's cells to the largest grid (EnsembleEncoderExport),
    so the stacked ``features``/``projection`` reshape for free to (N, K, L, ·) and the
    members attend in one batched pass with their padding masked out. Slicing each
    member's cells instead made ONNX Runtime copy them at every step: a sixth of a
    four-member step on this CPU.
    """

    padding: torch.Tensor
    score_w: torch.Tensor
    score_b: torch.Tensor

    def __init__(
        self, members: Sequence[Member], locations: Sequence[int], weights: Sequence[float]
    ) -> None:
        super().__init__()
        _check(members, weights)
        self.captioners = nn.ModuleList(m.captioner for m in members)
        self.first_cells = locations[0]
        self.slots = max(locations)
        self.hidden = [m.captioner.cfg.hidden_dim for m in members]
        total = float(sum(weights))
        self.w = [w / total for w in weights]
        padding = torch.arange(self.slots).unsqueeze(0) >= torch.tensor(locations).unsqueeze(1)
        self.register_buffer("padding", torch.where(padding, float("-inf"), 0.0))  # (K, L)
        scorers = [m.captioner.att_score for m in members]
        self.register_buffer(
            "score_w", torch.stack([s.weight.view(-1, 1) for s in scorers]).clone()
        )  # (K, A, 1)
        self.register_buffer("score_b", torch.cat([s.bias for s in scorers]).view(1, -1, 1))

    def _attend(
        self, hs: Sequence[torch.Tensor], features: torch.Tensor, projection: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Every member's context (N, K, D) and attention (N, K, L) over its own cells."""
        n, k = features.shape[0], len(hs)
        features = features.reshape(n, k, self.slots, -1)
        projection = projection.reshape(n, k, self.slots, -1)
        queries = torch.stack(
            [m.att_hid(h_k) for m, h_k in zip(self.captioners, hs, strict=True)],  # type: ignore[operator]
            1,
        )  # (N, K, A)
        hidden = torch.tanh(projection + queries.unsqueeze(2))  # (N, K, L, A)
        scores = torch.matmul(hidden, self.score_w).squeeze(3) + self.score_b
        alpha = torch.softmax(scores + self.padding, dim=2)  # (N, K, L)
        context = torch.matmul(alpha.unsqueeze(2), features).squeeze(2)  # (N, K, D)
        return context, alpha

    def forward(
        self,
        words: torch.Tensor,
        h: torch.Tensor,
        c: torch.Tensor,
        features: torch.Tensor,
        projection: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        bounds = list(itertools.pairwise(np.cumsum([0, *self.hidden]).tolist()))
        h_in = [h[:, a:b] for a, b in bounds]
        c_in = [c[:, a:b] for a, b in bounds]
        context, alpha = self._attend(h_in, features, projection)
        probs, hs, cs = [], [], []
        for k, captioner in enumerate(self.captioners):
            logits, h_k, c_k = captioner.advance(  # type: ignore[operator]
                words, h_in[k], c_in[k], context[:, k]
            )
            probs.append(torch.softmax(logits, dim=1) * self.w[k])
            hs.append(h_k)
            cs.append(c_k)
        # Weighted probabilities summed, then one log: ONNX Runtime's ReduceLogSumExp over
        # the stacked members took an eighth of a four-member step on this CPU.
        log_p = torch.log(sum(probs[1:], probs[0]))
        return log_p, torch.cat(hs, 1), torch.cat(cs, 1), alpha[:, 0, : self.first_cells]


def ensemble_step(steps: Sequence[StepFunction], weights: Sequence[float]) -> StepFunction:
    """Combine member step functions (each with its own state and context) for validation.

    Member ``k``'s arrays live under keys prefixed ``"k:"``, so the shared beam search
    reorders them with the beams like any other state.
    """
    log_w = np.log(np.asarray(weights, dtype=np.float64) / float(sum(weights)))

    def step(
        words: np.ndarray, state: Arrays, context: Arrays
    ) -> tuple[np.ndarray, Arrays, np.ndarray]:
        new_state: Arrays = {}
        parts: list[np.ndarray] = []
        first_alpha: np.ndarray | None = None
        for k, member in enumerate(steps):
            prefix = f"{k}:"
            sub_state = {n[len(prefix) :]: v for n, v in state.items() if n.startswith(prefix)}
            sub_ctx = {n[len(prefix) :]: v for n, v in context.items() if n.startswith(prefix)}
            lp, st, alpha = member(words, sub_state, sub_ctx)
            parts.append(lp.astype(np.float64) + log_w[k])
            new_state.update({prefix + n: v for n, v in st.items()})
            first_alpha = alpha if first_alpha is None else first_alpha
        stacked = np.stack(parts, 0)
        top = stacked.max(axis=0)
        combined = top + np.log(np.exp(stacked - top).sum(axis=0))
        assert first_alpha is not None  # steps is never empty
        return combined.astype(np.float32), new_state, first_alpha

    return step


def prefixed(k: int, arrays: Arrays) -> Arrays:
    return {f"{k}:{n}": v for n, v in arrays.items()}


def export_ensemble(
    checkpoints: Sequence[Path],
    out_dir: Path,
    *,
    name: str,
    weights: Sequence[float] | None = None,
    length_penalty: float = 0.0,
    repeatable_words: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Export ``checkpoints`` as one model folder; the first member's attention is the heatmap.

    Needs only the checkpoints, not the data they were trained on.
    """

    members, vocab, described = [], None, []
    cnns: dict[tuple[str, str, int], nn.Module] = {}  # one frozen CNN per backbone
    for path in checkpoints:
        captioner, member_vocab, ckpt = load_checkpoint(Path(path))
        if vocab is None:
            vocab = member_vocab
        align_vocabulary(captioner, member_vocab.tokens, vocab.tokens)
        tcfg = ckpt["train_config"]
        key = (tcfg["variant"], tcfg["grid"], tcfg["seed"])
        if key not in cnns:
            cnns[key] = build_cnn(*key[:2], seed=key[2])
        members.append(Member(cnns[key], captioner))
        described.append(
            {
                "checkpoint": "/".join(Path(path).parts[-3:]),  # run folder and file
                "variant": tcfg["variant"],
                "best_mean_val_CIDEr": ckpt["best_score"],
                "train": [entry["name"] for entry in training_data(ckpt)],
            }
        )
    if vocab is None:
        raise ValueError("no checkpoints given")
    names = sorted({n for d in described for n in d["train"]})
    return export_members(
        members,
        vocab,
        out_dir,
        name=name,
        weights=weights,
        decoding=decoding_options(length_penalty, repeatable_words),
        training_data=[f"{n} train" for n in names],
        extra={"ensemble": {"members": described}},
    )


def export_members(
    members: Sequence[Member],
    vocab: Vocab,
    out_dir: Path,
    *,
    name: str,
    decoding: dict[str, Any],
    training_data: list[str],
    weights: Sequence[float] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the model folder for ``members`` (already sharing ``vocab``'s ids)."""

    weights = list(weights) if weights else [1.0] * len(members)
    _check(members, weights)
    for m in members:
        m.cnn.eval()
        m.captioner.eval()
    infos = [cnn_info(m.cnn) for m in members]
    first = members[0].captioner.cfg
    graphs = ModelGraphs(
        encoder=EnsembleEncoderExport(members),
        step=EnsembleDecoderStepExport(members, [i.grid_size**2 for i in infos], weights),
        image_size=input_size(members),
        grid=infos[0].grid_size,
        locations=len(members) * max(i.grid_size**2 for i in infos),
        hidden=sum(m.captioner.cfg.hidden_dim for m in members),
        feature_dim=first.feature_dim,
        attention_dim=first.attention_dim,
        encoder_weights="; ".join(sorted({encoder_weights_text(i.variant) for i in infos})),
    )
    extra = dict(extra or {})
    extra.setdefault("ensemble", {})["weights"] = weights
    return write_model_dir(
        graphs,
        vocab,
        out_dir,
        name=name,
        training_data=training_data,
        decoding=decoding,
        extra=extra,
    )
