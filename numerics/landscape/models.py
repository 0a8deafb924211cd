"""Small models for the experiments (float64), built by factories so that each seed has its own init.

* ``MLP``: 3 linear layers with ReLU, the second square (width x width): in -> w -> w -> classes.
* ``CNN``: conv(in -> c1, 3x3) ReLU, conv(c1 -> c2, 3x3) ReLU, 2x2 max-pool, linear -> classes.
* ``Linear1``: x -> <a_i, x> without bias (half-space learning); its loss is sigmoid(-b_i <a_i, x>).
* ``LSTMLM``: embedding, a 3-layer LSTM, linear decoder: next-token logits [B, T, V].
"""
from __future__ import annotations

import torch
from torch import nn

DTYPE = torch.float64


class MLP(nn.Module):
    def __init__(self, in_features: int, width: int, classes: int = 10) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(in_features, width), nn.ReLU(),
                                 nn.Linear(width, width), nn.ReLU(), nn.Linear(width, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CNN(nn.Module):
    def __init__(self, in_channels: int, c1: int, c2: int, side: int, classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, c1, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(c2 * (side // 2) ** 2, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))


class Linear1(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.x = nn.Parameter(torch.zeros(dim, dtype=DTYPE))

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return a @ self.x


class LSTMLM(nn.Module):
    def __init__(self, vocab: int, embed: int = 16, hidden: int = 32, layers: int = 3) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.decode = nn.Linear(hidden, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h, _ = self.lstm(self.embed(tokens))
        return self.decode(h)


def sigmoid_margin_loss(margins: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """mean_i sigmoid(-b_i m_i): the half-space learning loss (nonnegative, inf = 0)."""
    return torch.sigmoid(-labels * margins).mean()


def sequence_ce(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over a batch of sequences [B, T, V] vs [B, T]."""
    return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


class L2Penalty:
    """(lam / 2) |x|^2 over all parameters: picklable, added to every f_i."""

    def __init__(self, lam: float) -> None:
        self.lam = float(lam)

    def __call__(self, params: dict) -> torch.Tensor:
        return 0.5 * self.lam * sum((p * p).sum() for p in params.values())
