"""Linear layers that compute through a channel on their weights: the capacity lab's noise sources.

How many bits a policy stores (`rlnoise.capacity`) depends on how precisely each weight is kept.
`ChannelLinear` limits that precision two ways, each a training setting off by default, swapped in
for `nn.Linear` by `rlnoise.noise.apply`:

- **Weight noise** (`--weight-noise S`): the forward pass uses `w + S * std(w) * eps`, with `eps`
  a fresh standard Gaussian per weight at every forward pass and `std(w)` the layer's own weights'
  standard deviation (over the layer, population). Each weight's signal-to-noise ratio is then
  `1 / S^2`, and the Gaussian channel's bound, `0.5 log2(1 + 1 / S^2)` bits per weight, caps
  what the network can hold. The noise is on in the `train()` state *and* the `eval()` state: it
  is a property of the weights, so deterministic play computes through it too.
- **Binarised weights** (`--binarize`): BinaryConnect (Courbariaux et al., 2015): the forward
  pass uses `sign(w) * mean|w|` per layer (two values per layer, `sign(0) = +1`), while the
  real-valued weights are kept and trained: the gradient passes straight through to them where
  `|w| <= 1` and is zero elsewhere (`Binarize`). With both on, the noise is on the binarised
  weights, at their standard deviation.

Biases are left as they are. Every draw comes from torch's global generator, as for every source.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Binarize(torch.autograd.Function):
    """`sign(w) * mean|w|` forward, the gradient passed straight through where `|w| <= 1` backward."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, weight: torch.Tensor) -> torch.Tensor:
        """The binarised weights: `+mean|w|` where `w >= 0`, `-mean|w|` elsewhere."""
        ctx.save_for_backward(weight)
        scale = weight.abs().mean()
        return torch.where(weight >= 0, scale, -scale)

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, grad: torch.Tensor) -> torch.Tensor:
        """The straight-through estimator: the incoming gradient where `|w| <= 1`, zero elsewhere."""
        (weight,) = ctx.saved_tensors
        return grad * (weight.abs() <= 1)


class ChannelLinear(nn.Linear):
    """A linear layer whose forward pass uses its weights binarised (`binary`), noisy (`noise`), or both.

    `noise` is `S` of `w + S * std(w) * eps`, the scale detached (a measure of the weights, not a
    path for the gradient). The parameters are those of `nn.Linear`, so checkpoints and the
    parameter count are unchanged.
    """

    def __init__(
        self, inputs: int, outputs: int, noise: float = 0.0, binary: bool = False, device: str | None = None
    ):
        super().__init__(inputs, outputs, device=device)
        self.noise, self.binary = noise, binary

    @classmethod
    def wrap(cls, linear: nn.Linear, noise: float, binary: bool) -> ChannelLinear:
        """A `ChannelLinear` holding `linear`'s own weight and bias (so it draws no new initialisation)."""
        layer = cls(linear.in_features, linear.out_features, noise, binary, device="meta")
        layer.weight, layer.bias = linear.weight, linear.bias
        return layer

    def channel_weight(self) -> torch.Tensor:
        """The weights the forward pass uses: binarised and/or with fresh noise."""
        weight = Binarize.apply(self.weight) if self.binary else self.weight
        if self.noise > 0:
            scale = self.noise * weight.detach().std(correction=0)
            weight = weight + scale * torch.randn_like(weight)
        return weight

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """The layer through its channel, in the `train()` and the `eval()` state alike."""
        return F.linear(inputs, self.channel_weight(), self.bias)

    def extra_repr(self) -> str:
        """`nn.Linear`'s sizes, with the channel's settings."""
        return f"{super().extra_repr()}, noise={self.noise}, binary={self.binary}"
