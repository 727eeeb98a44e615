"""Show, Attend and Tell decoder (soft attention) plus the wrappers that get exported.

Layout follows Xu et al. (2015) with CPU-friendly choices: CNN features are projected
once per image to ``feature_dim`` and their attention projection is computed once too
(both live in the exported *encoder*), so each decode step only does the cheap part:
attention over L cells, the gating scalar beta, one LSTMCell step and a deep output layer.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F  # noqa: N812  (PyTorch convention)
from torch import nn


@dataclass(frozen=True)
class ModelConfig:
    """Shapes and regularisation of the decoder; stored in every checkpoint."""

    cnn_channels: int
    vocab_size: int
    feature_dim: int = 512
    attention_dim: int = 256
    embed_dim: int = 256
    hidden_dim: int = 512
    dropout: float = 0.5
    #: False: the input already is a feature head's output (an exported encoder's
    #: ``features``), used as it is; the per-language decoders of LANG_CONTRACT.
    project_features: bool = True

    def to_dict(self) -> dict[str, float | int | bool]:
        return asdict(self)


class Captioner(nn.Module):
    """Trainable part of the captioner; the frozen CNN's (N, L, C) grid is its input."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d, a, e, h = cfg.feature_dim, cfg.attention_dim, cfg.embed_dim, cfg.hidden_dim
        if not cfg.project_features and cfg.cnn_channels != d:
            raise ValueError("unprojected features need cnn_channels == feature_dim")
        self.feat_proj = nn.Linear(cfg.cnn_channels, d) if cfg.project_features else None
        self.att_feat = nn.Linear(d, a)
        self.init_h = nn.Linear(d, h)
        self.init_c = nn.Linear(d, h)
        self.embed = nn.Embedding(cfg.vocab_size, e)
        self.att_hid = nn.Linear(h, a)
        self.att_score = nn.Linear(a, 1)
        self.gate = nn.Linear(h, d)
        self.lstm = nn.LSTMCell(e + d, h)
        self.out_h = nn.Linear(h, e)
        self.out_z = nn.Linear(d, e)
        self.out = nn.Linear(e, cfg.vocab_size)
        self.drop = nn.Dropout(cfg.dropout)
        nn.init.uniform_(self.embed.weight, -0.1, 0.1)

    def encode(
        self, grid: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(N, L, C) CNN grid -> features (N,L,D), projection (N,L,A), h0, c0."""
        features = F.relu(self.feat_proj(grid)) if self.feat_proj is not None else grid
        projection = self.att_feat(features)
        mean = features.mean(dim=1)
        return features, projection, torch.tanh(self.init_h(mean)), torch.tanh(self.init_c(mean))

    def step(
        self,
        words: torch.Tensor,
        h: torch.Tensor,
        c: torch.Tensor,
        features: torch.Tensor,
        projection: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One decode step: logits (M,V), new h, new c, attention alpha (M,L)."""
        scores = self.att_score(torch.tanh(projection + self.att_hid(h).unsqueeze(1))).squeeze(2)
        alpha = torch.softmax(scores, dim=1)
        # One batched product (a MatMul in ONNX) reads the features once per step.
        context = torch.bmm(alpha.unsqueeze(1), features).squeeze(1)
        logits, h, c = self.advance(words, h, c, context)
        return logits, h, c, alpha

    def advance(
        self, words: torch.Tensor, h: torch.Tensor, c: torch.Tensor, context: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The step after attention, apart so an ensemble can attend for all members at once."""
        context = torch.sigmoid(self.gate(h)) * context  # the gating scalar beta, per channel
        emb = self.embed(words)
        h, c = self.lstm(torch.cat([emb, context], dim=1), (h, c))
        logits = self.out(self.drop(emb + self.out_h(h) + self.out_z(context)))
        return logits, h, c

    def forward(
        self,
        grid: torch.Tensor,
        captions: torch.Tensor,
        lengths: torch.Tensor,
        image_index: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced pass; rows must be sorted by decreasing length.

        ``captions`` (B, T) hold ``<start> ... <end>`` padded ids and ``lengths`` the
        number of real ids per row. ``image_index`` (B,) says which image of ``grid``
        each caption describes (default: row i of ``grid``), so that an image with
        several captions in the batch goes through the feature head once: that head
        was about a fifth of a training step when it ran once per caption. Returns the
        summed token cross-entropy and the doubly stochastic attention penalty
        sum_l (1 - sum_t alpha_tl)^2 (mean over rows). Shorter rows drop out of the
        batch as soon as they are done, which saves CPU.
        """
        image_features, image_projection, h0, c0 = self.encode(grid)
        if image_index is None:
            image_index = torch.arange(grid.shape[0])
        rows, cells, dim = image_index.shape[0], grid.shape[1], image_features.shape[2]
        # One dropout mask per caption, kept for all its steps.
        mask = self.drop(grid.new_ones(rows, cells, dim)) if self.cfg.dropout > 0 else None
        h, c = h0[image_index], c0[image_index]
        steps = lengths - 1
        total_steps = int(steps.max())
        loss = grid.new_zeros(())
        alpha_sum = grid.new_zeros(rows, cells)
        bt = -1
        for t in range(total_steps):
            unfinished = int((steps > t).sum())
            if unfinished != bt:
                # Gather the per-caption cells only when rows finish: the backward of
                # each gather writes a zero tensor of the per-image cells, which was a
                # fifth of a step when all (B, L, D) cells were sliced at every step.
                bt = unfinished
                features = image_features[image_index[:bt]]
                features = features * mask[:bt] if mask is not None else features
                projection = image_projection[image_index[:bt]]
                h, c = h[:bt], c[:bt]
            logits, h, c, alpha = self.step(captions[:bt, t], h, c, features, projection)
            loss = loss + F.cross_entropy(logits, captions[:bt, t + 1], reduction="sum")
            alpha_sum = torch.cat([alpha_sum[:bt] + alpha, alpha_sum[bt:]], dim=0)
        penalty = ((1.0 - alpha_sum) ** 2).sum(dim=1).mean()
        return loss, penalty


class EncoderExport(nn.Module):
    """images (N,3,H,W) -> features, projection, h0, c0: the exported ``encoder.onnx``."""

    def __init__(self, cnn: nn.Module, captioner: Captioner, resize_to: int | None = None) -> None:
        super().__init__()
        self.cnn = cnn
        self.captioner = captioner
        # The CNN's own input size when the graph takes smaller images (see export.py).
        self.resize_to = resize_to

    def forward(
        self, images: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        if self.resize_to is not None:
            size = (self.resize_to, self.resize_to)
            images = F.interpolate(images, size=size, mode="bilinear", align_corners=False)
        grid = self.cnn(images)
        grid = grid.flatten(2).transpose(1, 2)
        return self.captioner.encode(grid)


class DecoderStepExport(nn.Module):
    """One decode step with log-softmax output: the exported ``decoder_step.onnx``."""

    def __init__(self, captioner: Captioner) -> None:
        super().__init__()
        self.captioner = captioner

    def forward(
        self,
        words: torch.Tensor,
        h: torch.Tensor,
        c: torch.Tensor,
        features: torch.Tensor,
        projection: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, h_out, c_out, alpha = self.captioner.step(words, h, c, features, projection)
        return torch.log_softmax(logits, dim=1), h_out, c_out, alpha


class InitExport(nn.Module):
    """features (N,L,D) of the frozen encoder -> projection, h0, c0: a language's ``init.onnx``.

    A per-language decoder reads the English encoder's ``features`` rows as they are
    (``project_features=False``), so only its own attention projection and initial state
    are computed here; the step graph then takes the encoder's features unchanged.
    """

    def __init__(self, captioner: Captioner) -> None:
        super().__init__()
        if captioner.feat_proj is not None:
            raise ValueError("init.onnx is for decoders trained on encoder features")
        self.captioner = captioner

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _, projection, h0, c0 = self.captioner.encode(features)
        return projection, h0, c0
