"""The Gaussian-mixture policy (a mixture density network): several points, each with a weight."""

from __future__ import annotations

import torch
from torch.distributions import Categorical, Distribution, Independent, MixtureSameFamily, Normal

from rlnoise.agents.base import Policy, mlp, spread


class Mixture(MixtureSameFamily):
    """A Gaussian mixture whose `entropy` is estimated from one sample per distribution.

    A mixture's entropy has no closed form. `entropy` returns `-log p(x)` at a sample `x ~ p`, an
    unbiased estimate of `H = -E[log p(x)]`, and carries the score-function gradient of `H`,
    `-E[(log p(x) - b) grad log p(x)]`, with `b` the batch's mean of `log p(x)` (a baseline, as
    in REINFORCE: a sample cannot be reparameterised through the choice of component). It is the
    entropy of where the policy acts, not of its components: two components on the same good
    answer count as one, so the bonus shares the weight evenly among the good answers, as the
    categorical policy's does, however many components sit on each.
    """

    def entropy(self) -> torch.Tensor:
        """The one-sample estimate above, for each distribution of the batch."""
        log_p = self.log_prob(self.sample())
        held = log_p.detach()
        return -held - (held - held.mean()) * (log_p - held)


class MixturePolicy(Policy):
    """A network that outputs `components` points, a weight and a spread for each; samples a
    component by weight, then Gaussian noise of its spread around its point.

    It can put one point on each good answer and keep both by their weights; its known failure is
    components dying: one takes all the weight and the policy commits. Each spread is learned, kept
    between `min_spread` and `max_spread` (`rlnoise.agents.base.spread`): the floor keeps a
    component from collapsing to a point, whose `log_prob` would grow without bound, and the cap
    keeps the entropy bonus from widening it without bound. Deterministic play is the point of the
    most probable component.
    """

    output = "point"

    def __init__(
        self,
        observation_size: int,
        action_size: int,
        hidden: int = 64,
        layers: int = 2,
        components: int = 4,
        min_spread: float = 0.02,
        max_spread: float = 0.3,
    ):
        super().__init__(observation_size, action_size, hidden, layers)
        self.components = components
        self.min_spread = min_spread
        self.max_spread = max_spread
        self.network = mlp(observation_size, components * (1 + 2 * action_size), hidden, layers)

    def split(self, observations: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The components' logits `(batch, K)`, points and spreads `(batch, K, action_size)`."""
        output = self.network(observations)
        logits, rest = output[:, : self.components], output[:, self.components :]
        means, raw = rest.reshape(len(observations), self.components, 2, self.action_size).unbind(2)
        return logits, means, spread(raw, self.min_spread, self.max_spread)

    def distribution(self, observations: torch.Tensor) -> Distribution:
        """The mixture of the components' Gaussians, weighted by the softmax of the logits."""
        logits, means, spreads = self.split(observations)
        return Mixture(Categorical(logits=logits), Independent(Normal(means, spreads), 1))

    def greedy(self, observations: torch.Tensor) -> torch.Tensor:
        """The point of the most probable component."""
        logits, means, _ = self.split(observations)
        return means[torch.arange(len(means)), logits.argmax(dim=-1)]

    def centres(self, observations: torch.Tensor) -> torch.Tensor:
        """Every component's point, `(batch, K, action_size)`."""
        return self.split(observations)[1]
