"""The tiny training configuration the pipeline and SCST tests share (seconds, not hours)."""

from __future__ import annotations

from pathlib import Path

from capdesk.training.train import TrainConfig


def tiny_config(corpus: Path, cache: Path, epochs: int) -> TrainConfig:
    return TrainConfig(
        train=[str(corpus)],
        val=[str(corpus)],
        cache_dir=str(cache),
        variant="tiny",
        grid="4x4",
        min_count=1,
        feature_dim=16,
        attention_dim=8,
        embed_dim=8,
        hidden_dim=16,
        dropout=0.2,
        lr=3e-3,
        batch_size=8,
        epochs=epochs,
        patience=99,
        threads=1,
    )
