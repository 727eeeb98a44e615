"""The teacher-forced pass: captions that share an image give what one row per caption gives."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from capdesk.training.model import Captioner, ModelConfig  # noqa: E402


def _model(dropout: float) -> Captioner:
    torch.manual_seed(0)
    return Captioner(
        ModelConfig(
            cnn_channels=12,
            vocab_size=30,
            feature_dim=16,
            attention_dim=8,
            embed_dim=8,
            hidden_dim=16,
            dropout=dropout,
        )
    )


def test_image_index_matches_one_grid_row_per_caption() -> None:
    model = _model(0.0).train()
    grid = torch.randn(3, 5, 12)
    image_index = torch.tensor([2, 0, 2, 1, 0, 1, 2])
    lengths = torch.tensor([9, 8, 8, 6, 5, 3, 2])
    captions = torch.randint(4, 30, (7, 9))

    loss_a, penalty_a = model(grid, captions, lengths, image_index)
    loss_a.backward()
    grads_a = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    model.zero_grad()
    loss_b, penalty_b = model(grid[image_index], captions, lengths)
    loss_b.backward()

    torch.testing.assert_close(loss_a, loss_b)
    torch.testing.assert_close(penalty_a, penalty_b)
    assert grads_a.keys() == {n for n, p in model.named_parameters() if p.grad is not None}
    for name, p in model.named_parameters():
        torch.testing.assert_close(grads_a[name], p.grad, msg=name)


def test_dropout_keeps_one_mask_per_caption_for_all_steps() -> None:
    """With dropout on, two captions of one image see different masks; the loss is finite."""
    model = _model(0.5).train()
    grid = torch.randn(1, 5, 12)
    captions = torch.randint(4, 30, (2, 6))
    loss, penalty = model(grid, captions, torch.tensor([6, 6]), torch.tensor([0, 0]))
    assert torch.isfinite(loss) and torch.isfinite(penalty)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)
