"""The variational information bottleneck (`--bottleneck DIM --beta B`, Alemi et al. 2017): a
Gaussian layer of `DIM` units after the policy network's first hidden layer.

`noise.rebuild` puts a `Bottleneck` after the first hidden layer's activation (and its dropout),
and the layer that followed takes the `DIM` units as its inputs instead of the hidden ones. The
layer maps the hidden units `h` to the mean `mu` and the log-variance of a diagonal Gaussian over
`DIM` units, and the network continues from `z = mu + sigma * eps` (the `train()` state: acting,
the gradient step, sampled evaluation; `eps` from torch's global generator, reparameterised so the
gradient flows through `mu` and `sigma`) or from `z = mu` (the `eval()` state: deterministic play
and the bits measure, drawing nothing). Every forward pass keeps the KL divergence of that
Gaussian from the standard normal prior, in nats per sample (summed over the `DIM` units, mean
over the batch); each algorithm reads it back after its loss's forward pass (`bottleneck_kl`) and
adds `--beta` times it to its loss. It bounds the information about the input that reaches the
rest of the network, in nats per sample; logged in bits as `losses/bottleneck_kl_bits`.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence


class Bottleneck(nn.Module):
    """A Gaussian layer of `units` units from `inputs` features, with its KL to `N(0, 1)` kept in `kl`."""

    def __init__(self, inputs: int, units: int):
        super().__init__()
        self.moments = nn.Linear(inputs, 2 * units)  # the mean and the log-variance of each unit
        self.kl = torch.zeros(())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """A sample of the units (the `train()` state) or their mean (the `eval()` state)."""
        mean, log_variance = self.moments(hidden).chunk(2, dim=-1)
        posterior = Normal(mean, (0.5 * log_variance).exp())
        prior = Normal(torch.zeros_like(mean), torch.ones_like(mean))
        self.kl = kl_divergence(posterior, prior).sum(-1).mean()
        return posterior.rsample() if self.training else mean


def bottleneck_kl(policy: nn.Module) -> torch.Tensor | float:
    """The KL (nats per sample) of every `Bottleneck` of `policy` at its last forward pass; 0 without one."""
    return sum((module.kl for module in policy.modules() if isinstance(module, Bottleneck)), 0.0)


def bottleneck_figures(policy: nn.Module) -> dict[str, torch.Tensor]:
    """The bottleneck's KL at the last forward pass, in bits per sample, as a loss figure (none
    without a bottleneck)."""
    if not any(isinstance(module, Bottleneck) for module in policy.modules()):
        return {}
    return {"bottleneck kl bits": torch.as_tensor(bottleneck_kl(policy)).detach() / math.log(2)}
