"""Stochastic depth (`--stochastic-depth P`, Huang et al. 2016): residual hidden blocks, each
skipped with probability `P` while the network is in the `train()` state.

With `P > 0` the policy network's hidden-to-hidden layers (equal input and output width: every
hidden layer after the first, so `--layers 2` or more) become residual blocks, `h + f(h)`, with `f`
the layer as the network has it (linear, the layer norm of `--param-noise`, tanh, dropout). So
the flag changes the architecture as well as adding noise; with `P = 0` (the default) the network
is the plain one, unchanged.
"""

from __future__ import annotations

import torch
from torch import nn


class StochasticDepth(nn.Module):
    """A residual block `h + f(h)`, `f` skipped with probability `p` (Huang et al. 2016).

    In the `train()` state (acting, the gradient step, sampled evaluation) each forward pass draws
    one Bernoulli from torch's global generator for the whole batch, as Huang et al. draw one per
    minibatch: the block is `h` when skipped and `h + f(h)`, unscaled, when it survives. In the
    `eval()` state (deterministic play, the bits measure) it is `h + (1 - p) f(h)`, the expected
    block, and draws nothing.
    """

    def __init__(self, block: nn.Module, p: float):
        super().__init__()
        self.block, self.p = block, p

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """`hidden` plus the block's output: dropped or kept (`train()`), scaled by `1 - p` (`eval()`)."""
        if not self.training:
            return hidden + (1 - self.p) * self.block(hidden)
        if float(torch.rand(())) < self.p:
            return hidden
        return hidden + self.block(hidden)


def residual(layer: list[nn.Module], p: float) -> list[nn.Module]:
    """The modules of one hidden layer (its `nn.Linear` first) as the network holds them: a
    `StochasticDepth` block when `p > 0` and the layer maps a width to itself, else as given."""
    linear = layer[0]
    if p > 0 and isinstance(linear, nn.Linear) and linear.in_features == linear.out_features:
        return [StochasticDepth(nn.Sequential(*layer), p)]
    return layer
